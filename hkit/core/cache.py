"""The cache folder: what hkit keeps because it can rebuild it (on-disk stores, parsed query
headers, the text of ``--help``, the command line's kept answers). Light on imports: the fast
lane reads it."""

from __future__ import annotations

import os


def cache_dir() -> str:
    """HKIT_CACHE_DIR, else $XDG_CACHE_HOME/hkit, else ~/.cache/hkit."""
    explicit = os.environ.get("HKIT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hkit")


def remember(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` in the cache folder atomically; say nothing when the folder
    cannot be written (the next run computes it again)."""
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp.", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
