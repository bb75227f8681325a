"""Issue 15 §3 (a 1 MiB photo at 7.7-11x the Argon2 floor): the child process that cleans a
file re-ran the server's main script before cleaning. Under `aktsom serve` that script is
the `aktsom` entry point, which imports the whole application: 1.2 s of CPU per file against
about 1 ms of JPEG work. The fork server's children now start from the cleaning modules the
fork server imported once, and the limits and the kill on time-out stay as they were
(`test_hostile_uploads.py`)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

_MAIN_SCRIPT = '''
import io
import sys

with open(sys.argv[1], "a") as marker:
    marker.write(__name__ + "\\n")

from portal.metadata import strip_metadata

if __name__ == "__main__":
    for _ in range(2):
        with open(sys.argv[2], "rb") as photo:
            result = strip_metadata(io.BytesIO(photo.read()), "image/jpeg")
        assert result.cleaned is not None, result.refused
'''


def test_issue15_a_cleaning_child_does_not_rerun_the_main_script(tmp_path: Path) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "JPEG")
    (tmp_path / "photo.jpg").write_bytes(photo.getvalue())
    script = tmp_path / "main_script.py"
    script.write_text(_MAIN_SCRIPT)
    marker = tmp_path / "marker"
    subprocess.run([sys.executable, str(script), str(marker), str(tmp_path / "photo.jpg")],
                   check=True, timeout=120, cwd=tmp_path)
    # Only the script's own run: no child ran it again as __mp_main__.
    assert marker.read_text().splitlines() == ["__main__"]
