"""The claims ledger (data/claims.tsv): every sentence of every source document has a row,
naming the nodes that encode its claims or giving a reason of the closed list why it has none
(see data/claims.md). The rule and the checks are hkit's own (hkit.quality.sentences,
hkit.quality.ledger: the ledger gate of hkit check); tests/test_ledger.py tests them on
fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT

from hkit.quality.ledger import COLUMNS, LEDGER, GraphFacts, check_ledger, read_ledger, row_findings
from hkit.quality.sentences import split_sentences
from hkit.store.files import graph_files

SOURCES = Path(os.environ.get("HKIT_SOURCES", ROOT.parent / "shared" / "sources"))

needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"the source documents are not at {SOURCES}"
)


def test_split_sentences_keeps_names_and_quotations_whole():
    text = (
        "Backed by Nobel Laureate Sir Michael Houghton and Dr. Robert J. Spiegel. Their support "
        "matters.\n\n"
        "\u201cHong Kong is a hub,\u201d says Prof. Nancy Ip. \u201cIt grows.\u201d She adds "
        "more.\n"
        "Mr. Lee met Ms. Chan at St. Paul vs. the rest, e.g. Acme Co. Ltd. and Beta Corp. "
        "Inc. No. 5 won.\n"
        "It said \u201cthe city is an ideal place\u201d. 30 firms came! Why? Nobody   knows.\n"
        "A heading without a full stop\n"
        "  \n"
        "He was \u201cready.\u201d Then he left. i.e. nothing. Prices rose 0.5 per cent.\n"
    )
    assert split_sentences(text) == [
        "Backed by Nobel Laureate Sir Michael Houghton and Dr. Robert J. Spiegel.",
        "Their support matters.",
        "\u201cHong Kong is a hub,\u201d says Prof. Nancy Ip.",
        "\u201cIt grows.\u201d",
        "She adds more.",
        "Mr. Lee met Ms. Chan at St. Paul vs. the rest, e.g. Acme Co. Ltd. and Beta Corp. "
        "Inc. No. 5 won.",
        "It said \u201cthe city is an ideal place\u201d.",
        "30 firms came!",
        "Why?",
        "Nobody knows.",
        "A heading without a full stop",
        "He was \u201cready.\u201d",
        "Then he left. i.e. nothing.",
        "Prices rose 0.5 per cent.",
    ]


def test_ledger_header_and_columns():
    with (ROOT / LEDGER).open(encoding="utf-8", newline="") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        assert header == list(COLUMNS)
        for n, line in enumerate(fh, start=2):
            assert line.endswith("\n"), f"line {n}: no newline at the end"
            assert len(line.rstrip("\n").split("\t")) == len(COLUMNS), f"line {n}: not 4 columns"


def test_every_row_holds_without_the_documents():
    """What needs no document: nodes or a reason of the list in every row, every node existing
    and citing the row's document, a document node for every document."""
    rows, problems = read_ledger(ROOT / LEDGER)
    problems += row_findings(rows, GraphFacts(graph_files(ROOT)))
    assert len(rows) > 250
    assert not problems, "\n".join(map(str, problems))


@needs_sources
def test_every_sentence_of_every_document_has_nodes_or_a_reason():
    report = check_ledger(ROOT, graph_files(ROOT), SOURCES)
    assert report.passed, "\n".join(map(str, report.failures))
    assert {d.name for d in report.documents} == {p.name for p in SOURCES.glob("*.txt")}
    assert sum(d.sentences for d in report.documents) == len(read_ledger(ROOT / LEDGER)[0])
