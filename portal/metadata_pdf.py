"""Cleaning PDFs deeply: document information, every XMP stream, comment authors, embedded
files, PieceInfo, and the EXIF of embedded JPEG pictures.

Streams are copied as they are, never decoded to be written again (a 20 KB file with a
doubled Flate filter decodes to gigabytes); embedded JPEG pictures are read only to copy
their segments without the metadata ones, after a check of their /Width and /Height, and
never decoded.

A PDF whose pictures we cannot clean is refused, never stored as it came (issue 10 point 1):
one with a JPEG 2000 picture (boxes of XMP, EXIF and GeoJP2 locations, as in a .jp2 file,
which is refused for the same reason), and one whose drawings hold a JPEG picture inline
(`BI ... ID ... EI`), whose EXIF would stay. To find inline pictures the drawing (content)
streams are read through once, inflated piece by piece and not kept, up to a budget of
decoded bytes per file; a file beyond it is refused.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream, StreamDecodeLevel

from portal.metadata_jpeg import strip_jpeg_segments
from portal.metadata_result import PDF_PICTURES, TOO_MANY_PIXELS, UNREADABLE, StripResult

# Keys that say who, when or with what, wherever they appear.
_DROPPED_KEYS = {"/Metadata": "XMP", "/PieceInfo": "PieceInfo", "/AF": "embedded files"}
# On comments (markup annotations): the author, and the times of writing.
_ANNOTATION_KEYS = {"/T": "annotation authors", "/M": "dates", "/CreationDate": "dates",
                    "/Popup": "annotation authors"}
_REMOVED_ANNOTATIONS = {"/Popup": "annotation authors", "/FileAttachment": "embedded files"}
# Picture encodings and what they can carry besides pixels:
# - DCTDecode (JPEG): APPn and COM segments (EXIF with GPS, XMP, ICC): copied without them.
# - JPXDecode (JPEG 2000): a JP2 container whose boxes hold XMP, EXIF and GeoJP2 locations,
#   and comments in the codestream: refused, as a .jp2 file is (portal.metadata).
# - FlateDecode, LZWDecode, RunLengthDecode, ASCIIHexDecode, ASCII85Decode: the samples
#   themselves, compressed or spelt out; no room for anything else.
# - CCITTFaxDecode: fax-coded black and white rows, no header and no metadata fields.
# - JBIG2Decode: JBIG2 segments without the file header. Nearly all segments are picture
#   data, but the format has optional "extension" segments that may hold comments (key and
#   value text). They are not looked for here: a known limit, kept because refusing every
#   JBIG2 picture would refuse most scanned documents, and walking the segment headers is
#   left undone (whether scanners write such comments has not been checked).
_JPEG, _JPEG_2000 = "/DCTDecode", "/JPXDecode"
# Decoded bytes of drawing streams read through for inline pictures, per file. A page's
# drawing is far smaller; a decompression bomb is refused once past it (the reviewer's
# doubled-Flate file of 128 MiB is still read and copied).
_CONTENT_BUDGET = 512 * 1024 * 1024
_PIECE = 1024 * 1024
# The operator that begins an inline picture: BI between white space or delimiters. A match
# inside binary data only costs a closer look.
_INLINE_PICTURE = re.compile(rb"(?:^|[\x00\t\n\f\r ()<>\[\]{}%])BI"
                             rb"(?:[\x00\t\n\f\r ()<>\[\]{}/%]|$)")


class _Refused(Exception):
    """Cleaning cannot go on; carries the refusal template."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


def clean_pdf(raw: bytes, max_pixels: int) -> StripResult:
    """A cleaned copy of the PDF `raw`, or a refusal."""
    removed: set[str] = set()
    try:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            _drop_document_info(pdf, removed)
            _drop_embedded_files(pdf, removed)
            for page in pdf.pages:
                _drop_annotations(page.obj, removed)
            for obj in pdf.objects:
                if isinstance(obj, Dictionary | Stream):
                    _drop_keys(obj, removed)
                if isinstance(obj, Stream) and (obj.get("/Subtype") == Name.Image
                                                or _JPEG_2000 in _filter_names(obj)):
                    _clean_embedded_picture(obj, max_pixels, removed)
            _refuse_inline_jpegs(pdf)
            out = io.BytesIO()
            # No stream is decoded: qpdf's compress_streams would inflate any stream not
            # already plain Flate (a doubled filter included) to compress it again.
            pdf.save(out, deterministic_id=True, fix_metadata_version=False,
                     stream_decode_level=StreamDecodeLevel.none, compress_streams=False,
                     recompress_flate=False)
    except _Refused as refused:
        return StripResult.refusal(refused.template)
    return StripResult(handled=True, media_type="application/pdf", cleaned=out.getvalue(),
                       removed=sorted(removed))


def _drop_document_info(pdf: Pdf, removed: set[str]) -> None:
    if "/Info" not in pdf.trailer:
        return
    info = pdf.trailer.Info
    if isinstance(info, Dictionary):
        removed.update(str(key).lstrip("/") for key in info)
    else:
        removed.add("Info")  # not even a dictionary: gone all the same
    del pdf.trailer.Info


def _drop_embedded_files(pdf: Pdf, removed: set[str]) -> None:
    names = pdf.Root.get("/Names")
    if isinstance(names, Dictionary) and "/EmbeddedFiles" in names:
        del names["/EmbeddedFiles"]
        removed.add("embedded files")


def _drop_annotations(page: Dictionary, removed: set[str]) -> None:
    annotations = page.get("/Annots")
    if not isinstance(annotations, Array):
        return
    kept = Array()
    for annotation in annotations:
        subtype = annotation.get("/Subtype") if isinstance(annotation, Dictionary) else None
        if subtype is not None and str(subtype) in _REMOVED_ANNOTATIONS:
            removed.add(_REMOVED_ANNOTATIONS[str(subtype)])
            continue
        if isinstance(annotation, Dictionary) and not annotation.is_indirect:
            # Written in /Annots itself: not among pdf.objects, which clean_pdf goes through.
            _drop_keys(annotation, removed)
        kept.append(annotation)
    page["/Annots"] = kept


def _drop_keys(obj: Dictionary | Stream, removed: set[str]) -> None:
    for key, label in _DROPPED_KEYS.items():
        if key in obj:
            del obj[key]
            removed.add(label)
    subtype = obj.get("/Subtype")
    is_comment = (obj.get("/Type") == Name.Annot or "/Rect" in obj) and subtype is not None \
        and subtype != Name.Widget  # a form field's /T is its name, not an author
    if is_comment and not isinstance(obj, Stream):
        for key, label in _ANNOTATION_KEYS.items():
            if key in obj:
                del obj[key]
                removed.add(label)


def _clean_embedded_picture(image: Stream, max_pixels: int, removed: set[str]) -> None:
    """Copy an embedded JPEG without its EXIF, XMP and other application segments (losslessly,
    as portal.metadata_jpeg does for photos: a PDF ignores the EXIF orientation); refuse a
    JPEG 2000 picture (see _JPEG_2000 above for the other encodings)."""
    names = _filter_names(image)
    if _JPEG_2000 in names:
        raise _Refused(PDF_PICTURES)
    if _JPEG not in names:
        return  # the other picture encodings carry no metadata (see above)
    width, height = image.get("/Width"), image.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0:
        raise _Refused(UNREADABLE)
    if width * height > max_pixels:
        raise _Refused(TOO_MANY_PIXELS)
    jpeg = _jpeg_bytes(image, names, max_pixels)
    stripped = strip_jpeg_segments(jpeg, max_pixels)
    if stripped is None:
        raise _Refused(UNREADABLE)
    clean, dropped = stripped
    if dropped:
        removed.add("exif")
    # The same pixels, tables and scans: size, colour space and decode array still hold.
    image.write(clean, filter=Name.DCTDecode)


def _jpeg_bytes(image: Stream, filters: list[str], max_pixels: int) -> bytes:
    raw = bytes(image.read_raw_bytes())
    if filters == ["/DCTDecode"]:
        return raw
    if filters == ["/FlateDecode", "/DCTDecode"] and "/DecodeParms" not in image:
        # Inflated with a cap: a JPEG is never larger than its pixels, uncompressed.
        cap = max_pixels * 4 + 1024 * 1024
        inflater = zlib.decompressobj()
        try:
            jpeg = inflater.decompress(raw, cap)
        except zlib.error as error:
            raise _Refused(UNREADABLE) from error
        if inflater.unconsumed_tail:
            raise _Refused(UNREADABLE)
        return jpeg
    raise _Refused(UNREADABLE)  # a JPEG wrapped in filters we do not unwrap here


def _filter_names(stream: Stream) -> list[str]:
    filters = stream.get("/Filter")
    if isinstance(filters, Array):
        return [str(item) for item in filters]
    return [str(filters)] if filters is not None else []


def _refuse_inline_jpegs(pdf: Pdf) -> None:
    """Refuse a PDF whose drawings hold a JPEG or JPEG 2000 picture inline: its EXIF would
    stay. Inline pictures are meant for small ones (glyphs of bitmap fonts, icons), coded
    as samples; a JPEG among them is rare, and taking it out would mean writing the page's
    drawing anew, so the file is refused instead, as one we cannot clean."""
    budget = [_CONTENT_BUDGET]
    for stream in _drawing_streams(pdf):
        if not _may_hold_inline_picture(stream, budget):
            continue
        for instruction in pikepdf.parse_content_stream(stream):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                # pikepdf spells out abbreviations (/DCT) and #-escapes in names.
                names = {str(name) for name in instruction.iimage.filters}
                if _JPEG_2000 in names or _JPEG in names:
                    raise _Refused(PDF_PICTURES)


def _drawing_streams(pdf: Pdf) -> list[Stream]:
    """The content streams: of pages, of form XObjects (annotations' appearances among
    them), of tiling patterns and of the glyphs of Type 3 fonts."""
    streams: dict[tuple[int, int], Stream] = {}

    def add(candidate: object) -> None:
        if isinstance(candidate, Stream):
            streams.setdefault(candidate.objgen, candidate)

    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        for item in contents if isinstance(contents, Array) else [contents]:
            add(item)
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary | Stream):
            continue
        if isinstance(obj, Stream) and ("/BBox" in obj or obj.get("/Subtype") == Name.Form):
            add(obj)  # form XObjects and tiling patterns both need a /BBox
        for font in _type3_fonts(obj):
            procs = font.get("/CharProcs")
            if isinstance(procs, Dictionary):
                for _, proc in procs.items():
                    add(proc)
    return list(streams.values())


def _type3_fonts(obj: Dictionary | Stream) -> list[Dictionary]:
    """`obj` if it is a Type 3 font, and those written directly in its resources."""
    candidates: list[object] = [obj]
    for holder in (obj, obj.get("/Resources")):
        fonts = holder.get("/Font") if isinstance(holder, Dictionary | Stream) else None
        if isinstance(fonts, Dictionary):
            candidates.extend(font for _, font in fonts.items())
    return [font for font in candidates
            if isinstance(font, Dictionary) and font.get("/Subtype") == Name.Type3]


def _may_hold_inline_picture(stream: Stream, budget: list[int]) -> bool:
    """Whether the decoded `stream` has a BI operator, read piece by piece; refused once the
    file's budget of decoded bytes is spent."""
    tail = b""
    for piece in _decoded_pieces(stream):
        budget[0] -= len(piece)
        if budget[0] < 0:
            raise _Refused(UNREADABLE)
        window = tail + piece
        if b"BI" in window and _INLINE_PICTURE.search(window):
            return True
        tail = window[-3:]
    return False


def _decoded_pieces(stream: Stream) -> Iterator[bytes]:
    filters = _filter_names(stream)
    if all(name == "/FlateDecode" for name in filters) and "/DecodeParms" not in stream:
        pieces: Iterator[bytes] = iter([bytes(stream.read_raw_bytes())])
        for _ in filters:
            pieces = _inflated(pieces)
        yield from pieces
    else:
        # Drawings coded otherwise (LZW, ASCII, run length, a predictor) are rare: decoded
        # whole by qpdf, within the cleaning child's memory and time limits.
        yield bytes(stream.read_bytes())


def _inflated(pieces: Iterable[bytes]) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    for piece in pieces:
        while piece and not inflater.eof:
            try:
                out = inflater.decompress(piece, _PIECE)
            except zlib.error:
                return  # damaged from here: a viewer draws what came before, as read here
            if out:
                yield out
            piece = inflater.unconsumed_tail
        if inflater.eof:
            return
