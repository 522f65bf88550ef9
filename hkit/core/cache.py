"""The cache folder: what hkit keeps because it can rebuild it (on-disk stores, parsed query
headers, the text of ``--help``, the command line's kept answers). Light on imports: the fast
lane reads it."""

from __future__ import annotations

import _thread
import os


def cache_dir() -> str:
    """HKIT_CACHE_DIR, else $XDG_CACHE_HOME/hkit, else ~/.cache/hkit."""
    explicit = os.environ.get("HKIT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hkit")


def remember(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` in the cache folder whole or not at all (a file of this
    process's and thread's own, renamed into place); say nothing when the folder cannot be
    written (the next run computes it again). No tempfile: its import costs more than the rest
    of a replayed answer."""
    part = f"{path}.{os.getpid()}.{_thread.get_ident()}.part"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(part, path)
        except BaseException:
            os.unlink(part)
            raise
    except OSError:
        pass
