"""What cleaning a file gives back, and the words a reporter reads about it.

Kept apart from the cleaners so that the images and PDF modules and the child process that
runs them share one small, picklable result type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.refusals import N_

# What a reporter is told was removed, in words, not format internals. Keys are Pillow's
# `info` keys, PDF document-information names and the cleaners' own names below.
_LABELS = {
    "exif": N_("camera, time and location details"),
    "icc_profile": N_("colour profile"),
    "Author": N_("author"),
    "Creator": N_("software used"),
    "Producer": N_("software used"),
    "CreationDate": N_("dates"),
    "ModDate": N_("dates"),
    "Title": N_("title and keywords"),
    "Subject": N_("title and keywords"),
    "Keywords": N_("title and keywords"),
    "XMP": N_("document metadata"),
    "xmp": N_("document metadata"),
    "annotation authors": N_("names of comment authors"),
    "embedded files": N_("files embedded in the document"),
    "extra pictures": N_("extra pictures stored in the photo"),
}
OTHER = N_("other hidden information")

# Why a file is refused. Each names the file and says that nothing was stored.
UNREADABLE = N_("%(name)s could not be cleaned of hidden information, so it was not accepted "
                "and nothing was stored. The file may be damaged: save it again or send it in "
                "another format.")
TOO_MANY_PIXELS = N_("%(name)s is a picture too large to be cleaned of hidden information "
                     "(at most %(megapixels)d megapixels), so nothing was stored. Send a "
                     "smaller copy.")
JPEG2000 = N_("%(name)s is a JPEG 2000 picture, which we cannot clean of hidden information "
              "such as the location, so nothing was stored. Send it as JPEG or PNG instead.")
PDF_PICTURES = N_("%(name)s holds pictures in a form we cannot clean of hidden information "
                  "such as the location, so it was not accepted and nothing was stored. Save "
                  "it again as a PDF from another program, or send the pictures as JPEG or "
                  "PNG instead.")
HEIC = N_("%(name)s is a HEIC photo, which we cannot clean of hidden information such as the "
          "location, so nothing was stored. Send it as JPEG instead, for example as a "
          "screenshot of the photo.")


def describe_removed(keys: list[str]) -> list[str]:
    """Plain-language labels (msgids) for the removed metadata keys, without repeats."""
    return sorted({_LABELS.get(key, OTHER) for key in keys})


@dataclass(frozen=True)
class CleaningLimits:
    """How much a file may cost to clean (settings max_image_pixels, metadata_*)."""

    max_pixels: int = 50_000_000
    seconds: int = 20
    memory_mib: int = 1024
    at_once: int = 2  # cleaning children running together in one server process


@dataclass
class StripResult:
    """A cleaned copy (`handled`), a type we do not clean (neither flag), or a refusal: a
    type we clean whose cleaning failed, which must never be stored as it came."""

    handled: bool
    media_type: str | None = None
    cleaned: bytes | None = None
    removed: list[str] = field(default_factory=list)
    refused: str | None = None  # a msgid above, with %(name)s and %(megapixels)d

    @classmethod
    def refusal(cls, template: str) -> StripResult:
        """A refusal with one of the templates above."""
        return cls(handled=False, refused=template)
