"""``hkit diff``: what changed between two versions of an ontology, term by term, by label.

Each declared term (anything with an rdf:type) is compared by its statements. A class expression
or list (a blank-node structure) is compared by its content, not by its blank-node labels, so
re-serialising a file shows no change. Axioms about no term (owl:AllDisjointClasses, for example)
are compared the same way.

Each change is then classed breaking or additive, renames are found, the version is compared and,
for a project root, the data files and saved queries that still use a removed term are listed
(:mod:`hkit.quality.diff_classes`). Either version may be a file or a git ref, whose
``ontology/hkit.ttl`` is read from the root's repository.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import RDF

from hkit.core.errors import InputError
from hkit.core.formats import Report
from hkit.quality.diff_classes import (
    FAIL_ON,
    Change,
    Rename,
    classify,
    compact_iri,
    gone_terms,
    ontology_at,
    show_node,
    uses,
    version,
)
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
    changes: list[Change] = field(default_factory=list)
    renamed: list[Rename] = field(default_factory=list)
    version: dict[str, dict[str, str | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: (term, file): the root's data files and saved queries that use a removed, renamed or
    #: deprecated term.
    uses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        """The breaking changes."""
        return [c for c in self.changes if c.kind == "breaking"]

    def fails(self, fail_on: str) -> bool:
        """Whether the diff fails ``--fail-on``: ``breaking`` when a change is breaking, ``any``
        when anything changed, ``none`` never."""
        if fail_on not in FAIL_ON:
            raise InputError(f"--fail-on: '{fail_on}' is not one of {', '.join(FAIL_ON)}")
        return {"breaking": bool(self.breaking), "any": not self.empty, "none": False}[fail_on]

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
        lines.append(
            f"{len(self.breaking)} breaking change(s), "
            f"{len(self.changes) - len(self.breaking)} additive" + ("." if md else "")
        )
        for warning in self.warnings:
            lines.append(f"Warning: {warning}")
        for kind in ("breaking", "additive"):
            group = [c for c in self.changes if c.kind == kind]
            if group:
                lines.extend(["", f"## {kind.capitalize()}" if md else f"{kind.capitalize()}:"])
            for c in group:
                who = f"{c.label} ({c.term}): " if c.term else ""
                lines.append(f"- {who}{c.what}" if md else f"  {who}{c.what}")
        if self.renamed:
            lines.extend(["", "## Renamed" if md else "Renamed:"])
            for r in self.renamed:
                text = f"{r.label}: {r.old} -> {r.new} ({r.found_by})"
                lines.append(f"- {text}" if md else f"  {text}")
        if self.uses:
            lines.extend(
                ["", "## Still used" if md else "Still used (removed, renamed or deprecated):"]
            )
            for term, where in self.uses:
                lines.append(f"- {term} in {where}" if md else f"  {term} in {where}")

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


def _describe(graph: rdflib.Graph, term: rdflib.term.Node) -> set[tuple[str, str]]:
    return {(compact_iri(str(p)), show_node(graph, o)) for p, o in graph.predicate_objects(term)}


def _label(graph: rdflib.Graph, term: rdflib.term.Node) -> str:

    return english_label(graph, term) or compact_iri(str(term))


def _anonymous_axioms(graph: rdflib.Graph) -> set[str]:
    """Blank-node subjects that no other statement points to: axioms about no one term."""
    pointed = {o for o in graph.objects() if isinstance(o, rdflib.BNode)}
    return {
        show_node(graph, s)
        for s in set(graph.subjects())
        if isinstance(s, rdflib.BNode) and s not in pointed
    }


def diff(old: rdflib.Graph, new: rdflib.Graph, root: Path | None = None) -> OntologyDiff:
    """The differences between two versions of an ontology, classed; with ``root``, the data
    files and saved queries there that use a removed, renamed or deprecated term."""

    def terms(graph: rdflib.Graph) -> set[rdflib.term.Node]:
        return {s for s in graph.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}

    old_terms, new_terms = terms(old), terms(new)

    def label(term: rdflib.term.Node) -> str:
        return _label(new, term) if term in new_terms else _label(old, term)

    def order(term: rdflib.term.Node) -> tuple[str, str]:
        return (label(term).lower(), str(term))

    added = [
        TermChange(compact_iri(str(t)), label(t), added=sorted(_describe(new, t)))
        for t in sorted(new_terms - old_terms, key=order)
    ]
    removed = [
        TermChange(compact_iri(str(t)), label(t), removed=sorted(_describe(old, t)))
        for t in sorted(old_terms - new_terms, key=order)
    ]
    changed = []
    for t in sorted(old_terms & new_terms, key=order):
        before, after = _describe(old, t), _describe(new, t)
        if before != after:
            changed.append(
                TermChange(
                    compact_iri(str(t)),
                    label(t),
                    added=sorted(after - before),
                    removed=sorted(before - after),
                )
            )
    old_axioms, new_axioms = _anonymous_axioms(old), _anonymous_axioms(new)
    axioms_added, axioms_removed = sorted(new_axioms - old_axioms), sorted(old_axioms - new_axioms)
    changes, renamed = classify(old, new, old_terms, new_terms, axioms_added, axioms_removed)
    # a rename found by its definition is shown as one, not as a removal and an addition
    moved = {r.old for r in renamed if r.found_by == "same definition"}
    moved_to = {r.new for r in renamed if r.found_by == "same definition"}
    removed = [c for c in removed if c.term not in moved]
    added = [c for c in added if c.term not in moved_to]
    versions = {"old": version(old), "new": version(new)}
    warnings = []
    if changes and versions["old"] == versions["new"]:
        info, iri = versions["new"]["versionInfo"], versions["new"]["versionIRI"]
        warnings.append(
            f"the version was not bumped: owl:versionInfo {info or '(none)'} and "
            f"owl:versionIRI {iri or '(none)'} are unchanged although the ontology changed"
        )
    used = uses(root, gone_terms(old, new, old_terms)) if root is not None else []
    return OntologyDiff(
        added,
        removed,
        changed,
        axioms_added,
        axioms_removed,
        changes,
        renamed,
        versions,
        warnings,
        used,
    )


def read_version(source: str | Path, root: Path | None) -> rdflib.Graph:
    """One version of the ontology: a file (any format hkit reads), else, with a root, a git
    ref whose ``ontology/hkit.ttl`` is read from the root's repository."""
    path = Path(source)
    if path.is_file():
        return load_rdflib([path])
    if root is None:
        raise InputError(f"{path}: no such file")
    return ontology_at(root, str(source))


def diff_files(old: str | Path, new: str | Path, root: Path | None = None) -> OntologyDiff:
    """Compare two versions, each a file or (with a root) a git ref."""
    return diff(read_version(old, root), read_version(new, root), root)
