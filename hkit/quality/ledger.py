"""The claims ledger, ``data/claims.tsv``: one row for every sentence of every source document,
naming the nodes that encode its claims or giving, from a closed list, the reason it has none
(``data/claims.md``).

:func:`check_ledger` reports, document by document, every sentence with neither nodes nor a
reason, every reason that is not of the list, every row whose sentence is no longer in its
document, and every node that does not exist or does not cite the row's document; it is the
``ledger`` gate of ``hkit check`` and ``hkit ledger``. A new document's sentences become rows to
fill with hkit.quality.ledger_add (``hkit ledger --add``).

The documents are not in the repository: they are read from a folder of their own
(:func:`sources_folder`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from hkit.core import vocab
from hkit.core.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError
from hkit.core.formats import Report
from hkit.quality.sentences import collapse, numbered, read_document
from hkit.store.stores import load_store

LEDGER = Path("data/claims.tsv")
COLUMNS = ("source", "sentence", "nodes", "reason")
#: Environment variable: the folder of the source documents.
ENV_SOURCES = "HKIT_SOURCES"
#: What the ledger gate and ``hkit ledger`` say when the documents cannot be found.
NO_SOURCES = "the source documents are not available: give --sources DIR or set HKIT_SOURCES"
#: The prefixes a row's nodes may use.
PREFIXES = {"id": vocab.ID, "hkit": vocab.HKIT}
#: A document's file name, as the shapes allow it (hkit:fileName).
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.txt")

_FILE_NAME_IRI = vocab.HKIT + "fileName"
_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"


class Kind(NamedTuple):
    """A kind of reason: its name (``N`` stands for a sentence's number), whether a detail
    (``kind: detail``) must follow it, what it is for, and a reason of the kind, for the docs."""

    name: str
    detail_required: bool
    means: str
    example: str


#: The closed list of reasons a sentence may have no nodes for (data/claims.md lists it too).
KINDS = (
    Kind(
        "heading",
        False,
        "a title, section heading, standfirst or byline with nothing to encode, or a line of one "
        "broken over lines",
        "heading: line 1 of 2 of the section heading 'ACADEMIC PROWESS'",
    ),
    Kind(
        "navigation",
        False,
        "a link to another article ('READ MORE', 'ALSO READ')",
        "navigation: a 'READ MORE' link to another article",
    ),
    Kind(
        "page furniture",
        False,
        "what the page carries around the document: sign-in links, date lines, an aggregator's "
        "company card, a platform's blurb, contact lines, scroll prompts",
        "page furniture: the platform's 'Sign in' link",
    ),
    Kind(
        "photo caption",
        False,
        "a caption or an image's placeholder with nothing to encode",
        "photo caption: an image's placeholder text",
    ),
    Kind(
        "pull quote",
        False,
        "display text quoting what no node records",
        "pull quote: an opinion no node records",
    ),
    Kind(
        "repeat of sentence N",
        False,
        "a near-repeat, with nothing new, of sentence N of the same document (counting its "
        "distinct sentences from 1), which has nodes or a reason of its own and is no repeat",
        "repeat of sentence 3: adds 'such'",
    ),
    Kind(
        "evaluation with nothing to check",
        False,
        "praise, an opinion or a forecast that no other source could confirm or refute",
        "evaluation with nothing to check: a forecast of the InnoPARKs' effect",
    ),
    Kind(
        "general statement with nothing checkable",
        False,
        "a statement naming no entity, figure or date that a triple could hold; a transition",
        "general statement with nothing checkable: the aims of the incentives",
    ),
    Kind(
        "not encoded",
        True,
        "a checkable claim that no node encodes yet (the detail says which): work to do, "
        "reported by the gate without failing it, with or without nodes for the sentence's "
        "other claims",
        "not encoded: the month in which the measures were promulgated",
    ),
)

NOT_ENCODED = "not encoded"
REPEAT = "repeat of sentence N"
_REPEAT = re.compile(r"repeat of sentence ([1-9][0-9]*)")


class Reason(NamedTuple):
    """A reason, read: its kind's name, the sentence it repeats (``repeat of sentence N``), and
    its detail."""

    kind: str
    number: int | None
    detail: str


def parse_reason(text: str) -> Reason:
    """A reason of the closed list, as ``kind`` or ``kind: detail``; anything else is a
    ValueError saying what is wrong.

    >>> parse_reason("repeat of sentence 12: adds 'such'")
    Reason(kind='repeat of sentence N', number=12, detail="adds 'such'")
    >>> parse_reason("opinion")
    Traceback (most recent call last):
    ValueError: 'opinion' is not a reason of the closed list (see hkit ledger --help)
    """
    head, colon, detail = text.partition(":")
    head, detail = head.strip(), detail.strip()
    repeat = _REPEAT.fullmatch(head)
    name = REPEAT if repeat else head
    kind = next((k for k in KINDS if k.name == name), None)
    if kind is None:
        shown = head if len(head) <= 50 else head[:49] + "…"
        raise ValueError(f"'{shown}' is not a reason of the closed list (see hkit ledger --help)")
    if colon and not detail:
        raise ValueError(f"'{head}:' has an empty detail (give one, or leave out the colon)")
    if kind.detail_required and not detail:
        raise ValueError(f"'{head}' needs a detail: '{head}: ...'")
    return Reason(kind.name, int(repeat.group(1)) if repeat else None, detail)


def sources_folder(root: Path, given: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the source documents: ``given``, else ``HKIT_SOURCES``, else the folder
    ``shared/sources`` beside the root (where a checkout keeps them)."""
    chosen = given or os.environ.get(ENV_SOURCES)
    return Path(chosen).expanduser() if chosen else root.parent / "shared" / "sources"


# -------------------------------------------------------------------------------------------------
# The rows, and what is found in them
# -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the ledger, with its line number in the file."""

    line: int
    source: str
    sentence: str
    nodes: tuple[str, ...]
    reason: str


#: What a finding is: a sentence to fill in and a problem fail the gate; a claim not encoded is
#: work to do, reported without failing it.
TO_FILL, PROBLEM, TO_DO = "to fill", "problem", "not encoded"


@dataclass(frozen=True)
class Finding:
    """Something the ledger check found about a document, a sentence or a row."""

    source: str
    what: str  # TO_FILL, PROBLEM or TO_DO
    message: str
    number: int | None = None  # the sentence's number in its document
    line: int | None = None  # the row's line in the ledger
    sentence: str = ""

    def __str__(self) -> str:
        where = self.source + (f" sentence {self.number}" if self.number else "")
        where += f" ({LEDGER.name} line {self.line})" if self.line else ""
        shown = self.sentence if len(self.sentence) <= 70 else self.sentence[:69] + "…"
        return f"{where}: {self.message}" + (f": \u201c{shown}\u201d" if shown else "")


def read_ledger(path: Path) -> tuple[list[Row], list[Finding]]:
    """The rows of a ledger file, and a finding for each line that is not a row (a missing file
    has no rows)."""
    if not path.is_file():
        return [], []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    lines = text.split("\n")
    rows: list[Row] = []
    findings: list[Finding] = []
    if lines[0].split("\t") != list(COLUMNS):
        findings.append(Finding(path.name, PROBLEM, f"line 1 is not '{chr(9).join(COLUMNS)}'"))
    if text and not text.endswith("\n"):
        findings.append(Finding(path.name, PROBLEM, f"line {len(lines)} has no newline at its end"))
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            findings.append(
                Finding(path.name, PROBLEM, f"line {number} has {len(cells)} columns, not 4")
            )
            continue
        source, sentence, nodes, reason = cells
        rows.append(Row(number, source, sentence, tuple(nodes.split()), reason.strip()))
    return rows, findings


class GraphFacts:
    """What the ledger check asks of the graph: which document node has a file name, whether a
    node exists, whether it cites a document (``prov:wasDerivedFrom``)."""

    def __init__(self, files: list[Path]) -> None:
        import pyoxigraph  # the store's library: not on the start-up path

        self._node = pyoxigraph.NamedNode
        self.store = load_store(files)
        self.documents: dict[str, str] = {}
        for quad in self.store.quads_for_pattern(None, self._node(_FILE_NAME_IRI), None):
            if isinstance(quad.subject, pyoxigraph.NamedNode):
                self.documents[quad.object.value] = quad.subject.value

    def _any(self, *pattern: Any) -> bool:
        return next(iter(self.store.quads_for_pattern(*pattern)), None) is not None

    def exists(self, iri: str) -> bool:
        """Whether the graph says anything about ``iri``."""
        return self._any(self._node(iri), None, None)

    def cites(self, iri: str, document: str) -> bool:
        """Whether ``iri`` is the document's node or is derived from it."""
        node, cited = self._node(iri), self._node(document)
        return iri == document or self._any(node, self._node(_DERIVED_FROM), cited)


def _node_findings(row: Row, facts: GraphFacts) -> list[Finding]:
    """A row's nodes that are not id: or hkit: names, that do not exist, or (id: nodes) that do
    not cite the row's document."""
    findings = []
    document = facts.documents.get(row.source)
    for name in row.nodes:
        prefix, _, local = name.partition(":")
        problem = None
        if prefix not in PREFIXES or not local or re.search(r"[<>\"{}|^`\\]", local):
            problem = f"{name} is not an id: or hkit: name"
        elif not facts.exists(PREFIXES[prefix] + local):
            problem = f"no node {name}"
        elif prefix == "id" and document and not facts.cites(PREFIXES[prefix] + local, document):
            problem = f"{name} does not cite {row.source}"
        if problem:
            findings.append(Finding(row.source, PROBLEM, problem, line=row.line))
    return findings


def row_findings(rows: list[Row], facts: GraphFacts) -> list[Finding]:
    """What can be found without the documents: rows with neither nodes nor a reason, or with
    both; reasons not of the closed list; nodes that do not exist or do not cite the document;
    documents with no node of that file name."""
    findings = []
    for row in rows:
        if not row.nodes and not row.reason:
            findings.append(
                Finding(
                    row.source, TO_FILL, "neither nodes nor a reason", None, row.line, row.sentence
                )
            )
        elif row.reason:
            try:
                reason = parse_reason(row.reason)
            except ValueError as exc:
                findings.append(Finding(row.source, PROBLEM, str(exc), line=row.line))
            else:
                if row.nodes and reason.kind != NOT_ENCODED:
                    message = f"nodes and a reason '{reason.kind}' (only '{NOT_ENCODED}' has both)"
                    findings.append(Finding(row.source, PROBLEM, message, line=row.line))
                elif reason.kind == NOT_ENCODED:
                    findings.append(
                        Finding(row.source, TO_DO, reason.detail, None, row.line, row.sentence)
                    )
        findings += _node_findings(row, facts)
    for source in dict.fromkeys(row.source for row in rows):
        if source not in facts.documents:
            message = "no document node has this hkit:fileName (add one to data/sources.ttl)"
            findings.append(Finding(source, PROBLEM, message))
    return findings


def _parsed(text: str) -> Reason | None:
    """The reason, or None when there is none or it is not of the list (found elsewhere)."""
    try:
        return parse_reason(text) if text else None
    except ValueError:
        return None


# -------------------------------------------------------------------------------------------------
# The documents, sentence by sentence
# -------------------------------------------------------------------------------------------------


@dataclass
class DocumentCount:
    """How a document's sentences stand in the ledger."""

    name: str
    sentences: int = 0
    nodes: int = 0
    reason: int = 0
    not_encoded: int = 0
    to_fill: int = 0


def _repeat_finding(
    name: str, row: Row, number: int, reason: Reason, rows: dict[int, Row], total: int
) -> Finding | None:
    """What is wrong with a ``repeat of sentence N``: N is not a sentence of the document, is
    the sentence itself, has neither nodes nor a reason, or is itself a repeat."""
    target = rows.get(reason.number or 0)
    pointed = _parsed(target.reason) if target is not None else None
    if reason.number is None:
        return None
    if reason.number > total:
        problem = f"repeats sentence {reason.number}, but the document has {total}"
    elif reason.number == number:
        problem = "repeats itself"
    elif target is None or not (target.nodes or target.reason):
        problem = f"repeats sentence {reason.number}, which has neither nodes nor a reason"
    elif pointed is not None and pointed.number is not None:
        problem = (
            f"repeats sentence {reason.number}, itself a repeat: name sentence {pointed.number}"
        )
    else:
        return None
    return Finding(name, PROBLEM, problem, number, row.line)


def _document_findings(
    name: str, text: str, rows: list[Row]
) -> tuple[list[Finding], DocumentCount, dict[int, int]]:
    """A document's sentences against its rows: every sentence with no row or an empty one,
    every row that is not one of its sentences, a second row for a sentence, a repeat that
    names the wrong sentence; its counts; each row's sentence number, by line."""
    numbers = numbered(text)
    count = DocumentCount(name, len(numbers))
    findings: list[Finding] = []
    if not rows:
        findings.append(Finding(name, PROBLEM, "not in the ledger: add it with hkit ledger --add"))
    by_sentence: dict[str, Row] = {}
    line_numbers: dict[int, int] = {}
    whole = collapse(text)
    for row in rows:
        number = numbers.get(row.sentence)
        if number is None:
            problem = (
                "not a sentence by the rule" if row.sentence in whole else "not in the document"
            )
            findings.append(Finding(name, PROBLEM, problem, None, row.line, row.sentence))
            continue
        line_numbers[row.line] = number
        first = by_sentence.setdefault(row.sentence, row)
        if first is not row:
            problem = f"a second row for this sentence (the first is line {first.line})"
            findings.append(Finding(name, PROBLEM, problem, number, row.line))
    by_number = {numbers[sentence]: row for sentence, row in by_sentence.items()}
    for sentence, number in numbers.items():
        found = by_sentence.get(sentence)
        reason = _parsed(found.reason) if found is not None else None
        if found is None:
            findings.append(Finding(name, TO_FILL, "no row", number, None, sentence))
            count.to_fill += 1
        elif reason is not None and reason.kind == NOT_ENCODED:
            count.not_encoded += 1
        elif found.nodes:
            count.nodes += 1
        elif found.reason:
            count.reason += 1
        else:
            count.to_fill += 1
        if found is not None and reason is not None:
            repeat = _repeat_finding(name, found, number, reason, by_number, len(numbers))
            findings += [repeat] if repeat else []
    return findings, count, line_numbers


class LedgerReport(Report):
    """The ledger against the documents and the graph (what ``hkit ledger`` prints, and the
    ``ledger`` gate): each document's counts, and every finding."""

    report = "ledger"

    def __init__(self, documents: list[DocumentCount], findings: list[Finding]) -> None:
        self.documents = documents
        self.findings = findings

    @property
    def failures(self) -> list[Finding]:
        """The findings that fail the ledger: sentences to fill, and problems."""
        return [f for f in self.findings if f.what != TO_DO]

    @property
    def to_do(self) -> list[Finding]:
        """The claims not encoded yet: reported, not failing."""
        return [f for f in self.findings if f.what == TO_DO]

    @property
    def passed(self) -> bool:
        """Whether every sentence has nodes or a reason of the list, and every row holds."""
        return not self.failures

    @property
    def exit_code(self) -> int:
        """1 when the ledger fails, else 0."""
        return EXIT_OK if self.passed else EXIT_CHECK_FAILED

    @property
    def summary(self) -> str:
        """One line: the documents, their sentences, and how they stand."""
        total = sum(d.sentences for d in self.documents)
        with_nodes = sum(d.nodes for d in self.documents)
        with_reason = sum(d.reason for d in self.documents)
        not_encoded = sum(d.not_encoded for d in self.documents)
        to_fill = sum(d.to_fill for d in self.documents)
        return (
            f"{len(self.documents)} documents, {total} sentences: {with_nodes} with nodes, "
            f"{with_reason} with a reason, {not_encoded} not encoded, {to_fill} to fill"
        )

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "passed": self.passed,
            "documents": [vars(d) for d in self.documents],
            "findings": [
                {
                    "document": f.source,
                    "kind": f.what,
                    "sentence_number": f.number,
                    "line": f.line,
                    "message": f.message,
                    "sentence": f.sentence,
                }
                for f in self.findings
            ],
        }

    def as_text(self) -> str:
        """A table of the documents' counts, then the findings by kind."""
        header = ("document", "sentences", "nodes", "reason", "not encoded", "to fill")
        rows = [
            (d.name, *map(str, (d.sentences, d.nodes, d.reason, d.not_encoded, d.to_fill)))
            for d in self.documents
        ]
        totals = [sum(int(row[i]) for row in rows) for i in range(1, 6)]
        table = [header, tuple("-" * len(h) for h in header), *rows, ("total", *map(str, totals))]
        widths = [max(len(row[i]) for row in table) for i in range(6)]
        table[1] = tuple("-" * w for w in widths)
        lines = [
            "  ".join(
                [row[0].ljust(widths[0])]
                + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            )
            for row in table
        ]
        for what, title in (
            (TO_FILL, "to fill"),
            (PROBLEM, "problems"),
            (TO_DO, "not encoded, work to do"),
        ):
            found = [f for f in self.findings if f.what == what]
            if found:
                lines += ["", f"{title} ({len(found)}):", *(f"  {f}" for f in found)]
        if not self.findings:
            lines += ["", "every sentence has nodes or a reason of the list"]
        return "".join(line + "\n" for line in lines)


def check_ledger(root: Path, files: list[Path], sources: Path) -> LedgerReport:
    """The ledger of ``root`` against the documents in ``sources`` and the graph of ``files``
    (the ontology, the data and any others)."""
    if not sources.is_dir():
        raise InputError(NO_SOURCES)
    rows, findings = read_ledger(root / LEDGER)
    findings += row_findings(rows, GraphFacts(files))
    names = {p.name for p in sources.glob("*.txt") if p.is_file()} | {r.source for r in rows}
    counts: list[DocumentCount] = []
    line_numbers: dict[int, int] = {}
    for name in sorted(names):
        mine = [row for row in rows if row.source == name]
        if not (sources / name).is_file():
            message = f"not in the source documents folder ({len(mine)} rows name it)"
            findings.append(Finding(name, PROBLEM, message))
            continue
        try:
            text = read_document(sources / name)
        except InputError as exc:
            findings.append(Finding(name, PROBLEM, exc.message))
            continue
        found, count, numbers = _document_findings(name, text, mine)
        findings += found
        counts.append(count)
        line_numbers.update(numbers)
    findings = [
        replace(f, number=line_numbers[f.line])
        if f.number is None and f.line in line_numbers
        else f
        for f in findings
    ]
    findings.sort(key=lambda f: (f.source, f.number or 0, f.line or 0))
    return LedgerReport(counts, findings)
