"""``hkit diff``: what changed between two versions of an ontology, term by term, by label.

Each declared term (anything with an rdf:type) is compared by its statements. A class expression
or list (a blank-node structure) is compared by its content, not by its blank-node labels, so
re-serialising a file shows no change. Axioms about no term (owl:AllDisjointClasses, for example)
are compared the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import RDF

from hkit.core.errors import InputError
from hkit.core.formats import Report
from hkit.core.sparql import quoted
from hkit.core.vocab import compact
from hkit.store.rdf import english_label, load_rdflib


@dataclass
class TermChange:
    """The statements about one term that were added and removed."""

    term: str
    label: str
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class OntologyDiff(Report):
    """Terms added, removed and changed, and anonymous axioms added and removed. ``render`` gives
    ``text``, ``md`` or ``json`` (this object's fields): the format registry's formats for
    ``diff``."""

    report = "diff"

    added: list[TermChange]
    removed: list[TermChange]
    changed: list[TermChange]
    axioms_added: list[str]
    axioms_removed: list[str]

    @property
    def empty(self) -> bool:
        """Whether nothing changed."""
        return not (
            self.added or self.removed or self.changed or self.axioms_added or self.axioms_removed
        )

    def as_dict(self) -> dict[str, object]:
        """This object's fields, as plain data (the JSON format)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """The differences for people."""
        return self._write(md=False)

    def as_markdown(self) -> str:
        """The differences in Markdown, for a pull request or a changelog."""
        return self._write(md=True)

    def _write(self, md: bool) -> str:
        """The text and the Markdown, which differ only in their marks."""
        lines: list[str] = ["# Ontology changes", ""] if md else []
        summary = (
            f"{len(self.added)} term(s) added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed; {len(self.axioms_added)} other axiom(s) added, "
            f"{len(self.axioms_removed)} removed"
        )
        lines.append(summary + ("." if md else ""))
        if self.empty:
            lines.append("No differences.")
            return "\n".join(lines) + "\n"

        def section(title: str, changes: list[TermChange], show: str) -> None:
            if not changes:
                return
            lines.extend(["", f"## {title}" if md else f"{title}:"])
            for change in changes:
                head = f"{change.label} ({change.term})"
                lines.append(f"- **{head}**" if md else f"  {head}")
                pairs = change.added if show == "added" else change.removed
                if show == "both":
                    for p, o in change.removed:
                        lines.append(f"  - removed {p}: {o}" if md else f"    - {p}: {o}")
                    for p, o in change.added:
                        lines.append(f"  - added {p}: {o}" if md else f"    + {p}: {o}")
                else:
                    for p, o in pairs:
                        lines.append(f"  - {p}: {o}" if md else f"      {p}: {o}")

        section("Added", self.added, "added")
        section("Removed", self.removed, "removed")
        section("Changed", self.changed, "both")
        for title, axioms, sign in (
            ("Other axioms added", self.axioms_added, "+"),
            ("Other axioms removed", self.axioms_removed, "-"),
        ):
            if axioms:
                lines.extend(["", f"## {title}" if md else f"{title}:"])
                lines.extend(f"- {a}" if md else f"  {sign} {a}" for a in axioms)
        return "\n".join(lines) + "\n"


def _compact(iri: str) -> str:

    short = compact(iri)
    return short if short != iri else f"<{iri}>"


def _show(
    graph: rdflib.Graph, node: rdflib.term.Node, seen: frozenset[rdflib.term.Node] = frozenset()
) -> str:
    """A node as text: IRIs compacted, literals quoted with their tag or type, blank nodes by
    their content (sorted), lists as ( ... )."""
    if isinstance(node, rdflib.URIRef):
        return _compact(str(node))
    if isinstance(node, rdflib.Literal):
        text = quoted(str(node))
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^{_compact(str(node.datatype))}"
        return text
    if node in seen:
        return "[...]"
    seen = seen | {node}
    if (node, RDF.first, None) in graph:
        items = []
        while node is not None and node != RDF.nil:
            items.append(_show(graph, graph.value(node, RDF.first), seen))
            node = graph.value(node, RDF.rest)
        return "( " + " ".join(items) + " )"
    parts = sorted(
        f"{_compact(str(p))} {_show(graph, o, seen)}" for p, o in graph.predicate_objects(node)
    )
    return "[ " + " ; ".join(parts) + " ]"


def _describe(graph: rdflib.Graph, term: rdflib.term.Node) -> set[tuple[str, str]]:
    return {(_compact(str(p)), _show(graph, o)) for p, o in graph.predicate_objects(term)}


def _label(graph: rdflib.Graph, term: rdflib.term.Node) -> str:

    return english_label(graph, term) or _compact(str(term))


def _anonymous_axioms(graph: rdflib.Graph) -> set[str]:
    """Blank-node subjects that no other statement points to: axioms about no one term."""
    pointed = {o for o in graph.objects() if isinstance(o, rdflib.BNode)}
    return {
        _show(graph, s)
        for s in set(graph.subjects())
        if isinstance(s, rdflib.BNode) and s not in pointed
    }


def diff(old: rdflib.Graph, new: rdflib.Graph) -> OntologyDiff:
    """The differences between two versions of an ontology."""

    def terms(graph: rdflib.Graph) -> set[rdflib.term.Node]:
        return {s for s in graph.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}

    old_terms, new_terms = terms(old), terms(new)

    def label(term: rdflib.term.Node) -> str:
        return _label(new, term) if term in new_terms else _label(old, term)

    def order(term: rdflib.term.Node) -> tuple[str, str]:
        return (label(term).lower(), str(term))

    added = [
        TermChange(_compact(str(t)), label(t), added=sorted(_describe(new, t)))
        for t in sorted(new_terms - old_terms, key=order)
    ]
    removed = [
        TermChange(_compact(str(t)), label(t), removed=sorted(_describe(old, t)))
        for t in sorted(old_terms - new_terms, key=order)
    ]
    changed = []
    for t in sorted(old_terms & new_terms, key=order):
        before, after = _describe(old, t), _describe(new, t)
        if before != after:
            changed.append(
                TermChange(
                    _compact(str(t)),
                    label(t),
                    added=sorted(after - before),
                    removed=sorted(before - after),
                )
            )
    old_axioms, new_axioms = _anonymous_axioms(old), _anonymous_axioms(new)
    return OntologyDiff(
        added,
        removed,
        changed,
        sorted(new_axioms - old_axioms),
        sorted(old_axioms - new_axioms),
    )


def diff_files(old: Path, new: Path) -> OntologyDiff:
    """Parse two ontology files (any format hkit reads) and compare them."""

    for path in (old, new):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    return diff(load_rdflib([old]), load_rdflib([new]))
