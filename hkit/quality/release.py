"""Releases of the ontology, and the version gate of ``hkit check``.

A release is a folder ``releases/<version>/`` holding what was published under that version; it
is never rewritten. The gate keeps the version annotations of ``ontology/hkit.ttl`` true:

- ``owl:versionIRI`` is ``https://w3id.org/hkit/ontology/<owl:versionInfo>``;
- if ``owl:versionInfo`` is the latest release's, the ontology means what that release's
  ontology means (its graphs are isomorphic once the version annotations are set aside), and its
  version annotations are the release's;
- if it is newer, ``owl:priorVersion`` names the latest release's version IRI and
  ``dcterms:modified`` is not older than the release's;
- it is never older than the latest release.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from hkit.core.vocab import ONTOLOGY_IRI
from hkit.store.files import ONTOLOGY
from hkit.store.rdf import load_rdflib

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    import rdflib

RELEASES_DIR = Path("releases")
#: The release's ontology file, the one the gate compares with.
RELEASED_ONTOLOGY = "hkit.ttl"

OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
VERSION_INFO = OWL + "versionInfo"
VERSION_IRI = OWL + "versionIRI"
PRIOR_VERSION = OWL + "priorVersion"
MODIFIED = DCTERMS + "modified"
#: The annotations that say which version a file is, set aside when comparing meaning.
VERSION_ANNOTATIONS = (VERSION_INFO, VERSION_IRI, PRIOR_VERSION, MODIFIED)

_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


class Versioned(NamedTuple):
    """An ontology's version annotations (each ``None`` when absent)."""

    info: str | None
    iri: str | None
    prior: str | None
    modified: str | None


def version_key(version: str) -> tuple[int, int, int] | None:
    """The version ``MAJOR.MINOR.PATCH`` as numbers to compare, or None if it is not one."""
    match = _VERSION.fullmatch(version)
    return None if match is None else (int(match[1]), int(match[2]), int(match[3]))


def version_iri(version: str) -> str:
    """The version IRI of the ontology at ``version``."""
    return f"{ONTOLOGY_IRI}/{version}"


def version_of(graph: rdflib.Graph) -> Versioned:
    """The version annotations of the ontology ``<https://w3id.org/hkit/ontology>`` in ``graph``."""
    import rdflib  # heavy: not on the start-up path

    node = rdflib.URIRef(ONTOLOGY_IRI)

    def one(predicate: str) -> str | None:
        value = graph.value(node, rdflib.URIRef(predicate))
        return None if value is None else str(value)

    return Versioned(*(one(p) for p in VERSION_ANNOTATIONS))


def meaning(graph: rdflib.Graph) -> rdflib.Graph:
    """``graph`` without the ontology's version annotations: what a new version must change."""
    import rdflib  # heavy: not on the start-up path

    kept = rdflib.Graph()
    node = rdflib.URIRef(ONTOLOGY_IRI)
    dropped = {rdflib.URIRef(p) for p in VERSION_ANNOTATIONS}
    for s, p, o in graph:
        if not (s == node and p in dropped):
            kept.add((s, p, o))
    return kept


def same_meaning(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Whether two versions of the ontology say the same, version annotations aside (graph
    isomorphism, so blank-node labels and the order of statements do not count)."""
    from rdflib.compare import isomorphic  # heavy: not on the start-up path

    return isomorphic(meaning(a), meaning(b))


def releases(root: Path) -> list[tuple[str, Path]]:
    """The releases under ``root/releases``: (version, folder), oldest first."""
    folder = root / RELEASES_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        key = version_key(path.name)
        if key is not None and (path / RELEASED_ONTOLOGY).is_file():
            found.append((key, path.name, path))
    return [(name, path) for _, name, path in sorted(found)]


def version_problems(root: Path) -> tuple[str, list[str]]:
    """The version gate: a one-line summary, and what is untrue in the version annotations of
    ``root``'s ontology given its latest release (empty when all hold)."""
    current_graph = load_rdflib([root / ONTOLOGY])
    current = version_of(current_graph)
    problems: list[str] = []
    if current.info is None or version_key(current.info) is None:
        return "no version", [
            f"owl:versionInfo is {current.info!r}, not a version MAJOR.MINOR.PATCH"
        ]
    if current.iri != version_iri(current.info):
        problems.append(
            f"owl:versionIRI is <{current.iri}>, not <{version_iri(current.info)}> "
            f"(owl:versionInfo {current.info})"
        )
    released = releases(root)
    if not released:
        return f"{current.info}, no release yet", problems
    latest, folder = released[-1]
    release_graph = load_rdflib([folder / RELEASED_ONTOLOGY])
    release = version_of(release_graph)
    current_key, latest_key = version_key(current.info), version_key(latest)
    assert current_key is not None and latest_key is not None
    if current_key < latest_key:
        problems.append(f"version {current.info} is older than the latest release, {latest}")
    elif current_key == latest_key:
        if not same_meaning(current_graph, release_graph):
            problems.append(
                f"the ontology differs in meaning from release {latest} but its version is "
                f"still {latest}: bump owl:versionInfo, owl:versionIRI, owl:priorVersion and "
                "dcterms:modified"
            )
        if current != release:
            problems.append(
                f"the version annotations differ from release {latest}'s, whose version it keeps"
            )
    else:
        if current.prior != release.iri:
            problems.append(
                f"owl:priorVersion is <{current.prior}>, not the latest release's version IRI "
                f"<{release.iri}>"
            )
        if current.modified is None or (release.modified or "") > current.modified:
            problems.append(
                f"dcterms:modified is {current.modified}, before release {latest}'s "
                f"{release.modified}"
            )
    state = "released" if current_key == latest_key else f"unreleased, after {latest}"
    return f"{current.info}, {state}", problems
