"""The library's functions that need no open graph: the diff of two versions of the ontology,
a new document for the claims ledger, the export formats by suffix, and the cache folder."""

from __future__ import annotations

from pathlib import Path

from hkit.core.formats import EXPORT, by_suffix
from hkit.store.files import find_root, graph_files

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from hkit.quality.diff import OntologyDiff
    from hkit.quality.ledger_add import Registration
    from hkit.store.stores import CachedStore


def diff(
    old: str | Path, new: str | Path, root: str | Path | None = None, git: bool = False
) -> OntologyDiff:
    """The terms and axioms added, removed and changed between two versions of an ontology (any
    RDF file), by label, each change classed breaking or additive; ``render(format)`` gives
    text, Markdown or JSON, and ``fails(fail_on)`` says whether a CI job should fail.

    With ``git`` (or a ``root``), a version that is not a file is a git ref, whose
    ``ontology/hkit.ttl`` is read from the root's repository, and the root's data files and saved
    queries that use a removed, renamed or deprecated term are listed."""
    from hkit.quality.diff import diff_files  # imports rdflib: not on the start-up path

    chosen = find_root(None if root is None else str(root)) if (git or root) else None
    return diff_files(old, new, chosen)


def register_document(
    file: str | Path, root: str | Path | None = None, sources: str | Path | None = None
) -> Registration:
    """Add a source document (in the ``sources`` folder) to the claims ledger of ``root``: a row
    to fill for each of its sentences, and its node for ``data/sources.ttl`` (``as_text()``)."""
    from hkit.quality.ledger_add import register_document as register  # start-up (benchmarks/)

    chosen = find_root(None if root is None else str(root))
    return register(chosen, Path(file), sources, graph_files(chosen))


def export_suffixes() -> dict[str, str]:
    """The export format that a file name's extension asks for, by extension (``.nq``:
    ``nquads``), with the usual aliases (``.owl`` and ``.xml`` for RDF/XML, ``.json`` for
    JSON-LD), from the format registry."""
    return by_suffix(EXPORT)


def cache_dir() -> Path:
    """Where hkit keeps what it can rebuild: HKIT_CACHE_DIR, else $XDG_CACHE_HOME/hkit, else
    ~/.cache/hkit."""
    from hkit.store.stores import cache_dir

    return cache_dir()


def cached_stores() -> list[CachedStore]:
    """The on-disk stores in the cache folder (each with its folder, size, input files, and a
    ``verify()``), and any unfinished builds."""
    from hkit.store.stores import cached_stores

    return cached_stores()


def clear_cache() -> int:
    """Remove every on-disk store from the cache folder; return how many were removed."""
    from hkit.store.stores import clear_cache

    return clear_cache()
