"""Answers kept for the exact same command: ``hkit query`` and ``hkit queries`` replayed from the
cache folder, without loading the library, the store or the engine.

A run of the fast lane that succeeds, writes to standard output and says nothing on standard
error beyond notes about its answer leaves an *entry* in ``answers/`` of the cache folder: what it
wrote, under a key made of everything else it was given (the arguments, the working folder, the
environment, the terminal's size, hkit's and Python's versions), with the identity of every file
and folder its answer came from (the ontology, the data and the attribution listing, the saved
queries, hkit's own code and the engine's, and the places the root is looked for, present or
not). The next run with the same key replays the entry only when every one of those files is
still what it was: the same size, modification and change times, device and inode. A write to a
file moves its change time (which, unlike the modification time, no user can set back), and
replacing it changes its inode.

A change in the same tick of the file system's clock as the one recorded could leave the change
time as it was, so an entry is made only from files whose times lie :data:`SETTLED_NS` or more
before the run began: a later change always moves them. HKIT_NO_ANSWER_CACHE=1 (or HKIT_NO_CACHE=1,
which turns every cache off) neither reads nor makes entries.

Light on imports: a replay is the whole of such a run (hkit.cli.fast looks here first).
"""

from __future__ import annotations

import io
import marshal
import os
import re
import sys
import zlib

from hkit.core.cache import cache_dir, remember
from hkit.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from hkit.api import KnowledgeGraph

#: What begins an entry: the format's name and version.
MAGIC = "hkit-answer-1"

#: An entry is made only from files whose modification and change times lie this far before the
#: run began (nanoseconds; far coarser than any file system's clock tick).
SETTLED_NS = 2_000_000_000

#: Answers larger than this (bytes) are not kept.
MAX_ANSWER = 4_000_000

#: How many entries the folder keeps; beyond that the oldest go.
MAX_ENTRIES = 512

#: Variables that change from one shell command to the next and that hkit never reads.
_PASSING = ("_", "OLDPWD", "SHLVL")

#: The start of each line a kept answer may say on standard error (notes about the answer).
_NOTE = b"hkit: note: "


def _off() -> bool:
    """Whether answers are neither kept nor replayed (HKIT_NO_ANSWER_CACHE, or HKIT_NO_CACHE)."""
    return bool(os.environ.get("HKIT_NO_ANSWER_CACHE") or os.environ.get("HKIT_NO_CACHE"))


def _key(args: list[str]) -> tuple[Any, ...]:
    """Everything a run is given besides files: the arguments, the working folder, the
    environment, where its output goes (a terminal and its size, or not) and the versions."""
    terminal: tuple[int, ...] = ()
    if os.isatty(1):
        try:
            terminal = tuple(os.get_terminal_size(1))
        except OSError:
            terminal = (0,)
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k not in _PASSING))
    return (
        __version__,
        sys.version,
        sys.executable,
        tuple(args),
        os.getcwd(),
        environment,
        terminal,
        os.isatty(2),
    )


def _entry_path(key: tuple[Any, ...]) -> str:
    # repr, not marshal: marshal's bytes for equal values vary with how they are shared
    name = format(zlib.crc32(repr(key).encode("utf-8", "surrogateescape")), "08x")
    return os.path.join(cache_dir(), "answers", name)


def identity(path: str) -> tuple[int, ...]:
    """What says a file or folder is as it was: size, modification and change times, device and
    inode; () when there is nothing there."""
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_dev, info.st_ino)


def replay(args: list[str]) -> bool:
    """Write the kept answer of this exact run, when there is one and every file it came from
    is as it was; False (nothing written) otherwise."""
    if _off():
        return False
    try:
        key = _key(args)
        with open(_entry_path(key), "rb") as fh:
            magic, kept_key, files, out, err = marshal.loads(fh.read())
        if magic != MAGIC or kept_key != key or not isinstance(out + err, bytes):
            return False
        if any(identity(path) != tuple(was) for path, was in files):
            return False
    except (OSError, ValueError, EOFError, TypeError):  # none, or not one of these entries
        return False
    sys.stdout.flush()
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    if err:
        sys.stderr.flush()
        sys.stderr.buffer.write(err)
        sys.stderr.buffer.flush()
    return True


class _Copying:
    """A binary stream that writes through to ``raw`` and keeps a copy of what it wrote (until
    the copy passes :data:`MAX_ANSWER`)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.kept: list[bytes] | None = []
        self.size = 0

    def write(self, data: Any) -> int:
        written: int = self.raw.write(data)
        if self.kept is not None:
            self.size += len(data)
            self.kept.append(bytes(data))
            if self.size > MAX_ANSWER:
                self.kept = None
        return written

    def copy(self) -> bytes | None:
        """What was written, or None when it was too large to keep."""
        return None if self.kept is None else b"".join(self.kept)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class Recorder:
    """Keeps a copy of what the run writes to standard output and standard error (``with``
    block), and makes the entry once it succeeded (:meth:`keep`)."""

    def __init__(self, args: list[str]) -> None:
        try:
            self.key: tuple[Any, ...] | None = _key(list(args))
        except OSError:  # no working folder (removed): nothing is kept
            self.key = None
        self.started = 0
        self.streams: dict[str, tuple[Any, _Copying]] = {}

    def __enter__(self) -> Recorder:
        import time

        self.started = time.time_ns()
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            stream.flush()
            copying = _Copying(stream.buffer)
            wrapper = io.TextIOWrapper(
                copying,
                encoding=stream.encoding,
                errors=stream.errors,
                write_through=True,
            )
            self.streams[name] = (stream, copying)
            setattr(sys, name, wrapper)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, (stream, _) in self.streams.items():
            wrapper = getattr(sys, name)
            try:
                wrapper.flush()
            finally:
                wrapper.detach()  # the real stream stays open
                setattr(sys, name, stream)

    def keep(self, files: Iterable[str]) -> None:
        """Make the entry of this run, from what it wrote and the files its answer came from;
        nothing when one of them changed too lately to be sure of, the answer is too large, or
        the run said more than notes on standard error."""
        if _off() or self.key is None:
            return
        out, err = (self.streams[name][1].copy() for name in ("stdout", "stderr"))
        if out is None or err is None:
            return
        if any(line and not line.startswith(_NOTE) for line in err.split(b"\n")):
            return
        recorded = []
        for path in dict.fromkeys(files):
            found = identity(path)
            if found and max(found[1], found[2]) > self.started - SETTLED_NS:
                return  # changed too lately: a change in the same clock tick could go unseen
            recorded.append((path, found))
        entry = marshal.dumps((MAGIC, self.key, tuple(recorded), out, err))
        path = _entry_path(self.key)
        remember(path, entry)
        _prune(os.path.dirname(path))


def _prune(folder: str) -> None:
    """Keep the newest :data:`MAX_ENTRIES` entries of ``folder``."""
    try:
        names = os.listdir(folder)
        if len(names) <= MAX_ENTRIES:
            return
        entries = sorted(names, key=lambda n: identity(os.path.join(folder, n))[1:2] or (0,))
        for name in entries[: len(entries) - MAX_ENTRIES // 2]:
            os.unlink(os.path.join(folder, name))
    except OSError:
        pass


#: SPARQL's functions whose value changes from one run to the next: an answer that may use one
#: is not kept (a word in a comment or a string counts too: it only costs a replay).
_VARYING = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.I)


def varies(text: str) -> bool:
    """Whether a query's answer may change from run to run on the same files (it calls NOW(),
    RAND(), UUID(), STRUUID() or BNODE())."""
    return _VARYING.search(text) is not None


def answer_files(kg: KnowledgeGraph) -> list[str]:
    """Every file and folder that an answer of ``kg``'s embedded graph, or of its catalogue,
    came from: its inputs (:meth:`hkit.api.KnowledgeGraph.inputs`), hkit's own code and the
    engine's."""
    import pyoxigraph  # start-up: loaded already once an answer was made; a replay needs none

    found = kg.inputs()
    for folder, folders, inside in os.walk(os.path.dirname(os.path.dirname(__file__))):
        folders[:] = [f for f in folders if f != "__pycache__"]
        found += [folder, *(os.path.join(folder, n) for n in inside)]
    engine = os.path.dirname(pyoxigraph.__file__)
    inside = sorted(n for n in os.listdir(engine) if n != "__pycache__")
    return [*found, engine, *(os.path.join(engine, n) for n in inside)]
