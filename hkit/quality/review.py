"""The ontology quality report (``hkit review``): its findings, the reviewed explanations
of them, and the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from hkit.core.errors import InputError
from hkit.core.formats import Report
from hkit.core.vocab import HKIT
from hkit.quality import review_axioms  # noqa: F401  (registers the checks of axioms)
from hkit.quality.checks import query_iris, read_reasons, saved_query_files
from hkit.quality.review_checks import CHECKS, Finding, Ontology
from hkit.quality.review_terms import MAPPINGS_FILE, Mapping, alignment, read_mappings
from hkit.store.files import ONTOLOGY, graph_files
from hkit.store.rdf import load_rdflib

SEVERITIES = ("error", "warn", "info")
NOTES_FILE = Path("ontology/review-notes.tsv")


@dataclass
class Review(Report):
    """All findings about an ontology, with its alignment: ``aligned`` counts the classes and
    properties logically aligned with a standard vocabulary, ``mapped`` those only mapped to one
    (SKOS matches, which reasoners ignore). ``render`` gives ``text``, ``md`` or ``json`` (the
    format registry's formats for ``review``)."""

    report = "review"

    findings: list[Finding]
    aligned: int = 0
    alignable: int = 0
    mapped: int = 0
    stale_notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        """The findings no reviewed note explains."""
        return [f for f in self.findings if f.explanation is None]

    def counts(self) -> dict[str, int]:
        """The open findings by severity."""
        return {s: sum(1 for f in self.open if f.severity == s) for s in SEVERITIES}

    def fails(self, fail_on: str) -> bool:
        """Whether a finding at ``fail_on`` or worse is open, or a note explains nothing."""
        worst = SEVERITIES.index(fail_on)
        return bool(self.stale_notes) or any(
            SEVERITIES.index(f.severity) <= worst for f in self.open
        )

    def as_dict(self) -> dict[str, object]:
        """The report as JSON: open and explained findings, stale notes, a summary."""
        return {
            "findings": [f.as_dict() for f in self.open],
            "explained": [f.as_dict() for f in self.findings if f.explanation is not None],
            "staleNotes": [{"check": c, "term": t} for c, t in self.stale_notes],
            "summary": {
                **self.counts(),
                "explained": len(self.findings) - len(self.open),
                "aligned": self.aligned,
                "alignable": self.alignable,
                "mapped": self.mapped,
            },
        }

    def _head(self) -> str:
        """The summary line: open findings by severity, explained ones, alignment and mappings."""
        counts = self.counts()
        share = self.aligned / self.alignable if self.alignable else 1.0
        return (
            f"{counts['error']} error(s), {counts['warn']} warning(s), {counts['info']} info; "
            f"{len(self.findings) - len(self.open)} explained in {NOTES_FILE}; "
            f"{self.aligned} of {self.alignable} classes and properties aligned ({share:.0%}), "
            f"{self.mapped} more only mapped"
        )

    def as_markdown(self) -> str:
        """The report as Markdown: the summary, a table of open findings, the explained ones."""
        lines = ["# hkit ontology review", "", self._head() + ".", ""]
        lines += ["| severity | check | term | label | message |", "|---|---|---|---|---|"]
        for f in self.open:
            lines.append(
                f"| {f.severity} | {f.check} | `{_md(f.term)}` | {_md(f.label)} | "
                f"{_md(f.message)} |"
            )
        explained = [f for f in self.findings if f.explanation is not None]
        if explained:
            lines += ["", "## Explained", "", "| check | term | reason |", "|---|---|---|"]
            lines += [
                f"| {f.check} | `{_md(f.term)}` | {_md(f.explanation or '')} |" for f in explained
            ]
        lines += ["", *(f"Stale note: {c} {t}" for c, t in self.stale_notes)]
        return "\n".join(lines).rstrip("\n") + "\n"

    def as_text(self) -> str:
        """The report for people: the summary, then the open findings by severity."""
        lines = [self._head()]
        for severity in SEVERITIES:
            group = [f for f in self.open if f.severity == severity]
            if not group:
                continue
            lines += ["", f"{severity.upper()} ({len(group)})"]
            for f in group:
                lines.append(f"  [{f.check}] {f.label} <{f.term}>: {f.message}")
        for check, term in self.stale_notes:
            lines.append(
                f"  [stale note] {NOTES_FILE} explains {check} for {term}, which no "
                "longer has that finding; remove the row"
            )
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def read_notes(path: Path) -> dict[tuple[str, str], str]:
    """Reviewed explanations: (check, term IRI or compact name) -> reason."""

    notes = {}
    for number, check, term, reason in read_reasons(path, "term"):
        if check not in CHECKS:
            raise InputError(f"{path}: row {number} names no check called '{check}'")
        notes[(check, term)] = reason
    return notes


def review(
    ontology: rdflib.Graph,
    data: rdflib.Graph | None = None,
    query_iris: dict[str, set[str]] | None = None,
    notes: dict[tuple[str, str], str] | None = None,
    namespace: str = HKIT,
    mappings: list[Mapping] | None = None,
) -> Review:
    """Review ``ontology`` (with the data, the IRIs each saved query uses and, when given, the
    mapping table's rows): run every check of :data:`CHECKS`, mark the findings that ``notes``
    explain, and list the notes that explain nothing."""
    o = Ontology(ontology, data, query_iris or {}, namespace)
    if mappings is not None:
        o.mappings, o.mappings_file = mappings, str(MAPPINGS_FILE)
    notes = notes or {}
    found = set()
    for check in CHECKS.values():
        for term, fields, *other in check.find(o):
            severity, template = other or (check.severity, check.message)
            f = o.finding(severity, check.name, term, template.format(**fields))
            found.add(f.explained(notes.get((f.check, f.term))))
    order = {name: i for i, name in enumerate(CHECKS)}
    findings = sorted(
        found,
        key=lambda f: (
            SEVERITIES.index(f.severity),
            order[f.check],
            f.label.lower(),
            f.term,
            f.message,
        ),
    )
    used = {(f.check, f.term) for f in findings}
    stale = sorted(key for key in notes if key not in used)
    alignable, aligned, mapped = alignment(o)
    return Review(findings, len(aligned), len(alignable), len(mapped), stale)


def review_root(root: Path, extra: Iterable[Path] = ()) -> Review:
    """Review the ontology of a project root, with its data, saved queries, notes and mapping
    table."""

    files = graph_files(root, extra)
    ontology = load_rdflib([root / ONTOLOGY])
    data = load_rdflib(files[1:])
    iris = {
        path.name: query_iris(path.read_text(encoding="utf-8"), str(path))
        for path in saved_query_files(root)
    }
    notes = read_notes(root / NOTES_FILE)
    return review(ontology, data, iris, notes, mappings=read_mappings(root / MAPPINGS_FILE))
