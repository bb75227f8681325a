"""A small corpus of files carrying identifying metadata, made on the fly (issue point 1),
and an independent check of what is left: exiftool, not our own parser."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zlib
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from PIL import Image, PngImagePlugin

AUTHOR = "Kari Nordmann"
MAKER = "SpyCam Maker"
XMP_PACKET = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f'<dc:creator><rdf:Seq><rdf:li>{AUTHOR}</rdf:li></rdf:Seq></dc:creator>'
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
MARKERS = (AUTHOR, MAKER, "secret-attachment.txt", "ATTACHED-SECRET")


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x0110] = "Model X"
    exif[0x013B] = AUTHOR  # Artist
    exif[0x8825] = {1: "N", 2: (59.0, 54.0, 30.0), 3: "E", 4: (10.0, 45.0, 0.0)}  # GPS
    return exif


def jpeg_with_gps() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG", exif=_exif(),
                                                   xmp=XMP_PACKET.encode())
    return out.getvalue()


def mpo_with_gps() -> bytes:
    """Two pictures in one file, as phones store depth or wide-angle shots."""
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], exif=_exif())
    return out.getvalue()


def png_with_author() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_itxt("Copyright", f"{AUTHOR} iTXt")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def pdf_with_everything() -> bytes:
    """/Info author, document and page XMP, a comment with an author and a popup, an
    embedded file (name tree and a FileAttachment comment), PieceInfo, and a JPEG picture
    carrying EXIF GPS."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Creator"] = "Office 2024"
    pdf.Root.Metadata = pdf.make_stream(XMP_PACKET.encode(), Type=Name.Metadata,
                                        Subtype=Name.XML)
    page.obj.Metadata = pdf.make_stream(XMP_PACKET.encode(), Type=Name.Metadata,
                                        Subtype=Name.XML)
    piece = Dictionary(Illustrator=Dictionary(Private=pikepdf.String(AUTHOR)))
    pdf.Root.PieceInfo = piece
    page.obj.PieceInfo = Dictionary(Illustrator=Dictionary(Private=pikepdf.String(AUTHOR)))
    picture = pdf.make_stream(jpeg_with_gps(), Type=Name.XObject, Subtype=Name.Image,
                              Width=40, Height=30, ColorSpace=Name.DeviceRGB,
                              BitsPerComponent=8, Filter=Name.DCTDecode)
    page.obj.Resources = Dictionary(XObject=Dictionary(Im0=picture))
    page.obj.Contents = pdf.make_stream(b"q 40 0 0 30 10 10 cm /Im0 Do Q")
    secret = pikepdf.AttachedFileSpec(pdf, b"ATTACHED-SECRET", filename="secret-attachment.txt")
    pdf.attachments["secret-attachment.txt"] = secret
    popup = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Popup,
                                         Rect=Array([0, 0, 50, 50]), T=pikepdf.String(AUTHOR)))
    comment = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Text, Rect=Array([0, 0, 20, 20]),
        Contents=pikepdf.String("Look here"), T=pikepdf.String(AUTHOR),
        M=pikepdf.String("D:20240101120000Z"), Popup=popup))
    popup.Parent = comment
    attached = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([30, 30, 40, 40]),
        T=pikepdf.String(AUTHOR), FS=secret.obj))
    page.obj.Annots = Array([comment, popup, attached])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def doubled_flate_pdf(decoded_mib: int) -> bytes:
    """A content stream deflated twice: tiny on disk, `decoded_mib` MiB once inflated."""
    inner = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    once = b"".join(inner.compress(chunk) for _ in range(decoded_mib)) + inner.flush()
    twice = zlib.compress(once, 9)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, twice)
    stream.Filter = Array([Name.FlateDecode, Name.FlateDecode])
    pdf.pages[0].obj.Contents = pdf.make_indirect(stream)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def exiftool_path() -> str:
    """exiftool, or skip (locally) / fail (CI=true), as the browser tests do for chromium."""
    path = shutil.which("exiftool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the metadata checks: exiftool is missing "
                        "(apt-get install libimage-exiftool-perl)")
        pytest.skip("the metadata checks need exiftool "
                    "(apt-get install libimage-exiftool-perl)")
    return path


def exiftool_tags(exiftool: str, content: bytes) -> dict[str, Any]:
    """Every tag exiftool finds in `content` (read from stdin: no file on disk)."""
    done = subprocess.run(  # noqa: S603 - a fixed tool on our own test data
        [exiftool, "-j", "-a", "-G1", "-ee", "-b", "-"], input=content,
        capture_output=True, check=True, timeout=60)
    tags: dict[str, Any] = json.loads(done.stdout)[0]
    return tags


def identifying(tags: dict[str, Any]) -> list[str]:
    """The tags that point at a person, a device or a place."""
    found = []
    for name, value in tags.items():
        text = f"{name}={value}"
        if any(word in name for word in ("GPS", "Author", "Artist", "Creator", "Make",
                                         "Model", "XMP", "Producer", "MPF", "MPImage")) \
                or any(marker in text for marker in MARKERS):
            found.append(text[:120])
    return found


def pdf_streams_and_strings(content: bytes) -> bytes:
    """Every stream decoded and every object printed, to search a PDF for markers."""
    parts = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for obj in pdf.objects:
            parts.append(repr(obj).encode())
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:  # a picture: its bytes as they are
                    parts.append(obj.read_raw_bytes())
        parts.append(repr(pdf.trailer).encode())
    return b"\n".join(parts)


def embedded_jpegs(content: bytes) -> list[bytes]:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        return [bytes(obj.read_raw_bytes()) for obj in pdf.objects
                if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == Name.Image]
