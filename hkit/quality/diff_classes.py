"""What ``hkit diff`` makes of a change for a pull request: breaking or additive, renames, the
version, the files that still use a removed term, and the ontology at a git ref.

A change is *breaking* when data or queries written against the old version may stop working or
mean something else: a term removed, renamed or deprecated; a type changed; a domain or range
narrowed (an ``rdfs:domain`` or ``rdfs:range`` added or moved to a class that is not above the
old one, a ``schema:domainIncludes`` or ``schema:rangeIncludes`` value removed); a parent or
equivalent removed from the hierarchy; a disjointness added; an axiom about no one term
removed. Everything else (terms added, labels and definitions changed, parents added, domains
and ranges widened, a disjointness removed) is *additive*. The ontology's own header (its
version) is neither.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hkit.core.errors import InputError
from hkit.core.sparql import quoted
from hkit.core.vocab import compact
from hkit.quality.checks import query_iris, saved_query_files
from hkit.quality.ontology import Hierarchy
from hkit.store.files import ONTOLOGY, data_files
from hkit.store.rdf import english_label, load_rdflib

SCHEMA = rdflib.Namespace("https://schema.org/")
#: Closed domain and range (a value added narrows) and open ones (a value removed narrows).
CLOSED = {RDFS.domain: "domain", RDFS.range: "range"}
OPEN = {SCHEMA.domainIncludes: "domain", SCHEMA.rangeIncludes: "range"}
HIERARCHY = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
)
#: Which changes ``--fail-on`` can make fail: breaking ones, any change, or none.
FAIL_ON = ("breaking", "any", "none")


@dataclass(frozen=True)
class Change:
    """One classified change: ``kind`` is ``breaking`` or ``additive``; ``what`` says what
    changed, in words."""

    kind: str
    term: str
    label: str
    what: str


@dataclass(frozen=True)
class Rename:
    """A term renamed: its old and new IRI (compact), and how the rename was found
    (``dcterms:isReplacedBy``, or ``same definition`` for an IRI changed with its definition
    kept)."""

    old: str
    new: str
    label: str
    found_by: str


def compact_iri(iri: str) -> str:
    """A compact IRI, or the IRI in angle brackets when no prefix fits."""
    short = compact(iri)
    return short if short != iri else f"<{iri}>"


def show_node(
    graph: rdflib.Graph, node: rdflib.term.Node, seen: frozenset[rdflib.term.Node] = frozenset()
) -> str:
    """A node as text: IRIs compacted, literals quoted with their tag or type, blank nodes by
    their content (sorted), lists as ( ... )."""
    if isinstance(node, rdflib.URIRef):
        return compact_iri(str(node))
    if isinstance(node, rdflib.Literal):
        text = quoted(str(node))
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^{compact_iri(str(node.datatype))}"
        return text
    if node in seen:
        return "[...]"
    seen = seen | {node}
    if (node, RDF.first, None) in graph:
        items = []
        while node is not None and node != RDF.nil:
            items.append(show_node(graph, graph.value(node, RDF.first), seen))
            node = graph.value(node, RDF.rest)
        return "( " + " ".join(items) + " )"
    parts = sorted(
        f"{compact_iri(str(p))} {show_node(graph, o, seen)}"
        for p, o in graph.predicate_objects(node)
    )
    return "[ " + " ; ".join(parts) + " ]"


def _objects(
    graph: rdflib.Graph, term: rdflib.term.Node, predicate: rdflib.URIRef
) -> dict[str, rdflib.term.Node]:
    """The term's values of ``predicate`` by their text (blank nodes by their content, so that
    two parses of one file compare equal)."""
    return {show_node(graph, o): o for o in graph.objects(term, predicate)}


def short(node: rdflib.term.Node) -> str:
    """A compact IRI, or the IRI in angle brackets when no prefix fits."""
    text = compact(str(node))
    return text if text != str(node) else f"<{node}>"


def header(graph: rdflib.Graph) -> rdflib.term.Node | None:
    """The ontology's own node (the subject typed owl:Ontology), if any."""
    return next(iter(sorted(graph.subjects(RDF.type, OWL.Ontology), key=str)), None)


def version(graph: rdflib.Graph) -> dict[str, str | None]:
    """The ontology's owl:versionInfo and owl:versionIRI, as text (None when missing)."""
    node = header(graph)
    info = graph.value(node, OWL.versionInfo) if node is not None else None
    iri = graph.value(node, OWL.versionIRI) if node is not None else None
    return {
        "versionInfo": None if info is None else str(info),
        "versionIRI": None if iri is None else str(iri),
    }


def _definition(graph: rdflib.Graph, term: rdflib.term.Node) -> str | None:
    for value in graph.objects(term, SKOS.definition):
        if isinstance(value, rdflib.Literal) and (value.language or "en").startswith("en"):
            return str(value).strip()
    return None


def renames(
    old: rdflib.Graph,
    new: rdflib.Graph,
    removed: set[rdflib.term.Node],
    added: set[rdflib.term.Node],
) -> list[tuple[rdflib.term.Node, rdflib.term.Node, str]]:
    """Renames: terms of the old version that the new one deprecates with
    ``dcterms:isReplacedBy``, and removed
    terms whose definition one added term has word for word (and no other)."""
    found = []
    for term, target in new.subject_objects(DCTERMS.isReplacedBy):
        known = (term, None, None) in old and (term, DCTERMS.isReplacedBy, target) not in old
        if known and isinstance(target, rdflib.URIRef):
            found.append((term, target, "dcterms:isReplacedBy"))
    by_definition: dict[str, list[rdflib.term.Node]] = {}
    for term in added:
        text = _definition(new, term)
        if text:
            by_definition.setdefault(text, []).append(term)
    for term in removed:
        text = _definition(old, term)
        candidates = by_definition.get(text or "", [])
        if len(candidates) == 1:
            found.append((term, candidates[0], "same definition"))
    return sorted(found, key=lambda r: (str(r[0]), str(r[1])))


def _label(old: rdflib.Graph, new: rdflib.Graph, term: rdflib.term.Node) -> str:
    return english_label(new, term) or english_label(old, term) or short(term)


def classify_term(
    old: rdflib.Graph, new: rdflib.Graph, term: rdflib.term.Node
) -> list[tuple[str, str]]:
    """The changes to a term present in both versions, each as ``(kind, what)``."""
    out: list[tuple[str, str]] = []
    before_types, after_types = set(old.objects(term, RDF.type)), set(new.objects(term, RDF.type))
    if before_types != after_types:
        names = ", ".join(short(t) for t in sorted(after_types - before_types, key=str))
        gone = ", ".join(short(t) for t in sorted(before_types - after_types, key=str))
        out.append(("breaking", f"type changed (added: {names or '-'}; removed: {gone or '-'})"))
    deprecated = rdflib.Literal(True)
    if (term, OWL.deprecated, deprecated) in new and (term, OWL.deprecated, deprecated) not in old:
        out.append(("breaking", "deprecated"))
    classes = Hierarchy(new)
    for predicate, what in CLOSED.items():
        before, after = _objects(old, term, predicate), _objects(new, term, predicate)
        dropped = [before[k] for k in sorted(before.keys() - after.keys())]
        for key in sorted(after.keys() - before.keys()):
            value = after[key]
            if dropped and all(value in classes.ancestors(b) for b in dropped):
                out.append(("additive", f"{what} widened to {key}"))
            else:
                out.append(("breaking", f"{what} narrowed to {key}"))
        if dropped and not after.keys() - before.keys():
            out.append(("additive", f"{what} widened: {min(before.keys() - after.keys())} dropped"))
    for predicate, what in OPEN.items():
        before, after = _objects(old, term, predicate), _objects(new, term, predicate)
        for key in sorted(before.keys() - after.keys()):
            out.append(("breaking", f"{what} narrowed: {key} no longer included"))
        for key in sorted(after.keys() - before.keys()):
            out.append(("additive", f"{what} widened to include {key}"))
    for predicate in HIERARCHY:
        before, after = _objects(old, term, predicate), _objects(new, term, predicate)
        for key in sorted(before.keys() - after.keys()):
            out.append(("breaking", f"hierarchy changed: no longer {short(predicate)} {key}"))
        for key in sorted(after.keys() - before.keys()):
            out.append(("additive", f"{short(predicate)} {key} added"))
    for predicate in (OWL.disjointWith, OWL.propertyDisjointWith):
        before, after = _objects(old, term, predicate), _objects(new, term, predicate)
        for key in sorted(after.keys() - before.keys()):
            out.append(("breaking", f"disjointness added: {short(predicate)} {key}"))
        for key in sorted(before.keys() - after.keys()):
            out.append(("additive", f"disjointness removed: {short(predicate)} {key}"))
    handled = {RDF.type, OWL.deprecated, *CLOSED, *OPEN, *HIERARCHY}
    handled |= {OWL.disjointWith, OWL.propertyDisjointWith}
    rest_before = {
        (p, show_node(old, o)) for p, o in old.predicate_objects(term) if p not in handled
    }
    rest_after = {
        (p, show_node(new, o)) for p, o in new.predicate_objects(term) if p not in handled
    }
    if rest_before != rest_after:
        predicates = {short(p) for p, _ in rest_before ^ rest_after}
        out.append(("additive", "annotations changed: " + ", ".join(sorted(predicates))))
    return out


def classify(
    old: rdflib.Graph,
    new: rdflib.Graph,
    old_terms: set[rdflib.term.Node],
    new_terms: set[rdflib.term.Node],
    axioms_added: list[str],
    axioms_removed: list[str],
) -> tuple[list[Change], list[Rename]]:
    """Every change between the versions classed breaking or additive, and the renames."""
    heads = {header(old), header(new)}
    removed, added = old_terms - new_terms - heads, new_terms - old_terms - heads
    found = renames(old, new, removed, added)
    renamed_from = {r[0] for r in found if r[2] == "same definition"}
    renamed_to = {r[1] for r in found if r[2] == "same definition"}
    changes = []
    for term in sorted(removed - renamed_from, key=str):
        changes.append(Change("breaking", short(term), _label(old, new, term), "removed"))
    for term, target, how in found:
        what = f"renamed to {short(target)} ({how})"
        changes.append(Change("breaking", short(term), _label(old, new, term), what))
    for term in sorted(added - renamed_to, key=str):
        changes.append(Change("additive", short(term), _label(old, new, term), "added"))
    for term in sorted((old_terms & new_terms) - heads, key=str):
        for kind, what in classify_term(old, new, term):
            changes.append(Change(kind, short(term), _label(old, new, term), what))
    for axiom in axioms_removed:
        changes.append(Change("breaking", "", "", f"axiom removed: {axiom}"))
    for axiom in axioms_added:
        disjoint = "owl:AllDisjoint" in axiom
        changes.append(
            Change("breaking" if disjoint else "additive", "", "", f"axiom added: {axiom}")
        )
    renamed = [Rename(short(a), short(b), _label(old, new, a), how) for a, b, how in found]
    return changes, renamed


def gone_terms(old: rdflib.Graph, new: rdflib.Graph, old_terms: set[rdflib.term.Node]) -> set[str]:
    """The IRIs that data and queries should no longer use: removed or newly deprecated terms."""
    gone = {str(t) for t in old_terms if (t, None, None) not in new}
    deprecated = rdflib.Literal(True)
    gone |= {
        str(t)
        for t in new.subjects(OWL.deprecated, deprecated)
        if (t, OWL.deprecated, deprecated) not in old
    }
    return gone


def uses(root: Path, iris: Iterable[str]) -> list[tuple[str, str]]:
    """``(term, file)`` for each data file and saved query of ``root`` that uses one of
    ``iris``; files named relative to the root."""
    wanted = set(iris)
    if not wanted:
        return []
    found = set()
    for path in data_files(root):
        graph = load_rdflib([path])
        named = {str(n) for triple in graph for n in triple if isinstance(n, rdflib.URIRef)}
        found |= {(iri, path.relative_to(root).as_posix()) for iri in wanted & named}
    for path in saved_query_files(root):
        named = query_iris(path.read_text(encoding="utf-8"), str(path))
        found |= {(iri, path.relative_to(root).as_posix()) for iri in wanted & named}
    return sorted((short(rdflib.URIRef(i)), f) for i, f in found)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def ontology_at(root: Path, ref: str) -> rdflib.Graph:
    """The root's ``ontology/hkit.ttl`` as it is at the git ref ``ref``."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:
        raise InputError(
            f"{ref}: no such file, and git is not installed to read it as a ref"
        ) from None
    if inside.returncode != 0:
        raise InputError(f"{ref}: no such file, and {root} is not a git checkout to read a ref in")
    if (
        ref.startswith("-")
        or _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0
    ):
        raise InputError(f"{ref}: no such file, nor a git ref in {root}")
    shown = _git(root, "show", f"{ref}:./{ONTOLOGY.as_posix()}")
    if shown.returncode != 0:
        raise InputError(f"{ref}: the ref has no {ONTOLOGY.as_posix()}")
    with tempfile.TemporaryDirectory(prefix="hkit-diff-") as tmp:
        path = Path(tmp) / "hkit.ttl"
        path.write_bytes(shown.stdout)
        return load_rdflib([path])
