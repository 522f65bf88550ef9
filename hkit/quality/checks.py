"""Quality gates: SPARQL violation checks, and ``hkit check``, which runs every gate.

A violation check is a SELECT query in ``queries/checks/<name>-violation.rq`` whose every row is a
problem (an empty result means the check holds), in the manner of ROBOT ``verify`` and ODK's
``SPARQL_VALIDATION_CHECKS``. Its header gives a ``#+ summary:`` and a ``#+ message:``, a template
in which ``{variable}`` stands for that variable's value in the row.

Checks run on the embedded engine over a store laid out as follows:

- the default graph: the ontology, the data and the user's ``--data`` files (what saved queries
  see);
- the named graph ``<https://w3id.org/hkit/ontology>``: the ontology alone, so that a check can
  tell what the ontology declares from what the data says;
- the named graph ``<urn:hkit:saved-queries>``: for every saved query and check, a node with
  ``<urn:hkit:file>`` (its file name) and ``<urn:hkit:uses>`` (each IRI its SPARQL mentions).

Reviewed exceptions live in ``queries/checks/allowed.tsv`` (check, entity, reason): a finding
about an allowed entity is reported as allowed and does not fail the check; an allowance that no
longer matches a finding is reported, so the list cannot go stale.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from hkit.core import vocab
from hkit.core.catalog import read_header
from hkit.core.errors import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    HkitError,
    InputError,
    QueryError,
)
from hkit.core.formats import Report
from hkit.core.sparql import check_query, iris_in
from hkit.core.vocab import compact, expand
from hkit.quality.ledger import NO_SOURCES, check_ledger, sources_folder
from hkit.quality.release import version_problems
from hkit.store.attribution import ATTRIBUTION_FILE, EDITORIAL, attribute
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import ONTOLOGY, QUERIES_DIR, SHAPES, graph_files
from hkit.store.rdf import _oxigraph_format, base_iri, load_rdflib, strict_parse
from hkit.store.stores import load_store

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.store.engines import Engine

CHECKS_DIR = Path("queries/checks")
ALLOWED_FILE = "allowed.tsv"
SAVED_QUERIES_GRAPH = "urn:hkit:saved-queries"
USES = "urn:hkit:uses"
FILE = "urn:hkit:file"
_TEMPLATE_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Check:
    """One violation check."""

    name: str
    path: Path
    summary: str
    message: str
    description: str
    text: str


@dataclass(frozen=True)
class Finding:
    """One row of a violation check: a problem, or an allowed exception."""

    check: str
    entity: str
    message: str
    allowed: str | None = None  # the reason, when the entity is on the allowed list


@dataclass
class CheckOutcome:
    """What one check found."""

    check: Check
    findings: list[Finding]
    seconds: float

    @property
    def failures(self) -> list[Finding]:
        """The findings that are not allowed exceptions."""
        return [f for f in self.findings if f.allowed is None]


# -------------------------------------------------------------------------------------------------
# Reading checks
# -------------------------------------------------------------------------------------------------


def read_check(path: Path) -> Check:
    """Read one ``*-violation.rq`` file and its header."""

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read ({exc})") from exc
    meta = read_header(text, str(path))
    missing = [key for key in ("summary", "message") if not meta.get(key)]
    if missing:
        raise QueryError(f"{path}: the header has no '#+ {missing[0]}:' line")
    check_query(text, f"check '{path.stem}'")
    if not re.search(r"^\s*SELECT\b", text, re.I | re.M):
        raise QueryError(f"{path}: a violation check is a SELECT query")
    return Check(
        name=path.stem.removesuffix("-violation"),
        path=path,
        summary=str(meta["summary"]),
        message=str(meta["message"]),
        description=str(meta.get("description", "")),
        text=text,
    )


def read_checks(directory: Path) -> list[Check]:
    """Every violation check in a folder, by name."""
    if not directory.is_dir():
        raise InputError(f"no violation checks: {directory} is not a folder")
    return [read_check(p) for p in sorted(directory.glob("*-violation.rq"))]


def read_reasons(path: Path, what: str = "entity") -> list[tuple[int, str, str, str]]:
    """The rows of a reviewed list (``check<TAB>{what}<TAB>reason``, a header row, lines starting
    with # ignored) as (row number, check, IRI, reason); ``prefix:local`` names are expanded."""

    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    reasons = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or not all(cell.strip() for cell in row):
            raise InputError(f"{path}: row {number} is not 'check<TAB>{what}<TAB>reason'")
        check, name, reason = (cell.strip() for cell in row)
        reasons.append((number, check, expand(name), reason))
    return reasons


def read_allowed(directory: Path) -> dict[tuple[str, str], str]:
    """The reviewed exceptions: (check name, entity IRI) -> reason."""
    return {
        (check, entity): reason
        for _, check, entity, reason in read_reasons(directory / ALLOWED_FILE)
    }


# -------------------------------------------------------------------------------------------------
# The store the checks run on
# -------------------------------------------------------------------------------------------------


def query_iris(text: str, where: str = "the query") -> set[str]:
    """Every IRI a SPARQL query names, prefixed names resolved (see
    :func:`hkit.core.sparql.iris_in`, which reads the text by SPARQL's lexical rules); a query
    that is not a read-only query is an error naming ``where``."""

    check_query(text, where)
    return iris_in(text)


def saved_query_files(root: Path) -> list[Path]:
    """The saved queries and the violation checks of a root."""

    return sorted((root / QUERIES_DIR).glob("*.rq")) + sorted((root / CHECKS_DIR).glob("*.rq"))


def check_store(
    files: Iterable[Path], ontology: Path, queries: Iterable[Path]
) -> Any:  # a pyoxigraph.Store
    """A pyoxigraph store laid out for the checks (see the module's docstring)."""
    import pyoxigraph

    store = load_store(files)
    store.bulk_load(
        path=str(ontology),
        format=_oxigraph_format(ontology),
        base_iri=base_iri(ontology),
        to_graph=pyoxigraph.NamedNode(vocab.ONTOLOGY_IRI),
    )
    graph = pyoxigraph.NamedNode(SAVED_QUERIES_GRAPH)
    uses, file_ = pyoxigraph.NamedNode(USES), pyoxigraph.NamedNode(FILE)
    for path in queries:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read ({exc})") from exc
        node = pyoxigraph.BlankNode()
        store.add(pyoxigraph.Quad(node, file_, pyoxigraph.Literal(path.name), graph))
        for iri in sorted(query_iris(text, str(path))):
            try:
                term = pyoxigraph.NamedNode(iri)
            except ValueError:
                continue  # an IRI pyoxigraph cannot hold cannot be declared either
            store.add(pyoxigraph.Quad(node, uses, term, graph))
    return store


# -------------------------------------------------------------------------------------------------
# Running checks
# -------------------------------------------------------------------------------------------------


def render_message(template: str, row: dict[str, Any]) -> str:
    """The check's message with ``{variable}`` replaced by the row's values (IRIs compacted)."""

    def value(match: re.Match[str]) -> str:
        term = row.get(match.group(1))
        if term is None:
            return "(none)"
        return compact(term.value) if term.kind == "uri" else term.value

    return _TEMPLATE_VAR.sub(value, template)


def run_checks(
    engine: Engine,
    checks: list[Check],
    allowed: dict[tuple[str, str], str] | None = None,
    timeout: float | None = None,
) -> list[CheckOutcome]:
    """Run each check on ``engine``; every row is a finding, about the row's first value."""
    allowed = allowed or {}
    outcomes = []
    for check in checks:
        started = time.monotonic()
        try:
            result = engine.run(check.text, timeout)
        except HkitError as exc:
            raise type(exc)(f"check '{check.name}': {exc.message}", exc.hint) from exc
        findings = []
        for row in result.rows:
            first = next((row[v] for v in result.variables if v in row), None)
            entity = first.value if first is not None else ""
            findings.append(
                Finding(
                    check=check.name,
                    entity=entity,
                    message=render_message(check.message, row),
                    allowed=allowed.get((check.name, entity)),
                )
            )
        outcomes.append(CheckOutcome(check, findings, time.monotonic() - started))
    return outcomes


def stale_allowances(
    outcomes: list[CheckOutcome], allowed: dict[tuple[str, str], str]
) -> list[tuple[str, str]]:
    """Allowances that match no finding of a check that ran."""
    ran = {o.check.name for o in outcomes}
    used = {(f.check, f.entity) for o in outcomes for f in o.findings if f.allowed is not None}
    return sorted(key for key in allowed if key[0] in ran and key not in used)


# -------------------------------------------------------------------------------------------------
# hkit check: every gate
# -------------------------------------------------------------------------------------------------

PASS, FAIL, ERROR, SKIPPED = "pass", "FAIL", "ERROR", "skipped"


@dataclass
class GateResult:
    """One gate's verdict: ``count`` problems found, ``problems`` says what they are."""

    gate: str
    result: str
    count: int = 0
    seconds: float = 0.0
    summary: str = ""
    problems: list[str] = field(default_factory=list)


def _gate(gate: Gate, given: GateInput) -> GateResult:
    """Run one gate, timed; a gate that cannot run is an ERROR with hkit's one-line message."""
    started = time.monotonic()
    try:
        result = gate.run(given)
    except HkitError as exc:
        result = GateResult(gate.name, ERROR, summary=exc.message, problems=[exc.message])
    result.seconds = time.monotonic() - started
    return result


class GateInput(NamedTuple):
    """What every gate is given: the project root, the graph's files, the time limits, and the
    folder of the source documents (None: the ledger's default, hkit.quality.ledger)."""

    root: Path
    files: list[Path]
    query_timeout: float | None
    reasoner_timeout: float | None
    sources: Path | None = None


class Gate(NamedTuple):
    """One gate of ``hkit check``: its name, the standard or tool it checks against (its
    anchor), and the function that runs it."""

    name: str
    anchor: str
    run: Callable[[GateInput], GateResult]


#: The gates by name, in the order they run (the order in which they are registered below).
GATES: dict[str, Gate] = {}


def _register_gate(
    name: str, anchor: str
) -> Callable[[Callable[[GateInput], GateResult]], Callable[[GateInput], GateResult]]:
    def register(function: Callable[[GateInput], GateResult]) -> Callable[[GateInput], GateResult]:
        GATES[name] = Gate(name, anchor, function)
        return function

    return register


@_register_gate("parse", "RDF 1.1 syntaxes, parsed strictly by pyoxigraph")
def _parse_gate(given: GateInput) -> GateResult:

    problems, triples = [], 0
    for path in [given.root / SHAPES, *given.files]:
        try:
            triples += strict_parse(path)
        except HkitError as exc:
            problems.append(exc.message)
    summary = f"{len(given.files) + 1} files, {triples} triples"
    return GateResult("parse", FAIL if problems else PASS, len(problems), 0, summary, problems)


@_register_gate("shacl", "W3C SHACL, by pyshacl")
def _shacl_gate(given: GateInput) -> GateResult:
    from hkit.quality.slices import validate_files  # imports rdflib: not on the start-up path

    report = validate_files(given.files, load_rdflib([given.root / SHAPES]))
    problems = [
        f"{report.label(v.focus)}"
        + (f" <{compact(v.focus)}>" if v.focus in report.labels else "")
        + (f", {compact(v.path)}" if v.path else "")
        + f": {v.message}"
        + (f" (value: {compact(v.value)})" if v.value is not None else "")
        for v in report.violations
    ]
    failed = [v for v in report.violations if v.severity == "Violation"]
    summary = f"{len(report.violations)} results" if problems else "conforms"
    return GateResult("shacl", FAIL if failed else PASS, len(problems), 0, summary, problems)


@_register_gate("reason", "OWL 2 Direct Semantics, by HermiT")
def _reason_gate(given: GateInput) -> GateResult:
    from hkit.quality.reason import run_hermit  # imports rdflib: not on the start-up path

    timeout = {} if given.reasoner_timeout is None else {"timeout": given.reasoner_timeout}
    report = run_hermit(load_rdflib(given.files), **timeout)
    if not report.consistent:
        problems = ["the graph is inconsistent", *(f"cause: {c}" for c in report.clashes)]
        return GateResult("reason", FAIL, 1, 0, "inconsistent", problems)
    problems = [f"unsatisfiable class: {c}" for c in report.unsatisfiable]
    summary = (
        f"consistent; {len(report.memberships)} new memberships, "
        f"{len(report.subclasses)} new subclass axioms; {len(report.set_aside)} set aside"
    )
    return GateResult("reason", FAIL if problems else PASS, len(problems), 0, summary, problems)


@_register_gate("checks", "hkit's violation checks (queries/checks/*-violation.rq)")
def _checks_gate(given: GateInput) -> GateResult:

    checks_dir = given.root / CHECKS_DIR
    allowed = read_allowed(checks_dir)
    store = check_store(given.files, given.root / ONTOLOGY, saved_query_files(given.root))
    outcomes = run_checks(
        EmbeddedEngine(store), read_checks(checks_dir), allowed, given.query_timeout
    )
    problems = [f"{f.check}: {f.message}" for o in outcomes for f in o.failures]
    problems += [
        f"{ALLOWED_FILE}: the allowance for {entity} in '{check}' matches nothing; remove it"
        for check, entity in stale_allowances(outcomes, allowed)
    ]
    n_allowed = sum(len(o.findings) - len(o.failures) for o in outcomes)
    failing = sum(1 for o in outcomes if o.failures)
    summary = f"{len(outcomes)} checks, {failing} failing, {n_allowed} allowed"
    return GateResult("checks", FAIL if problems else PASS, len(problems), 0, summary, problems)


@_register_gate("ledger", "the claims ledger (data/claims.tsv) against the source documents")
def _ledger_gate(given: GateInput) -> GateResult:

    folder = sources_folder(given.root, given.sources)
    if not folder.is_dir():
        return GateResult("ledger", SKIPPED, summary=NO_SOURCES)
    report = check_ledger(given.root, given.files, folder)
    # a claim not encoded yet is listed as work to do, and does not fail the gate
    problems = [str(f) for f in report.failures]
    problems += [f"{f.what} (work to do): {f}" for f in report.to_do]
    result = PASS if report.passed else FAIL
    return GateResult("ledger", result, len(problems), 0, report.summary, problems)


@_register_gate("attribution", "which document states which triple (data/attribution.trig)")
def _attribution_gate(given: GateInput) -> GateResult:

    found = attribute(given.files)
    if found is None:
        return GateResult("attribution", SKIPPED, summary=f"no {ATTRIBUTION_FILE} beside the data")
    documents = {q.graph_name.value for q in found.quads} - {EDITORIAL}
    summary = f"{len(found.quads)} attributions to {len(documents)} documents and the editor"
    if found.problems:
        summary = f"{len(found.problems)} problems"
    result = FAIL if found.problems else PASS
    return GateResult("attribution", result, len(found.problems), 0, summary, found.problems)


@_register_gate("version", "the latest release in releases/, by graph isomorphism")
def _version_gate(given: GateInput) -> GateResult:

    summary, problems = version_problems(given.root)
    return GateResult("version", FAIL if problems else PASS, len(problems), 0, summary, problems)


def run_gates(
    root: Path,
    extra: Iterable[Path] = (),
    *,
    skip: Iterable[str] = (),
    query_timeout: float | None = None,
    reasoner_timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    sources: Path | None = None,
) -> list[GateResult]:
    """Run every gate of :data:`GATES` on the graph of ``root`` plus ``extra`` files (and the
    source documents in ``sources``, for the ledger); ``progress`` is told the name of each gate
    as it starts.

    The strict parse comes first; if any file fails it, the other gates cannot load the graph and
    are skipped.
    """

    skip = set(skip)
    given = GateInput(root, graph_files(root, extra), query_timeout, reasoner_timeout, sources)
    results: list[GateResult] = []
    for gate in GATES.values():
        if gate.name in skip:
            results.append(GateResult(gate.name, SKIPPED, summary="--skip"))
        elif results and results[0].gate == "parse" and results[0].result != PASS:
            results.append(GateResult(gate.name, SKIPPED, summary="a file does not parse"))
        else:
            if progress is not None:
                progress(gate.name)
            results.append(_gate(gate, given))
    return results


def exit_code(results: list[GateResult]) -> int:
    """1 if a gate failed, else 2 if a gate could not run, else 0."""
    if any(r.result == FAIL for r in results):
        return EXIT_CHECK_FAILED
    if any(r.result == ERROR for r in results):
        return EXIT_USAGE
    return EXIT_OK


class GateReport(Report):
    """The verdict of every gate that ran (what ``hkit check`` prints): the gates' results as
    data, the exit code they add up to, and ``render`` for text or JSON (the format registry's
    formats for ``check``)."""

    report = "check"

    def __init__(self, results: list[GateResult]) -> None:
        self.results = results

    @property
    def exit_code(self) -> int:
        """1 if a gate failed, else 2 if a gate could not run, else 0."""
        return exit_code(self.results)

    @property
    def passed(self) -> bool:
        """Whether every gate that ran passed."""
        return self.exit_code == EXIT_OK

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "passed": self.passed,
            "gates": [
                {
                    "gate": r.gate,
                    "result": r.result.lower(),
                    "count": r.count,
                    "seconds": round(r.seconds, 3),
                    "summary": r.summary,
                    "problems": r.problems,
                }
                for r in self.results
            ],
        }

    def as_text(self) -> str:
        """A summary table, then each gate's problems."""
        rows = [("gate", "result", "count", "time", "details")]
        rows += [
            (r.gate, r.result, str(r.count), f"{r.seconds:.2f} s", r.summary) for r in self.results
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = []
        for n, row in enumerate(rows):
            cells = "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True))
            lines.append(cells + "  " + row[4])
            if n == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
        for r in self.results:
            if r.problems:
                lines += ["", f"{r.gate}: {r.result}"]
                lines += [f"  {problem}" for problem in r.problems]
        return "".join(line + "\n" for line in lines)
