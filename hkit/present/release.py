"""Writing a release: the ontology, the shapes and the data under ``releases/<version>/``.

A release folder is written once (into a temporary folder renamed into place) and never
rewritten: a version names one content. It holds

- ``hkit.ttl``: the ontology as written (the file the version gate compares with);
- ``hkit.owl``: the ontology alone in RDF/XML, which owlready2 and Protégé read (owlready2 does
  not read Turtle);
- ``hkit.jsonld``: the ontology in JSON-LD, with an ``@context`` of hkit's prefixes;
- ``shapes.ttl``: the SHACL shapes, their graph ``<https://w3id.org/hkit/shapes>`` carrying the
  release's version, a version IRI and ``owl:imports`` of the ontology's version IRI;
- ``data.ttl``: the data (``data/*.ttl``) as one Turtle file;
- ``CHANGES.md``: the changes term by term since the prior version (``hkit diff``);
- ``README.md``: the release notes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hkit.core.errors import InputError
from hkit.core.vocab import PREFIXES
from hkit.present.export import DATA_GRAPH, ONTOLOGY_GRAPH, read_quads, serialize
from hkit.quality.diff import diff
from hkit.quality.release import (
    RELEASED_ONTOLOGY,
    RELEASES_DIR,
    releases,
    version_key,
    version_of,
    version_problems,
)
from hkit.store.files import ONTOLOGY, SHAPES, data_files
from hkit.store.rdf import load_rdflib

SHAPES_IRI = "https://w3id.org/hkit/shapes"


def _shapes(root: Path, version: str, ontology_version_iri: str) -> bytes:
    """The shapes, their graph's header carrying the release's version and importing the
    ontology's version IRI; the shapes themselves (their IRIs included) unchanged."""
    import rdflib  # heavy: not on the start-up path

    graph = load_rdflib([root / SHAPES])
    node, owl = rdflib.URIRef(SHAPES_IRI), rdflib.Namespace("http://www.w3.org/2002/07/owl#")
    graph.remove((node, owl.versionInfo, None))
    graph.add((node, rdflib.RDF.type, owl.Ontology))
    graph.add((node, owl.versionInfo, rdflib.Literal(version)))
    graph.add((node, owl.versionIRI, rdflib.URIRef(f"{SHAPES_IRI}/{version}")))
    graph.add((node, owl.imports, rdflib.URIRef(ontology_version_iri)))
    for prefix, namespace in [*PREFIXES.items(), ("sh", "http://www.w3.org/ns/shacl#")]:
        graph.bind(prefix, namespace, replace=True)
    return graph.serialize(format="turtle", encoding="utf-8")


def _jsonld(root: Path) -> bytes:
    """The ontology in JSON-LD, compacted with hkit's prefixes as its ``@context``."""
    graph = load_rdflib([root / ONTOLOGY])
    text = graph.serialize(format="json-ld", context=dict(PREFIXES), indent=2)
    json.loads(text)  # a serializer fault shows here, not in a user's JSON-LD processor
    return text.encode("utf-8")


def _notes(version: str, iri: str, prior: str | None, modified: str | None, since: str) -> str:
    lines = [
        f"# hkit ontology {version}",
        "",
        f"- Version IRI: <{iri}>",
        f"- Prior version: <{prior}>" if prior else "- Prior version: none",
        f"- Modified: {modified}",
        "",
        "## Files",
        "",
        "- `hkit.ttl`: the ontology, Turtle (as written in `ontology/hkit.ttl`)",
        "- `hkit.owl`: the ontology alone, RDF/XML (for owlready2 and Protégé)",
        "- `hkit.jsonld`: the ontology, JSON-LD with an `@context`",
        f"- `shapes.ttl`: the SHACL shapes, graph <{SHAPES_IRI}/{version}>, importing <{iri}>",
        "- `data.ttl`: the data, Turtle",
        "- `CHANGES.md`: the changes term by term",
        "",
        "## Changes",
        "",
        since,
        "",
    ]
    return "\n".join(lines)


def write_release(root: Path, prior: Path | None = None, prior_note: str | None = None) -> Path:
    """Write ``root``'s ontology, shapes and data as the release of its ``owl:versionInfo``
    under ``root/releases/<version>/``, and return that folder.

    The changelog compares with ``prior`` (an ontology file) when given, described by
    ``prior_note``; else with the latest release's ontology. Refuses when the folder exists
    (releases are immutable), when the version is not newer than the latest release, or when
    the version gate finds the annotations untrue.
    """
    current = version_of(load_rdflib([root / ONTOLOGY]))
    version = current.info or ""
    target = root / RELEASES_DIR / version
    if target.exists():
        raise InputError(
            f"{RELEASES_DIR / version} exists: a release is never rewritten",
            hint="bump owl:versionInfo in ontology/hkit.ttl for a new release",
        )
    _, problems = version_problems(root)
    if problems:
        raise InputError(f"the version gate fails: {problems[0]}")
    released = releases(root)
    key = version_key(version)
    if released and (key is None or key <= (version_key(released[-1][0]) or (0, 0, 0))):
        raise InputError(f"version {version} is not newer than release {released[-1][0]}")
    if prior is None and released:
        prior = released[-1][1] / RELEASED_ONTOLOGY
        prior_note = f"since release {released[-1][0]}"
    if prior is not None:
        changes = diff(load_rdflib([prior]), load_rdflib([root / ONTOLOGY])).as_markdown()
        since = f"The changes {prior_note}, term by term, are in `CHANGES.md`."
    else:
        changes = "# Ontology changes\n\nThe first release.\n"
        since = "The first release."
    if prior_note and prior is not None:
        changes = changes.replace("# Ontology changes\n", f"# Ontology changes {prior_note}\n", 1)

    (root / RELEASES_DIR).mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root / RELEASES_DIR))
    try:
        ontology_quads = read_quads([(root / ONTOLOGY, ONTOLOGY_GRAPH)])
        data_quads = read_quads([(path, DATA_GRAPH) for path in data_files(root)])
        files = {
            RELEASED_ONTOLOGY: (root / ONTOLOGY).read_bytes(),
            "hkit.owl": serialize(ontology_quads, "rdfxml"),
            "hkit.jsonld": _jsonld(root),
            "shapes.ttl": _shapes(root, version, current.iri or ""),
            "data.ttl": serialize(data_quads, "turtle"),
            "CHANGES.md": changes.encode("utf-8"),
            "README.md": _notes(
                version, current.iri or "", current.prior, current.modified, since
            ).encode("utf-8"),
        }
        for name, content in files.items():
            (staging / name).write_bytes(content)
        staging.chmod(0o755)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
