"""Cleaning PDFs deeply: document information, every XMP stream, comment authors, embedded
files, PieceInfo, and the EXIF of embedded JPEG pictures.

Streams are copied as they are, never decoded (a 20 KB file with a doubled Flate filter
decodes to gigabytes); embedded JPEG pictures are read only to copy their segments without
the metadata ones, after a check of their /Width and /Height, and never decoded.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream, StreamDecodeLevel

from portal.metadata_jpeg import strip_jpeg_segments
from portal.metadata_result import TOO_MANY_PIXELS, UNREADABLE, StripResult

# Keys that say who, when or with what, wherever they appear.
_DROPPED_KEYS = {"/Metadata": "XMP", "/PieceInfo": "PieceInfo", "/AF": "embedded files"}
# On comments (markup annotations): the author, and the times of writing.
_ANNOTATION_KEYS = {"/T": "annotation authors", "/M": "dates", "/CreationDate": "dates",
                    "/Popup": "annotation authors"}
_REMOVED_ANNOTATIONS = {"/Popup": "annotation authors", "/FileAttachment": "embedded files"}


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
                if isinstance(obj, Stream) and obj.get("/Subtype") == Name.Image:
                    _clean_embedded_picture(obj, max_pixels, removed)
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
    as portal.metadata_jpeg does for photos: a PDF ignores the EXIF orientation)."""
    filters = image.get("/Filter")
    names = [str(item) for item in filters] if isinstance(filters, Array) else \
        [str(filters)] if filters is not None else []
    if "/DCTDecode" not in names:
        return  # other picture encodings carry no EXIF
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
