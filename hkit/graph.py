"""Finding and loading hkit's files: the ontology, the shapes and the data.

The files live in a *root* folder with ``ontology/``, ``data/`` and ``queries/``: a checkout of the
repository, or the copy that the wheel carries inside the installed package (``hkit/_resources``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hkit.errors import InputError, ResourceError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    import rdflib

ONTOLOGY = Path("ontology/hkit.ttl")
SHAPES = Path("ontology/shapes.ttl")
DATA_DIR = Path("data")
QUERIES_DIR = Path("queries")

HKIT_NS = "https://w3id.org/hkit/ontology#"
HKIT_ID_NS = "https://w3id.org/hkit/id/"


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
    """Parse the files into one rdflib graph (literals kept exactly as written)."""
    import rdflib

    # rdflib merges distinct literals ("01" and "1" integers...) unless told not to (HAZARDS 8).
    rdflib.NORMALIZE_LITERALS = False
    graph = graph if graph is not None else rdflib.Graph()
    for path in paths:
        try:
            if rdf_format(path) == "xml":
                refuse_doctype(path)
            graph.parse(path, format=rdf_format(path))
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except InputError:
            raise
        except Exception as exc:  # rdflib raises many kinds of parser errors
            raise InputError(f"{path}: not valid RDF ({exc})") from exc
    return graph


def refuse_doctype(path: Path) -> None:
    """Refuse an RDF/XML file with a DOCTYPE before any parser sees it: its entities can make
    rdflib build strings for minutes (HAZARDS 7) or pull in other files."""
    with path.open("rb") as fh:
        if b"<!DOCTYPE" in fh.read(65536).upper():
            raise InputError(f"{path}: RDF/XML with a DOCTYPE is refused")


def strict_parse(path: Path) -> int:
    """Parse one file with pyoxigraph's strict parser; return its triple count.

    Oxigraph rejects what stricter triple stores reject (HAZARDS 9), so this is the gate for every
    file hkit ships.
    """
    import pyoxigraph

    fmt = _oxigraph_format(path)
    try:
        return sum(1 for _ in pyoxigraph.parse(path=str(path), format=fmt))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from exc


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


def load_store(files: Iterable[Path]):  # noqa: ANN201 - returns a pyoxigraph.Store
    """An in-memory pyoxigraph store with every file loaded into its default graph.

    RDF/XML with a DOCTYPE is refused before parsing (entity expansion, HAZARDS 7).
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    for path in files:
        fmt = _oxigraph_format(path)
        try:
            if fmt == pyoxigraph.RdfFormat.RDF_XML:
                refuse_doctype(path)
            if path.stat().st_size < BULK_LOAD_BYTES:
                store.load(path=str(path), format=fmt)  # faster for small files
            else:
                store.bulk_load(path=str(path), format=fmt)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from exc
        except ValueError as exc:
            raise InputError(f"{path}: {exc}") from exc
    return store
