"""Issue 15: what a server worker does once the application is loaded, before its first
request (`admin.server.ready_worker`, gunicorn's post_worker_init): the metadata-cleaning
fork server is already running (the first photo no longer waits about 2 s for it to import
the cleaners), and what was loaded is frozen out of the collector's full passes (they walked
some 160 000 objects every twenty reports or so)."""

from __future__ import annotations

import subprocess
import sys

from gunicorn.config import Config

_WORKER = '''
import gc
from multiprocessing import forkserver

from admin.server import gunicorn_options

config = Config()
for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
    config.set(key, value)
assert gc.get_freeze_count() == 0
config.post_worker_init(None)
assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()
server = forkserver._forkserver
assert server._forkserver_pid is not None
from portal.metadata_sandbox import PRELOADED
assert server._preload_modules == ["portal.metadata_forkserver", *PRELOADED]
print("ready")
'''


def test_issue15_a_worker_starts_the_cleaning_fork_server_and_freezes_what_it_loaded(
) -> None:
    done = subprocess.run([sys.executable, "-c", "from gunicorn.config import Config\n" + _WORKER],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ready"


def test_the_hook_is_wired_into_gunicorn() -> None:
    from admin.server import gunicorn_options, ready_worker

    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
        config.set(key, value)
    assert config.post_worker_init is ready_worker
