"""Finding and loading hkit's files: the ontology, the shapes and the data.

The files live in a *root* folder with ``ontology/``, ``data/`` and ``queries/``: a checkout of the
repository, or the copy that the wheel carries inside the installed package (``hkit/_resources``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from hkit import vocab
from hkit.errors import InputError, ResourceError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    import rdflib

ONTOLOGY = Path("ontology/hkit.ttl")
SHAPES = Path("ontology/shapes.ttl")
DATA_DIR = Path("data")
QUERIES_DIR = Path("queries")

HKIT_NS = vocab.HKIT
HKIT_ID_NS = vocab.ID


def __getattr__(name: str) -> object:
    """rdflib forms of the project's namespaces (HKIT, HKIT_ID, ONTOLOGY_IRI), made on first use
    so that commands that do not need rdflib (hkit query) never import it."""
    if name not in ("HKIT", "HKIT_ID", "ONTOLOGY_IRI"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import rdflib

    values = {
        "HKIT": rdflib.Namespace(HKIT_NS),
        "HKIT_ID": rdflib.Namespace(HKIT_ID_NS),
        "ONTOLOGY_IRI": rdflib.URIRef("https://w3id.org/hkit/ontology"),
    }
    globals()[name] = values[name]
    return values[name]


#: File suffix -> rdflib format name, for the RDF files hkit reads.
RDF_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
}


def _is_root(path: Path) -> bool:
    return (path / ONTOLOGY).is_file()


def packaged_root() -> Path:
    """The copy of ontology/, data/ and queries/ that ships with the installed package.

    A wheel carries them in ``hkit/_resources``; a source checkout (or an editable install) has
    them beside the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_resources", here.parent):
        if _is_root(candidate):
            return candidate
    raise ResourceError(
        f"the hkit package has no ontology (looked in {here / '_resources'} and {here.parent})",
        hint="reinstall hkit, or pass --root pointing at a checkout",
    )


def find_root(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """Choose the root: an explicit folder, else $HKIT_ROOT, else the checkout in the current
    directory (when it has ontology/ and data/), else the copy inside the installed package."""
    chosen = explicit or os.environ.get("HKIT_ROOT")
    if chosen:
        root = Path(chosen).expanduser()
        if not _is_root(root):
            raise ResourceError(
                f"{root} has no {ONTOLOGY}", hint="point --root at an hkit checkout"
            )
        return root
    here = cwd or Path.cwd()
    if _is_root(here) and (here / DATA_DIR).is_dir():
        return here
    return packaged_root()


def data_files(root: Path) -> list[Path]:
    """The Turtle files under data/, in a stable order."""
    return sorted(p for p in (root / DATA_DIR).rglob("*.ttl") if p.is_file())


def rdf_format(path: Path) -> str:
    """The rdflib format name for a file, from its suffix."""
    try:
        return RDF_FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(RDF_FORMATS))
        raise InputError(f"{path}: unknown RDF file type", hint=f"use one of {known}") from None


def load_rdflib(paths: Iterable[Path], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Parse the files into one rdflib graph (or into ``graph``), literals kept exactly as
    written. pyoxigraph parses them: strictly, without ever fetching a JSON-LD context, and in
    linear time (rdflib's Turtle parser takes half a minute on a long string full of escapes)."""
    return load_rdflib_strict(paths, graph)


def english_label(graph: Any, term: Any) -> str | None:
    """A term's English (or untagged) rdfs:label, else its skos:prefLabel, in an rdflib graph."""
    import rdflib
    from rdflib.namespace import RDFS, SKOS

    for predicate in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(term, predicate):
            if isinstance(value, rdflib.Literal) and value.language in (None, "en"):
                return str(value)
    return None


def base_iri(path: Path) -> str:
    """The IRI that a file's relative IRIs (``<>``, ``<#x>``, ``<other.ttl>``) resolve against:
    the file's own ``file:`` URI, its absolute path as it was named (symbolic links are not
    followed), as Turtle and RDF/XML say (RFC 3986: the URI the document was retrieved from) and
    as rdflib, rapper and Jena read files. An explicit ``@base`` in the file still wins."""
    return Path(os.path.abspath(path)).as_uri()


def load_rdflib_strict(paths: Iterable[Path], graph: Any = None) -> Any:  # an rdflib.Graph
    """The files as one rdflib graph (or added to ``graph``), parsed by pyoxigraph: strict,
    literals exactly as written, and several times faster than rdflib's own parsers on large
    files. Each file's blank nodes are its own; relative IRIs resolve against the file's own
    location (:func:`base_iri`)."""
    import pyoxigraph
    import rdflib

    # rdflib merges distinct literals ("01" and "1" integers...) unless told not to (HAZARDS 8).
    rdflib.NORMALIZE_LITERALS = False
    quiet_ill_typed_literals()
    graph = rdflib.Graph() if graph is None else graph
    iris: dict[str, rdflib.URIRef] = {}

    def iri(value: str) -> rdflib.URIRef:
        node = iris.get(value)
        if node is None:
            node = iris[value] = rdflib.URIRef(value)
        return node

    for path in paths:
        bnodes: dict[str, rdflib.BNode] = {}

        def term(t: Any, bnodes: dict = bnodes) -> rdflib.term.Node:
            if isinstance(t, pyoxigraph.NamedNode):
                return iri(t.value)
            if isinstance(t, pyoxigraph.BlankNode):
                node = bnodes.get(t.value)
                if node is None:
                    node = bnodes[t.value] = rdflib.BNode()  # unique: never another file's
                return node
            return rdflib_literal(t, iri)

        with parsing(path) as fmt:
            add = graph.add
            for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                add((term(quad.subject), iri(quad.predicate.value), term(quad.object)))
    return graph


class _IllTypedLiteral:
    """A logging filter: drops rdflib's record of a literal whose lexical form is not of its
    datatype (``"c"^^xsd:byte``), which it logs with a traceback as it makes the literal."""

    @staticmethod
    def filter(record: Any) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


def quiet_ill_typed_literals() -> None:
    """rdflib logs a traceback, or warns (``"none"^^xsd:boolean``), for each ill-typed literal it
    is handed. hkit keeps such a literal as written, and SHACL reports it (``sh:datatype``), so
    neither is said on stderr. Idempotent."""
    import logging
    import warnings

    logger = logging.getLogger("rdflib.term")
    if not any(isinstance(f, _IllTypedLiteral) for f in logger.filters):
        logger.addFilter(_IllTypedLiteral())
        warnings.filterwarnings("ignore", "Parsing weird boolean", UserWarning, "rdflib.term")


def rdflib_literal(t: Any, iri: Callable[[str], Any]) -> Any:  # an rdflib.Literal
    """A pyoxigraph literal as rdflib's, exactly as written (with rdflib.NORMALIZE_LITERALS
    off: HAZARDS 8): tagged, plain for xsd:string, else typed with ``iri(datatype)``."""
    import rdflib

    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    datatype = t.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(t.value)
    return rdflib.Literal(t.value, datatype=iri(datatype))


@contextlib.contextmanager
def parsing(path: Path) -> Iterator[Any]:  # the pyoxigraph.RdfFormat of the file
    """Parse ``path`` inside this block: it gives the file's pyoxigraph format, refuses RDF/XML
    with a DOCTYPE first (entity expansion, HAZARDS 7), and turns every error of reading or
    parsing it into one line that names the file."""
    import pyoxigraph

    fmt = _oxigraph_format(path)
    try:
        if fmt == pyoxigraph.RdfFormat.RDF_XML:
            refuse_doctype(path)
        yield fmt
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (SyntaxError, ValueError) as exc:
        raise _syntax_error(path, exc) from exc
    except MemoryError as exc:
        raise _too_long(path, exc) from None


def _too_long(path: Path, exc: MemoryError) -> InputError:
    """pyoxigraph's parsers stop at a line or token over 16 MB with a MemoryError."""
    return InputError(
        f"{path}: a line or a value is too long to read ({_one_line(exc)})",
        hint="split the file's long lines, or keep very long texts out of the graph",
    )


def _syntax_error(path: Path, exc: Exception) -> InputError:
    """A parser's error as one line that names the file (and the line and column it gives)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "LoadDocumentCallback" in text:
        return InputError(
            f"{path}: a JSON-LD @context that is not in the file is not fetched",
            hint="put the context inside the document",
        )
    if len(text) > 300:  # a parser may quote the whole offending token
        text = text[:299] + "…"
    return InputError(f"{path}: {text}")


def refuse_doctype(path: Path) -> None:
    """Refuse an RDF/XML file with a DOCTYPE (or an entity declaration) before any parser sees
    it: its entities can make a parser build strings for minutes or gigabytes (HAZARDS 7), or
    pull in other files. The whole prolog is read, however long its comments, in whatever
    encoding the file declares."""
    try:
        with path.open("rb") as fh:
            found = xml_declares_entities(iter(lambda: fh.read(1 << 16), b""))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if found:
        raise InputError(f"{path}: RDF/XML with a DOCTYPE is refused")


def xml_declares_entities(chunks: Iterable[bytes]) -> bool:
    """Whether the XML document in ``chunks`` has a DOCTYPE or an entity declaration before its
    root element: its prolog is decoded by its byte order mark or declared encoding, and
    comments and processing instructions of any length are passed over (memory stays bounded).

    >>> xml_declares_entities([b'<?xml version="1.0"?><!-- a -->', b'<!DOCTYPE r [ ]><r/>'])
    True
    >>> xml_declares_entities(['<!DOCTYPE r><r/>'.encode("utf-16")])
    True
    >>> xml_declares_entities([b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'])
    False
    """
    import codecs

    decoder = None
    buf = ""
    for chunk in chunks:
        if decoder is None:
            decoder = codecs.getincrementaldecoder(_xml_encoding(chunk))(errors="replace")
        buf += decoder.decode(chunk)
        while True:
            buf = buf.lstrip("\ufeff \t\r\n")
            if any(marker.startswith(buf.upper()) for marker in _PROLOG_MARKERS):
                break  # nothing yet, or too little to tell: read on
            if buf.startswith("<?"):
                end = buf.find("?>", 2)
                if end < 0:
                    buf = "<?" + buf[-1:]  # keep what could start the end marker
                    break
                buf = buf[end + 2 :]
            elif buf.startswith("<!--"):
                end = buf.find("-->", 4)
                if end < 0:
                    buf = "<!--" + buf[-2:]
                    break
                buf = buf[end + 3 :]
            else:
                head = buf[:9].upper()
                return head.startswith(("<!DOCTYPE", "<!ENTITY"))
    return False


_PROLOG_MARKERS = ("<?", "<!--", "<!DOCTYPE", "<!ENTITY")


def _xml_encoding(head: bytes) -> str:
    """The encoding of an XML document from its first bytes: a byte order mark, else the
    encoding its declaration names, else UTF-8."""
    import codecs
    import re

    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    if head.startswith(b"<\0?\0"):
        return "utf-16-le"
    if head.startswith(b"\0<\0?"):
        return "utf-16-be"
    declared = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", head[:200])
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "utf-8"


def strict_parse(path: Path) -> int:
    """Parse one file with pyoxigraph's strict parser; return its triple count.

    Oxigraph rejects what stricter triple stores reject (HAZARDS 9), so this is the gate for every
    file hkit ships.
    """
    import pyoxigraph

    fmt = _oxigraph_format(path)
    if fmt == pyoxigraph.RdfFormat.RDF_XML:
        refuse_doctype(path)
    try:
        return sum(1 for _ in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from exc
    except MemoryError as exc:
        raise _too_long(path, exc) from None


def _oxigraph_format(path: Path):
    """The pyoxigraph format for a file, from the one suffix table, RDF_FORMATS."""
    import pyoxigraph

    return {
        "turtle": pyoxigraph.RdfFormat.TURTLE,
        "nt": pyoxigraph.RdfFormat.N_TRIPLES,
        "xml": pyoxigraph.RdfFormat.RDF_XML,
        "json-ld": pyoxigraph.RdfFormat.JSON_LD,
    }[rdf_format(path)]


def graph_files(root: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """The ontology, every data file, and the user's extra files, in load order."""
    data = data_files(root)
    if not data:
        raise ResourceError(f"{root / DATA_DIR} has no data files", hint="check --root")
    files = [root / ONTOLOGY, *data]
    for path in extra:
        if not path.is_file():
            raise InputError(f"{path}: no such file", hint="check the --data path")
        files.append(path)
    return files


#: Files from this size up are loaded with pyoxigraph's bulk loader (faster for big files, slower
#: for small ones: benchmarks/).
BULK_LOAD_BYTES = 4_000_000


def load_store(
    files: Iterable[Path], store: Any = None, read: Callable[[int], None] | None = None
) -> Any:  # a pyoxigraph.Store
    """A pyoxigraph store (in memory unless ``store`` is given) with every file loaded into its
    default graph. Large files are bulk-loaded, streamed from disk (the graph is never held in
    Python); ``read``, when given, is called with the number of bytes read so far as they are.
    Relative IRIs resolve against each file's own location (:func:`base_iri`).

    RDF/XML with a DOCTYPE is refused before parsing (entity expansion, HAZARDS 7).
    """
    import pyoxigraph

    store = pyoxigraph.Store() if store is None else store
    done = 0
    for path in files:
        with parsing(path) as fmt:
            base = base_iri(path)
            if path.stat().st_size < BULK_LOAD_BYTES:
                store.load(path=str(path), format=fmt, base_iri=base)  # faster for small files
            elif read is None:
                store.bulk_load(path=str(path), format=fmt, base_iri=base)
            else:
                with path.open("rb") as raw:
                    store.bulk_load(input=_Counting(raw, done, read), format=fmt, base_iri=base)
        done += path.stat().st_size
        if read is not None:
            read(done)
    return store


class _Counting:
    """A binary file that reports how many bytes have been read (from ``before`` on) as they
    are, for a progress line; reading through it costs nothing measurable (benchmarks/)."""

    def __init__(self, raw: Any, before: int, read: Callable[[int], None]) -> None:
        self.raw, self.count, self.read_so_far = raw, before, read

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.count += len(chunk)
        self.read_so_far(self.count)
        return chunk

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        self.read_so_far(self.count)
        return n


#: From this much input up, the graph is kept in an on-disk store between runs (reopening one
#: takes 30-65 ms at any size; parsing takes about 5 ms per 1 MB: benchmarks/).
PERSISTENT_FROM_BYTES = 8_000_000


def cache_dir() -> Path:
    """Where hkit keeps what it can rebuild (see :func:`hkit.cache.cache_dir`)."""
    from hkit import cache

    return Path(cache.cache_dir())


def _store_key(files: list[Path]) -> tuple[str, str]:
    """A name for the set of files, and a fingerprint of their current state: path, size,
    modification and change times, device and inode. A write to a file always moves its change
    time (which, unlike the modification time, no user can set back), and replacing it changes
    its inode, so any change to any file gives a new fingerprint."""
    import hashlib

    from hkit import __version__

    names = hashlib.sha256("\0".join(str(p.resolve()) for p in files).encode()).hexdigest()
    stats = [__version__]
    for path in files:
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


def open_store(files: Iterable[Path]) -> Any:  # a pyoxigraph.Store
    """The graph of ``files``, ready to query.

    Small inputs (the shipped graph) are parsed into memory, which is fastest. From
    PERSISTENT_FROM_BYTES up, the graph is kept in an on-disk pyoxigraph store in the cache
    folder: the first run builds it, later runs reopen it read-only, and it is rebuilt when any
    input file changes (older stores of the same files are removed) or the store cannot be read.
    HKIT_NO_CACHE=1 turns this off.
    """
    files = list(files)
    target = _store_folder(files)
    if target is None:
        return load_store(files)
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
        store = load_store(files)
        _cannot_cache(stores, exc)
        return store
    if not built:  # pragma: no cover - _build raises instead
        return load_store(files)
    for old in stores.glob(f"{names}-*"):
        if old != target:
            _rmtree(old)
    import pyoxigraph

    return pyoxigraph.Store.read_only(str(target))


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


#: What RocksDB, under pyoxigraph's store, says when a file of the store is damaged.
DAMAGE_WORDS = ("Corruption", "checksum mismatch", "block checksum")


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

    from hkit.errors import Progress

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

        store = load_store(files, pyoxigraph.Store(str(building)), read if progress.on else None)
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


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")


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
    """Remove every store in the cache folder; return how many were removed."""
    stores = cached_stores()
    for store in stores:
        _rmtree(store.folder)
    return len(stores)
