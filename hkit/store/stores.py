"""Finding and loading hkit's files: the ontology, the shapes and the data.

The files live in a *root* folder with ``ontology/``, ``data/`` and ``queries/``: a checkout of the
repository, or the copy that the wheel carries inside the installed package (``hkit/_resources``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from hkit.core import cache
from hkit.core.errors import InputError
from hkit.core.progress import Progress
from hkit.core.version import __version__
from hkit.store import attribution, closure
from hkit.store.rdf import _one_line, base_iri, parsing

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any


#: Files from this size up are loaded with pyoxigraph's bulk loader (faster for big files, slower
#: for small ones: benchmarks/).
BULK_LOAD_BYTES = 4_000_000


def load_store(
    files: Iterable[Path],
    store: Any = None,
    read: Callable[[int], None] | None = None,
    meanwhile: Callable[[Any], None] | None = None,
) -> Any:  # a pyoxigraph.Store
    """A pyoxigraph store (in memory unless ``store`` is given) with every file loaded into its
    default graph. Large files are bulk-loaded, streamed from disk (the graph is never held in
    Python); ``read``, when given, is called with the number of bytes read so far as they are.
    Relative IRIs resolve against each file's own location (:func:`base_iri`). ``meanwhile``,
    when given, is called with the store once the small files are in it, before the large
    ones, which are then loaded after them (a store is a set: the order changes nothing in it).

    RDF/XML with a DOCTYPE is refused before parsing (entity expansion, HAZARDS 7).
    """
    import pyoxigraph

    store = pyoxigraph.Store() if store is None else store
    files = list(files)
    sizes = {path: path.stat().st_size for path in files}
    if meanwhile is not None:
        files.sort(key=lambda path: sizes[path] >= BULK_LOAD_BYTES)  # stable: small ones first
    done = 0
    for path in files:
        if meanwhile is not None and sizes[path] >= BULK_LOAD_BYTES:
            meanwhile(store)
            meanwhile = None
        with parsing(path) as fmt:
            base = base_iri(path)
            if sizes[path] < BULK_LOAD_BYTES:
                store.load(path=str(path), format=fmt, base_iri=base)  # faster for small files
            elif read is None:
                store.bulk_load(path=str(path), format=fmt, base_iri=base)
            else:
                with path.open("rb") as raw:
                    store.bulk_load(input=_Counting(raw, done, read), format=fmt, base_iri=base)
        done += sizes[path]
        if read is not None:
            read(done)
    if meanwhile is not None:
        meanwhile(store)
    return store


class _Counting:
    """A binary file that reports how many bytes have been read (from ``before`` on) as they
    are, for a progress line; reading through it costs nothing measurable (benchmarks/)."""

    def __init__(self, raw: Any, before: int, read: Callable[[int], None]) -> None:
        self.raw, self.count, self.read_so_far = raw, before, read

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.raw.read(size)
        self.count += len(chunk)
        self.read_so_far(self.count)
        return chunk

    def readinto(self, buffer: Any) -> int:
        n: int = self.raw.readinto(buffer)
        self.count += n or 0
        self.read_so_far(self.count)
        return n


#: From this much input up, the graph is kept in an on-disk store between runs (reopening one
#: takes 30-65 ms at any size; parsing takes about 5 ms per 1 MB: benchmarks/).
PERSISTENT_FROM_BYTES = 8_000_000


def cache_dir() -> Path:
    """Where hkit keeps what it can rebuild (see :func:`hkit.core.cache.cache_dir`)."""

    return Path(cache.cache_dir())


def _store_key(files: list[Path]) -> tuple[str, str]:
    """A name for the set of files, and a fingerprint of their current state: path, size,
    modification and change times, device and inode. A write to a file always moves its change
    time (which, unlike the modification time, no user can set back), and replacing it changes
    its inode, so any change to any file gives a new fingerprint."""
    import hashlib

    names = hashlib.sha256("\0".join(str(p.resolve()) for p in files).encode()).hexdigest()
    stats = [__version__, closure.PROFILE]
    listing = attribution.attribution_file(files)  # the per-document graphs are built from it
    for path in [*files, *([listing] if listing else [])]:
        try:
            info = path.stat()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        stats.append(
            f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_dev}:{info.st_ino}"
        )
    return names[:16], hashlib.sha256("\0".join(stats).encode()).hexdigest()[:16]


def _store_folder(files: list[Path]) -> Path | None:
    """Where the on-disk store of ``files`` in their current state is kept; None when they are
    small enough to be parsed into memory on each run, or HKIT_NO_CACHE is set."""
    total = sum(p.stat().st_size for p in files if p.is_file())
    if total < PERSISTENT_FROM_BYTES or os.environ.get("HKIT_NO_CACHE"):
        return None
    names, fingerprint = _store_key(files)
    return cache_dir() / "stores" / f"{names}-{fingerprint}"


def open_store(files: Iterable[Path], *, inferred: bool = True) -> Any:  # a pyoxigraph.Store
    """The graph of ``files``, ready to query: the asserted triples in the default graph, each
    source document's in a named graph of its own (:mod:`hkit.store.attribution`) and, with
    ``inferred``, what they entail in :data:`hkit.store.closure.INFERRED`
    (:func:`hkit.store.closure.materialise`).

    Small inputs (the shipped graph) are parsed into memory, which is fastest. From
    PERSISTENT_FROM_BYTES up, the graph is kept in an on-disk pyoxigraph store in the cache
    folder: the first run builds it, later runs reopen it read-only, and it is rebuilt when any
    input file changes (older stores of the same files are removed) or the store cannot be read.
    HKIT_NO_CACHE=1 turns this off.
    """
    files = list(files)
    target = _store_folder(files)
    if target is None:
        return _in_memory(files, inferred)
    stores, names = target.parent, target.name.split("-")[0]
    total = sum(p.stat().st_size for p in files if p.is_file())
    store = _reopen(target)
    if store is not None:
        return store
    _remove_abandoned_builds(stores)
    try:
        built = _build(files, stores, names, target, total)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        # The input may be at fault, or the cache folder (no space, read-only, a quota): the
        # graph is read into memory, which raises the input's own error if it is the input's;
        # else the build failed for the folder's sake, and a warning names the folder.
        store = _in_memory(files, inferred)
        _cannot_cache(stores, exc)
        return store
    if not built:  # pragma: no cover - _build raises instead
        return _in_memory(files, inferred)
    for old in stores.glob(f"{names}-*"):
        if old != target:
            _rmtree(old)
    import pyoxigraph

    return pyoxigraph.Store.read_only(str(target))


def _in_memory(files: list[Path], inferred: bool) -> Any:  # a pyoxigraph.Store
    """The graph of ``files`` in memory, with what it entails when ``inferred``.

    Materialising takes a few times as long as parsing the shipped graph (benchmarks/), so the
    inferred triples of small inputs are kept in the cache folder as N-Triples, under the same
    key as an on-disk store (any change to any file, to hkit's version or to the rules makes a
    new one), and read back on later runs. A cache that cannot be written or read is passed by.
    """
    import pyoxigraph

    store = load_store(files)
    attribution.add_graphs(store, files, _kept_file(files, "attributions", ".nq"))
    if not inferred:
        return store
    kept = _closure_file(files)
    graph = pyoxigraph.NamedNode(closure.INFERRED)
    if kept is not None and kept.is_file():
        try:
            with kept.open("rb") as text:
                first = text.readline()  # "# N triples": a file cut short is not used
                store.load(text, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)
            if first == f"# {closure.count(store)} triples\n".encode():
                return store
        except (OSError, SyntaxError):  # unreadable: made again below
            pass
        store.update(f"CLEAR SILENT GRAPH <{closure.INFERRED}>")
    closure.materialise(store)
    if kept is not None:
        _keep_closure(store, kept)
    return store


def _closure_file(files: list[Path]) -> Path | None:
    """Where the inferred triples of ``files`` are kept; None when HKIT_NO_CACHE is set."""
    if os.environ.get("HKIT_NO_CACHE"):
        return None
    names, fingerprint = _store_key(files)
    return cache_dir() / "closures" / f"{names}-{fingerprint}.nt"


def _kept_file(files: list[Path], folder: str, suffix: str) -> Path | None:
    """Where something made from ``files`` in their current state is kept in the cache folder's
    ``folder``; None when HKIT_NO_CACHE is set."""
    if os.environ.get("HKIT_NO_CACHE"):
        return None
    names, fingerprint = _store_key(files)
    return cache_dir() / folder / f"{names}-{fingerprint}{suffix}"


def _keep_closure(store: Any, kept: Path) -> None:
    """Write the store's inferred triples to ``kept``, whole or not at all, and remove those
    kept for earlier states of the same files."""
    import tempfile

    import pyoxigraph

    name = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".", suffix=".nt", dir=kept.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(f"# {closure.count(store)} triples\n".encode())
            store.dump(
                out,
                format=pyoxigraph.RdfFormat.N_TRIPLES,
                from_graph=pyoxigraph.NamedNode(closure.INFERRED),
            )
        os.replace(name, kept)
        for old in kept.parent.glob(kept.name.split("-")[0] + "-*.nt"):
            if old != kept:
                old.unlink(missing_ok=True)
    except OSError:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)


def discard_store(files: Iterable[Path], why: str) -> bool:
    """Remove the on-disk store of ``files`` after an error read from it, with a warning, so that
    the next :func:`open_store` builds it again; False when these files have none."""
    target = _store_folder(list(files))
    if target is None or not target.is_dir():
        return False
    print(
        f"hkit: warning: the cached store of these files is damaged ({_one_line(why)}); "
        "building it again",
        file=sys.stderr,
    )
    _rmtree(target)
    return True


def _reopen(target: Path) -> Any:  # a pyoxigraph.Store, or None
    """The complete store in ``target`` opened read-only; None when there is none, or when it
    cannot be read (it is then removed, with a warning, to be built again)."""
    import pyoxigraph

    if not (target / "hkit-complete").is_file():
        return None
    try:
        changed = _changed_files(target)
        if changed:
            raise OSError(f"{changed} changed since the store was built")
        store = pyoxigraph.Store.read_only(str(target))
        next(iter(store.quads_for_pattern(None, None, None)), None)  # reads a block
        return store
    except Exception as exc:
        print(
            f"hkit: warning: the cached store of these files is damaged ({_one_line(exc)}); "
            "building it again",
            file=sys.stderr,
        )
        _rmtree(target)
        return None


def _build(files: list[Path], stores: Path, names: str, target: Path, total: int) -> bool:
    """Build the on-disk store of ``files`` in a folder of its own, then rename it to
    ``target``, marked complete. A build that fails or is interrupted leaves nothing behind;
    its error (the input's or the cache folder's) is raised."""
    import tempfile
    import time

    import pyoxigraph

    from hkit.store import closure_files  # only a build needs it

    stores.mkdir(parents=True, exist_ok=True)  # an OSError here: see open_store
    building = Path(tempfile.mkdtemp(prefix=f".{names}-{os.getpid()}-", dir=stores))
    progress = Progress(f"building the on-disk store of {total / 1e6:,.0f} MB of input")
    try:
        progress.step("loading")
        shown = [0.0]

        def read(count: int) -> None:
            now = time.monotonic()
            if now - shown[0] >= 0.5:  # a terminal line redrawn twice a second at most
                shown[0] = now
                progress.step(f"loading, {min(count / max(total, 1), 1):.0%} of it read")

        # what the ontology entails is found while the large files load (closure_files.Ahead)
        ahead = closure_files.Ahead(str(building), files)
        try:
            store = pyoxigraph.Store(str(building))
            load_store(files, store, read if progress.on else None, ahead.start)
            attribution.add_graphs(store, files)
            progress.step("adding what the ontology entails")
            closure_files.materialise(store, str(building), files, ahead)  # flat memory
        finally:
            ahead.cancel()  # nothing to stop once used; a failed load's thread is stopped
        progress.step("optimising")
        store.flush()
        store.optimize()
        del store
        progress.done()
        inputs = [str(p.resolve()) for p in files]
        (building / "hkit-complete").write_text(
            "\n".join([*inputs, _SEPARATOR, *_fingerprints(building)]) + "\n", encoding="utf-8"
        )
        try:
            building.rename(target)
        except OSError:  # another process finished first
            _rmtree(building)
    except BaseException:
        progress.done()
        _rmtree(building)
        raise
    return True


#: What the system says when a folder cannot take more (as RocksDB and Python quote it).
_STORAGE_WORDS = (
    "No space left on device",
    "Disk quota exceeded",
    "Read-only file system",
    "File too large",
    "Permission denied",
    "Too many open files",
)


def _cannot_cache(stores: Path, why: BaseException | str) -> None:
    """One warning: the on-disk store cannot be built in ``stores``, the graph is in memory."""
    text = str(why)
    reason = next((words for words in _STORAGE_WORDS if words in text), None)
    if reason is None:
        reason = why.strerror if isinstance(why, OSError) and why.strerror else _one_line(text)
    print(
        f"hkit: warning: cannot build the on-disk store in {stores} ({reason}); the graph is "
        "read into memory instead (set HKIT_CACHE_DIR to another folder, or HKIT_NO_CACHE=1)",
        file=sys.stderr,
    )


def _remove_abandoned_builds(stores: Path) -> None:
    """Remove the folders of builds whose process is gone (killed before it could clean up)."""
    for folder in stores.glob(".*-*-*"):
        pid = folder.name.split("-")[1] if folder.name.count("-") >= 2 else ""
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _rmtree(folder)
        except OSError:
            continue


def _rmtree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


#: In hkit-complete, the line between the input files and the store's own files' fingerprints.
_SEPARATOR = "-- store files: name size mtime ctime inode"


def _fingerprints(folder: Path) -> list[str]:
    """A line for each file of a store (its info log and lock aside, which reading it writes):
    name, size, modification and change times, inode. No tool can write to a file without
    moving its change time, so any edit to the store after its build shows."""
    lines = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("LOG", "LOCK", "hkit-complete")) or not path.is_file():
            continue
        info = path.stat()
        lines.append(
            f"{path.name} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}"
        )
    return lines


def _changed_files(folder: Path) -> str | None:
    """None when every file of the store is as it was built; else which is not."""
    text = (folder / "hkit-complete").read_text(encoding="utf-8").splitlines()
    if _SEPARATOR not in text:
        return "its record of its files is missing, so it"
    recorded = text[text.index(_SEPARATOR) + 1 :]
    now = _fingerprints(folder)
    if recorded == now:
        return None
    differ = sorted({line.split()[0] for line in set(recorded) ^ set(now)})
    return ", ".join(differ[:3]) + (" and more" if len(differ) > 3 else "")


class CachedStore:
    """One on-disk store in the cache folder: its folder, size, the files it was built from, and
    whether it is complete (a build that finished) and still opens and reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.complete = (folder / "hkit-complete").is_file()
        record = (
            (folder / "hkit-complete").read_text(encoding="utf-8").splitlines()
            if self.complete
            else []
        )
        self.files = record[: record.index(_SEPARATOR)] if _SEPARATOR in record else record
        self.size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    def verify(self) -> str | None:
        """None when the store opens read-only and every quad reads; else what went wrong."""
        import pyoxigraph

        if not self.complete:
            return "an unfinished build"
        try:
            changed = _changed_files(self.folder)
            if changed:
                return f"{changed} changed since the store was built"
            store = pyoxigraph.Store.read_only(str(self.folder))
            for _ in store.quads_for_pattern(None, None, None):
                pass
        except Exception as exc:
            return _one_line(exc)
        return None


def cached_stores() -> list[CachedStore]:
    """The on-disk stores in the cache folder, and any unfinished builds."""
    stores = cache_dir() / "stores"
    if not stores.is_dir():
        return []
    return [CachedStore(p) for p in sorted(stores.iterdir()) if p.is_dir()]


def clear_cache() -> int:
    """Remove every store in the cache folder, the inferred triples and the documents' graphs
    kept for small inputs, and the answers kept for the command line; return how many stores
    were removed."""
    stores = cached_stores()
    for store in stores:
        _rmtree(store.folder)
    _rmtree(cache_dir() / "closures")
    _rmtree(cache_dir() / "attributions")
    _rmtree(cache_dir() / "answers")
    return len(stores)
