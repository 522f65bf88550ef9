"""Where hkit's files are: the root folder with ``ontology/``, ``data/`` and ``queries/`` (a
checkout of the repository, or the copy the wheel carries in ``hkit/_resources``), and the files
of the graph."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hkit.core import vocab
from hkit.core.errors import InputError, ResourceError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    pass

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
        "ONTOLOGY_IRI": rdflib.URIRef(vocab.ONTOLOGY_IRI),
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
    here = Path(__file__).resolve().parent.parent  # the hkit package
    for candidate in packaged_places():
        if _is_root(candidate):
            return candidate
    raise ResourceError(
        f"the hkit package has no ontology (looked in {here / '_resources'} and {here.parent})",
        hint="reinstall hkit, or pass --root pointing at a checkout",
    )


def packaged_places() -> list[Path]:
    """Where the installed package's copy of the files may be, in the order they are looked for:
    the wheel's ``hkit/_resources``, then the folder beside the package (a checkout)."""
    here = Path(__file__).resolve().parent.parent  # the hkit package
    return [here / "_resources", here.parent]


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
