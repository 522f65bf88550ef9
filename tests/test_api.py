"""hkit as a Python library: ``hkit.open()``, saved queries and SPARQL as Python values, the
reports, and what the public API is (``hkit.__all__``) and that the command line keeps to it.
The docstrings' examples run in test_doctests.py."""

from __future__ import annotations

import ast
import datetime
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit import IRI, HkitError, QueryError
from hkit.cli.group import main


@pytest.fixture(scope="module")
def kg() -> hkit.KnowledgeGraph:
    return hkit.open(root=ROOT)


def test_a_saved_query_answers_python_values(kg):
    rows = list(kg.query("funds-by-size", currency="HKD"))
    innohk = next(r for r in rows if r["initiative"] == "https://w3id.org/hkit/id/innohk")
    assert innohk["value"] == Decimal(10_000_000_000)
    assert isinstance(innohk["initiative"], IRI)
    assert str(innohk["initiative"]) == "id:innohk"
    assert repr(innohk["initiative"]) == "IRI('id:innohk')"
    # the source gives no qualifier, so the row has none (the text's silence is not "exactly")
    assert innohk["currency"] == "HKD" and "qualifier" not in innohk
    assert innohk["status"] == "in operation"


def test_parameters_take_a_list_to_bind_several_values(kg):
    both = kg.query("funds-by-size", currency=["HKD", "USD"])
    assert {row["currency"] for row in both} == {"HKD", "USD"}
    assert len(both) == len(kg.query("funds-by-size", currency="HKD")) + len(
        kg.query("funds-by-size", currency="USD")
    )


def test_dates_are_dates(kg):
    answer = kg.sparql(
        "SELECT ?d WHERE { <https://w3id.org/hkit/id/innohk-summit-2023> "
        "<https://w3id.org/hkit/ontology#heldOn> ?d }"
    )
    assert next(iter(answer)) == {"d": datetime.date(2023, 12, 6)}


def test_bad_parameters_and_queries_raise_hkit_errors(kg):
    with pytest.raises(QueryError, match="cannot be 'EUR'"):
        kg.query("funds-by-size", currency="EUR")
    with pytest.raises(QueryError, match="has no parameter 'curency'"):
        kg.query("funds-by-size", curency="HKD")
    with pytest.raises(HkitError):
        kg.query("no-such-query")
    with pytest.raises(HkitError, match="SERVICE"):
        kg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


def test_render_gives_what_the_command_line_prints(kg):
    for fmt in ("table", "csv", "tsv", "json", "md"):
        printed = CliRunner().invoke(
            main,
            # a saved query's answer carries its view, sources cited by name in table and md
            [
                *("--root", str(ROOT), "query", "funds-by-size", "-p", "currency=HKD"),
                *("--format", fmt),
            ],
        )
        assert printed.exit_code == 0, printed.output
        # (click's .output turns \r\n into \n; CSV and TSV lines end in \r\n)
        expected = printed.stdout_bytes.decode("utf-8")
        assert kg.query("funds-by-size", currency="HKD").render(fmt) == expected, fmt


def test_to_pandas(kg):
    pandas = pytest.importorskip("pandas")
    frame = kg.query("funds-by-size", currency="HKD").to_pandas(exact=True)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == kg.query("funds-by-size", currency="HKD").variables
    assert frame["value"].map(type).eq(Decimal).all()
    assert sum(frame["value"]) == sum(r["value"] for r in kg.query("funds-by-size", currency="HKD"))


def test_to_pandas_without_pandas_says_what_to_install(kg, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(HkitError, match="needs pandas") as info:
        kg.query("funds-by-size", currency="HKD").to_pandas()
    assert "hkit[pandas]" in info.value.hint


def test_describe_by_label_and_ambiguity(kg):
    assert "HKUST" in kg.describe("Hong Kong University of Science and Technology").render()
    with pytest.raises(HkitError, match="entities match 'innopark'"):
        kg.describe("innopark")
    with pytest.raises(HkitError, match="nothing in the graph"):
        kg.describe("no such thing at all")


def test_the_underlying_stores(kg):
    import pyoxigraph
    import rdflib

    assert isinstance(kg.store, pyoxigraph.Store)
    graph = kg.rdflib_graph()
    assert isinstance(graph, rdflib.Graph)
    # the asserted triples in the default graph; what they entail in a graph of its own
    asserted = list(kg.store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    assert len(graph) == len(asserted)
    inferred = pyoxigraph.NamedNode("https://w3id.org/hkit/inferred")
    assert len(kg.store) > len(asserted)
    documents = [pyoxigraph.NamedNode(f"https://w3id.org/hkit/id/doc-00{n}") for n in range(4)]
    editorial = pyoxigraph.NamedNode("https://w3id.org/hkit/editorial")
    # and each source document's triples, and the editor's (hkit.store.attribution)
    assert set(kg.store.named_graphs()) == {inferred, editorial, *documents}


def test_check_and_validate_are_reports_with_data_and_render(kg):
    report = kg.check(skip=["reason"])
    assert report.passed and report.exit_code == 0
    printed = CliRunner().invoke(main, ["--root", str(ROOT), "check", "--skip", "reason"])
    # the same gates and counts as the command prints (timings differ from run to run)
    assert [line.split()[:3] for line in report.render().splitlines()] == [
        line.split()[:3] for line in printed.output.splitlines()
    ]
    assert report.as_dict()["gates"][0]["gate"] == "parse"
    assert kg.validate().conforms


def test_export_and_stats(kg):
    assert kg.export("ntriples").count(b"\n") == len(kg.rdflib_graph())
    assert "triples" in kg.stats().render()


def test_an_endpoint_does_not_take_data_files():
    with pytest.raises(HkitError, match="cannot be used with an endpoint"):
        hkit.open(root=ROOT, data=["mine.ttl"], endpoint="http://127.0.0.1:9/sparql")
    with pytest.raises(HkitError, match="default graphs need an endpoint"):
        hkit.open(root=ROOT, default_graphs=["https://w3id.org/hkit/data"])


@pytest.mark.parametrize("data", [(), ("mine.ttl",)])
@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:9/sparql"])
@pytest.mark.parametrize("graphs", [(), ("https://w3id.org/hkit/data",)])
def test_the_command_line_keeps_the_library_rule_of_sources(data, endpoint, graphs):
    """One rule of where the graph comes from: the command line refuses exactly what the
    library refuses, in the words of its options."""
    from hkit.cli.commands import State

    def refusal(make) -> str | None:
        try:
            make()
        except HkitError as exc:
            return exc.message
        return None

    library = refusal(
        lambda: hkit.open(root=ROOT, data=data, endpoint=endpoint, default_graphs=graphs)
    )
    cli = refusal(lambda: State(str(ROOT), data).graph(endpoint, graphs))
    allowed = not (endpoint and data) and not (graphs and endpoint is None)
    assert (library is None) is (cli is None) is allowed
    if cli is not None:
        assert cli.startswith("--") and "--endpoint" in cli
        assert "--" not in library


def test_importing_hkit_imports_no_rdf_library():
    code = (
        "import hkit, sys; "
        "print(sorted(m for m in ('rdflib', 'pyoxigraph', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_python_walk_through_runs(monkeypatch, capsys):
    pytest.importorskip("pandas")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    assert "InnoHK" in capsys.readouterr().out


def _runtime_imports(path: Path) -> set[str]:
    """The hkit modules a file imports when it runs (imports under ``if TYPE_CHECKING:`` are
    for the type checker only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If)
        and isinstance(block.test, ast.Name)
        and block.test.id == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hkit"):
            if node.module == "hkit":
                found |= {
                    f"hkit.{a.name}" if f"hkit.{a.name}" in sys.modules else "hkit"
                    for a in node.names
                }
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("hkit")}
    return found


PACKAGE = Path(hkit.__file__).parent


def _public_modules() -> dict[str, str]:
    """Each name of ``hkit.__all__`` and the module that defines it, read from the imports of
    ``hkit/__init__.py`` (those under ``if TYPE_CHECKING:`` too: the report classes, which
    ``hkit`` imports on first use)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def test_the_public_api_is_all_and_each_name_is_where_hkit_says():
    defined_in = _public_modules()
    assert set(hkit.__all__) <= set(defined_in), "a name of __all__ that hkit does not import"
    for name in hkit.__all__:
        value = getattr(hkit, name)
        module = sys.modules[defined_in[name]]
        assert getattr(module, name) is value, name
        if hasattr(value, "__module__"):  # classes and functions; constants have no module
            assert value.__module__ == defined_in[name], name
    assert set(hkit.__all__) <= set(dir(hkit))
    for name in ("Result", "Term", "HkitError", "QueryTimeout", "EXIT_CHECK_FAILED", "IRI"):
        assert name in hkit.__all__


def test_the_report_classes_are_imported_on_first_use_only():
    code = (
        "import sys, hkit\n"
        "before = sorted(m for m in ('rdflib', 'hkit.quality.validate') if m in sys.modules)\n"
        "report = hkit.ValidationReport\n"
        "print(before, report.__module__, 'rdflib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "hkit.quality.validate", "True"]


def test_open_and_knowledge_graph_take_their_options_by_name_only():
    with pytest.raises(TypeError, match="positional"):
        hkit.open(ROOT)
    with pytest.raises(TypeError, match="positional"):
        hkit.KnowledgeGraph(ROOT, [])
    kg = hkit.KnowledgeGraph(root=ROOT, timeout=5)
    assert (kg.root, kg.data, kg.endpoint, kg.timeout) == (ROOT, [], None, 5)


#: Modules beyond the public API that the command line uses, each for its own presentation:
#: rendering answers in the formats and on the terminal, writing files atomically, the progress
#: line, the cache of ``--help``, the default of ``--timeout`` (the library's own, from
#: hkit.core.limits), and the server that ``hkit serve`` starts. Nothing of the
#: store or of the quality checks: what the command line does with the graph, a program can do
#: through ``hkit.open()``.
CLI_PRESENTATION = {
    "hkit.present.results",
    "hkit.present.output",
    "hkit.present.view",
    "hkit.present.layout",
    "hkit.core.progress",
    "hkit.core.cache",
    "hkit.core.formats",
    "hkit.core.limits",
    "hkit.web.app",
}


def test_the_command_line_calls_only_the_public_api():
    """An import lint: the command line's modules import the public API (the modules that
    define the names of ``hkit.__all__``), each other and their presentation modules alone, and
    the registries its choices come from are the public API's."""
    from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS

    cli_files = {
        "hkit.__main__": PACKAGE / "__main__.py",
        "hkit.cli": PACKAGE / "cli" / "__init__.py",
        **{f"hkit.cli.{p.stem}": p for p in (PACKAGE / "cli").glob("*.py") if p.stem[0] != "_"},
    }
    public = set(_public_modules().values())
    assert {"hkit.api", "hkit.core.answers", "hkit.core.errors"} <= public
    allowed = public | set(cli_files) | CLI_PRESENTATION | {"hkit"}
    for module, path in sorted(cli_files.items()):
        imported = _runtime_imports(path)
        assert imported <= allowed, f"{module} imports {sorted(imported - allowed)}"
    options = [o for c in COMMANDS.values() for o in c.options] + list(GLOBAL_OPTIONS)
    registries = {o.choices for o in options if isinstance(o.choices, str)}
    assert registries and all(r.startswith("hkit.api:") for r in registries)


def test_every_registry_is_used_by_a_choice():
    """No dead registry: each of the library's registries gives the choices of an option."""
    from hkit.api import REGISTRIES
    from hkit.cli.options import COMMANDS

    used = {o.choices for c in COMMANDS.values() for o in c.options if isinstance(o.choices, str)}
    assert {f"hkit.api:{name}" for name in REGISTRIES} == used


def test_source_names_are_looked_up_for_the_texts_an_answer_holds_only(kg, monkeypatch):
    from hkit.present.sources import source_names

    everything = source_names(kg.embedded, 30)
    file = sorted(everything)[0]
    hostile = ["no such file", 'a "quoted" \\ text', "line\nbreak", ""]
    assert source_names(kg.embedded, 30, [file, *hostile]) == {file: everything[file]}
    assert source_names(kg.embedded, 30, hostile) == {} == source_names(kg.embedded, 30, [])
    result = kg.run(kg.prepare("people-and-posts", organisation="id:hksar-government"))
    shown = kg.with_source_names(result)
    assert [row["source"].value for row in shown.rows] == [
        everything[row["source"].value] for row in result.rows
    ]
    monkeypatch.setattr("hkit.api.graph.SOURCE_LOOKUP_LIMIT", 0)  # many texts: every source is read
    assert kg.with_source_names(result).rows == shown.rows


def test_an_unknown_saved_query_is_an_error_of_its_own_type(kg):
    """An unknown name raises UnknownQuery (a QueryError, as before), by name or through
    prepare and query, with the close matches as its hint; a bad parameter stays a QueryError."""
    from hkit.core.errors import QueryError, UnknownQuery

    for ask in (
        lambda: kg.saved_query("funds-by-sise"),
        lambda: kg.prepare("funds-by-sise"),
        lambda: kg.query("funds-by-sise"),
    ):
        with pytest.raises(UnknownQuery) as raised:
            ask()
        assert isinstance(raised.value, QueryError)
        assert raised.value.message == "no saved query named 'funds-by-sise'"
        assert raised.value.hint == "did you mean funds-by-size?"
    with pytest.raises(QueryError) as raised:
        kg.prepare("funds-by-size", nonsense="1")
    assert not isinstance(raised.value, UnknownQuery)
