"""The format registry (hkit.core.formats) is the one place formats are declared: every consumer
reads it (the command line's choices and -o inference, the server's media types, negotiation and
OpenAPI document, export, Result.render and the reports), every renderer it names resolves, and a
format registered there reaches them with no other change."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

import hkit
import hkit.api
from hkit.cli.options import COMMANDS, choices_of
from hkit.core import formats
from hkit.core.answers import Result, Term
from hkit.core.errors import HkitError
from hkit.core.formats import (
    ANSWERS,
    EXPORT,
    GRAPH,
    REPORT,
    REPORTS,
    by_suffix,
    get,
    names,
    offered,
    output_format,
    plugins,
    register,
    render,
)
from hkit.present.explore import Description, Stats
from hkit.quality.checks import GateReport
from hkit.quality.diff import OntologyDiff
from hkit.quality.ledger import LedgerReport
from hkit.quality.reason import ReasonerReport
from hkit.quality.review import Review
from hkit.quality.validate import ValidationReport

#: Each report class, by its name in the registry.
REPORT_CLASSES = {
    cls.report: cls
    for cls in (
        Description,
        Stats,
        Review,
        OntologyDiff,
        ValidationReport,
        ReasonerReport,
        GateReport,
        LedgerReport,
    )
}
#: The method that gives each report format's content.
REPORT_METHODS = {"text": "as_text", "md": "as_markdown", "json": "as_dict", "ttl": "as_turtle"}

ROWS = Result(
    "SELECT",
    variables=["x", "n"],
    rows=[{"x": Term("uri", "https://w3id.org/hkit/id/hkust"), "n": Term("literal", "1")}],
)
TRIPLES = Result(
    "CONSTRUCT",
    triples=[
        (
            Term("uri", "https://w3id.org/hkit/id/hkust"),
            Term("uri", "http://www.w3.org/2000/01/rdf-schema#label"),
            Term("literal", "HKUST", lang="en"),
        )
    ],
)


@pytest.fixture
def registry(monkeypatch):
    """The registry, restored after the test: a test may register formats of its own."""
    monkeypatch.setattr(formats, "_REGISTRY", dict(formats._REGISTRY))
    return formats


# -- the declarations ------------


def test_every_registered_renderer_resolves():
    for f in plugins():
        assert callable(f.load()), f"{f.kind}:{f.name} -> {f.renderer}"


def test_names_are_unique_within_a_kind_and_each_kind_has_one_default():
    for kind in formats.KINDS:
        declared = [f.name for f in plugins(kind)]
        assert len(declared) == len(set(declared)), kind
        if kind == REPORT:
            for report in REPORTS:
                assert len(plugins(REPORT, report=report, default=True)) == 1, report
        else:
            assert len(plugins(kind, default=True)) == 1, kind


def test_a_media_type_asks_for_one_format_of_a_kind():
    for kind in (ANSWERS, GRAPH):
        asked = [
            media
            for f in plugins(kind)
            if f.served
            for media in (f.media_type.split(";")[0], *f.accepts)
        ]
        assert len(asked) == len(set(asked)) == len(offered(kind)), kind


def test_every_report_class_has_what_its_formats_need():
    assert set(REPORT_CLASSES) == set(REPORTS)
    for name, cls in REPORT_CLASSES.items():
        for fmt in names(REPORT, report=name):
            method = REPORT_METHODS[fmt]
            assert getattr(cls, method) is not getattr(formats.Report, method), (name, fmt)


def test_the_core_imports_nothing_else_of_hkit_even_inside_functions():
    """hkit/core is the bottom layer: Result.render reaches the renderers through the registry,
    not by importing hkit.present (the cycle core -> present is gone)."""
    for path in sorted((ROOT / "hkit" / "core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            elif isinstance(node, ast.Import):
                imported = [a.name for a in node.names]
            else:
                continue
            for module in imported:
                if module.startswith("hkit"):
                    assert module.startswith("hkit.core"), f"{path.name} imports {module}"


def test_a_bad_registration_is_refused(registry):
    with pytest.raises(ValueError, match="kind"):
        register("x", "pictures", "image/png", "json:dumps")
    with pytest.raises(ValueError, match="no report"):
        register("x", REPORT, "text/x", "json:dumps", reports=("nothing",))


# -- the command line ------------


def _format_option(command: str):
    return next(o for o in COMMANDS[command].options if o.dest == "fmt")


def test_the_choices_of_format_are_the_registry_s():
    expected = {
        "query": names(ANSWERS, GRAPH, command_line=True),
        "sparql": names(ANSWERS, GRAPH, command_line=True),
        "export": names(EXPORT, command_line=True),
        **{report: names(REPORT, report=report, command_line=True) for report in REPORTS},
    }
    for command, choices in expected.items():
        assert choices_of(_format_option(command)) == choices, command
    # as --help lists them, in their order
    assert expected["query"] == (
        "table",
        "csv",
        "tsv",
        "json",
        "xml",
        "md",
        "xlsx",
        "parquet",
        "turtle",
        "ntriples",
    )
    assert expected["export"] == ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
    assert expected["review"] == expected["diff"] == ("text", "md", "json")
    assert expected["validate"] == ("text", "json", "ttl")
    assert expected["check"] == ("text", "json")


def test_click_and_the_fast_lane_offer_the_registry_s_choices():
    import click

    from hkit.cli.fast import parse
    from hkit.cli.group import main

    query = COMMANDS["query"]
    for name in names(ANSWERS, GRAPH, command_line=True):
        values = parse(query.options, query.arguments, ["q", "--format", name])
        assert values is not None and values["fmt"] == name
    assert parse(query.options, query.arguments, ["q", "--format", "jsonld"]) is None
    for command in ("query", "export", "validate"):
        option = next(p for p in main.commands[command].params if p.name == "fmt")
        assert isinstance(option.type, click.Choice)
        assert tuple(option.type.choices) == choices_of(_format_option(command))


def test_an_output_file_s_suffix_asks_for_the_registry_s_format():
    assert by_suffix(ANSWERS, GRAPH) == {
        ".txt": "table",
        ".csv": "csv",
        ".tsv": "tsv",
        ".json": "json",
        ".srj": "json",
        ".xml": "xml",
        ".srx": "xml",
        ".md": "md",
        ".xlsx": "xlsx",
        ".parquet": "parquet",
        ".ttl": "turtle",
        ".nt": "ntriples",
    }
    assert by_suffix(EXPORT) == hkit.api.export_suffixes()
    assert by_suffix(EXPORT)[".json"] == "jsonld" and by_suffix(EXPORT)[".n3"] == "turtle"
    assert output_format(None, "out/rows.TSV", ANSWERS, GRAPH) == "tsv"
    assert output_format(None, "-", EXPORT) == "turtle"
    assert output_format(None, "rows", ANSWERS, GRAPH) == "table"  # no suffix: the default
    # a suffix the command does not write is refused, never written as its default
    for output, kinds, report in (
        ("graph.jsonld", (ANSWERS, GRAPH), None),  # the server's only
        ("report.ttl", (REPORT,), "review"),
        ("funds.html", (ANSWERS, GRAPH), None),
    ):
        with pytest.raises(HkitError, match="does not know what to write"):
            output_format(None, output, *kinds, report=report)
    assert output_format(None, "report.ttl", REPORT, report="validate") == "ttl"
    assert output_format("md", "report.json", REPORT, report="review") == "md"


def test_the_help_of_format_names_the_suffixes_it_infers_from():
    """The help is prose written by hand: it must name each format's usual suffix."""
    for command, kinds in (("query", (ANSWERS, GRAPH)), ("export", (EXPORT,))):
        help = _format_option(command).help
        for f in plugins(*kinds, command_line=True):
            if f.suffixes:
                assert f.suffixes[0] in help, (command, f.name)


def test_a_registered_format_reaches_the_command_line(tmp_path):
    """Adding a format is its declaration and its renderer: registered before the command line
    is built, it is a choice of --format (in both lanes), an -o suffix, and what hkit writes."""
    code = (
        "import sys\n"
        "from hkit.core import formats\n"
        "formats.register('commas', formats.ANSWERS, 'text/csv', 'hkit.present.results:to_csv', "
        "suffixes=('.commas',))\n"
        "from hkit.cli.fast import main\n"
        "main(sys.argv[1:])\n"
    )

    def hkit_with_commas(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code, "--root", str(ROOT), *args], capture_output=True
        )

    csv = hkit_with_commas("query", "universities", "--format", "csv")
    commas = hkit_with_commas("query", "universities", "--format", "commas")
    assert commas.returncode == 0, commas.stderr
    assert commas.stdout == csv.stdout and commas.stdout.count(b"\r\n") > 3
    out = tmp_path / "rows.commas"
    assert hkit_with_commas("query", "universities", "-o", str(out)).returncode == 0
    assert out.read_bytes() == csv.stdout
    clicked = hkit_with_commas("sparql", "ASK {}", "--format", "nothing")
    assert clicked.returncode == 2 and b"'commas'" in clicked.stderr


# -- the server ------------


def test_the_server_s_tables_are_the_registry_s_in_the_order_negotiation_needs():
    pytest.importorskip("starlette")
    from hkit.web import negotiation

    assert list(negotiation._TABULAR.items()) == [
        ("application/sparql-results+json", "json"),
        ("application/json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("application/xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("text/markdown", "md"),
        ("text/plain", "table"),
    ]
    assert list(negotiation._GRAPH.items()) == [
        ("text/turtle", "turtle"),
        ("application/n-triples", "ntriples"),
        ("application/ld+json", "jsonld"),
        ("text/plain", "ntriples"),  # after JSON-LD: a tie goes to the more specific type
    ]
    assert {
        f.name: f.media_type for kind in (ANSWERS, GRAPH) for f in plugins(kind) if f.served
    } == negotiation.MEDIA_TYPES
    assert negotiation.MEDIA_TYPES["table"] == "text/plain; charset=utf-8"
    assert negotiation.MEDIA_TYPES["jsonld"] == "application/ld+json"


@pytest.mark.parametrize(
    ("accept", "given", "tabular", "graph"),
    [
        (None, None, "json", "turtle"),
        ("*/*", None, "json", "turtle"),
        ("text/*", None, "csv", "turtle"),
        ("text/plain", None, "table", "ntriples"),
        ("application/json", None, "json", 406),
        ("application/xml;q=0.9, text/csv;q=0.9", None, "xml", 406),
        ("text/csv;q=0.5, application/sparql-results+xml", None, "xml", 406),
        ("application/ld+json, text/plain", None, "table", "jsonld"),
        ("text/plain, application/ld+json", None, "table", "jsonld"),
        ("text/plain, text/markdown", None, "md", "ntriples"),
        ("image/png", None, 406, 406),
        ("text/csv;q=0", None, 406, 406),
        ("not a media type", None, "json", "turtle"),
        ("image/png", "md", "md", "md"),
        (None, "table", "table", "table"),
        (None, "tsv", "tsv", 400),
        (None, "jsonld", 400, "jsonld"),
        (None, "html", 400, 400),
    ],
)
def test_negotiation_keeps_its_answers(accept, given, tabular, graph):
    pytest.importorskip("starlette")
    from hkit.web.errors import Refused
    from hkit.web.negotiation import _GRAPH, _TABULAR, negotiate

    for offered_types, expected in ((_TABULAR, tabular), (_GRAPH, graph)):
        if isinstance(expected, int):
            with pytest.raises(Refused) as refused:
                negotiate(accept, offered_types, given)
            assert refused.value.status == expected
        else:
            assert negotiate(accept, offered_types, given) == expected


def test_the_openapi_document_lists_the_registry_s_formats():
    pytest.importorskip("starlette")
    from hkit.web.openapi import openapi_document

    document = openapi_document(hkit.open(root=ROOT), "http://127.0.0.1:7878")
    tabular = [f for f in plugins(ANSWERS) if f.served]
    graph = [f for f in plugins(GRAPH) if f.served]
    by_rank = sorted(tabular, key=lambda f: f.served) + sorted(graph, key=lambda f: f.served)
    sparql = document["paths"]["/sparql"]["get"]
    fmt = next(p for p in sparql["parameters"] if p["name"] == "format")
    assert fmt["schema"]["enum"] == [f.name for f in by_rank]
    media = list(sparql["responses"]["200"]["content"])
    # and a GET with no query from a browser: the SPARQL editor's page
    assert media == [f.media_type.split(";")[0] for f in by_rank] + ["text/html"]
    posted = document["paths"]["/sparql"]["post"]["responses"]["200"]["content"]
    assert list(posted) == [f.media_type.split(";")[0] for f in by_rank]


# -- rendering ------------


def test_result_render_goes_through_the_registry():
    assert ROWS.render("csv") == "x,n\r\nhttps://w3id.org/hkit/id/hkust,1\r\n"
    assert ROWS.render() == render(ROWS, "table")
    assert json.loads(TRIPLES.render("jsonld"))[0]["@id"] == "https://w3id.org/hkit/id/hkust"
    assert TRIPLES.render("table") == TRIPLES.render("turtle")  # a graph in a row format
    assert TRIPLES.render("ntriples").startswith("<https://w3id.org/hkit/id/hkust> <http")
    with pytest.raises(HkitError, match="is for CONSTRUCT and DESCRIBE"):
        ROWS.render("jsonld")
    with pytest.raises(HkitError, match="not one of: table, csv"):
        ROWS.render("pictures")


def test_only_the_formats_that_wrap_take_a_width():
    wide = Result("SELECT", ["text"], [{"text": Term("literal", "word " * 30)}])
    assert max(map(len, render(wide, "table", 40).splitlines())) <= 40
    assert render(wide, "md", 40) == render(wide, "md")
    assert [f.name for f in plugins(wraps=True)] == ["table"]


def test_the_formats_that_stream_are_those_the_query_command_streams():
    from hkit.present.results import stream_lines

    assert names(ANSWERS, streams=True) == ("csv", "tsv")
    for fmt in names(ANSWERS, streams=True):
        assert "".join(stream_lines(fmt, ROWS.variables, ROWS.rows)) == render(ROWS, fmt)


def test_a_registered_answers_format_renders(registry):
    register("upper", ANSWERS, "text/plain", "hkit.present.results:to_markdown",
             people=True)  # fmt: skip
    assert ROWS.render("upper") == ROWS.render("md")
    assert "upper" in names(ANSWERS, people=True)


def test_reports_render_through_the_registry():
    stats = Stats(
        triples=3, inferred=2, per_class=[("hkit:University", 1, 2)], per_source=[("a.txt", 1)]
    )
    assert stats.render() == stats.as_text()
    assert stats.render("json") == (
        json.dumps(stats.as_dict(), indent=2, ensure_ascii=False) + "\n"
    )
    assert json.loads(stats.render("json"))["per_class"] == [["hkit:University", 1, 2]]
    with pytest.raises(HkitError, match="format 'md' is not one of: text, json"):
        stats.render("md")
    diff = OntologyDiff([], [], [], ["a"], [])
    assert diff.render("md").startswith("# Ontology changes\n")
    assert diff.render("text") == diff.as_text() != diff.as_markdown()
    review = Review(findings=[], aligned=1, alignable=2)
    assert review.render("md").startswith("# hkit ontology review")
    assert json.loads(review.render("json"))["summary"]["aligned"] == 1


def test_a_report_format_registered_for_a_report_renders_it(registry):
    register("md", REPORT, "text/markdown", "hkit.core.formats:report_text",
             suffixes=(".md",), reports=("stats",))  # fmt: skip
    stats = Stats(triples=1, inferred=None, per_class=[], per_source=[])
    assert stats.render("md") == stats.as_text()
    assert output_format(None, "s.md", REPORT, report="stats") == "md"


# -- export ------------


def test_export_formats_come_from_the_registry():
    from hkit.present.export import serialize

    assert [f.name for f in plugins(EXPORT) if f.dataset] == ["nquads", "trig", "jsonld"]
    assert get("rdfxml", EXPORT).suffixes[0] == ".rdf"
    with pytest.raises(HkitError, match="not one of: turtle, ntriples"):
        serialize([], "csv")


def test_a_registered_export_format_is_written_by_export(registry):
    from hkit.present.export import export

    register("quads", EXPORT, "application/n-quads", "hkit.present.export:serialize",
             dataset=True)  # fmt: skip
    assert export(Path(ROOT), "quads") == export(Path(ROOT), "nquads")
