"""The command line, in process through click's CliRunner: every command, every format, and the
error cases (one line on stderr with a hint, exit 2, nothing half-written)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, read_terminal

import hkit
from hkit.cli import commands
from hkit.cli.fast import plan
from hkit.cli.group import main
from hkit.cli.options import COMMANDS

RUN = ["--root", str(ROOT)]


def invoke(*args: str, **kwargs):
    runner = CliRunner()
    return runner.invoke(main, [*RUN, *args], catch_exceptions=False, **kwargs)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_every_command_of_the_table_has_help_and_is_in_both_lanes():
    """One table: each entry's help is what click shows, every entry is a click command listed
    in hkit --help, the fast lane takes the entries marked fast (and leaves the others to
    click), and each has its work in hkit.cli.commands."""
    listing = CliRunner().invoke(main, ["--help"], terminal_width=100).stdout
    for name, spec in COMMANDS.items():
        assert spec.name == name and spec.help.strip(), name
        assert main.commands[name].help == spec.help
        assert f"\n  {name} " in listing, name
        assert callable(getattr(commands, name))
        arguments = ["x"] * sum(a.required for a in spec.arguments)
        required = [a for o in spec.options if o.required for a in (o.flags[0], "x")]
        planned = plan([name, *arguments, *required])
        assert (planned is not None and planned[0] == name) if spec.fast else planned is None
    assert set(main.commands) == set(COMMANDS)


def test_queries_table_and_json():
    table = invoke("queries")
    assert table.exit_code == 0
    assert "funds-by-size" in table.output and "entity=<iri>" in table.output
    listing = json.loads(invoke("queries", "--format", "json").output)
    entry = next(q for q in listing if q["name"] == "unicorns-by-sector")
    assert set(entry) == {"name", "summary", "description", "tags", "params", "examples"}
    assert entry["params"] == [
        {
            "name": "sector",
            "type": "text",
            "required": False,
            "default": None,
            "allowed": [],
            "multi": True,
        }
    ]
    assert entry["examples"] == [{"sector": "fintech"}]
    tagged = json.loads(invoke("queries", "--tag", "people", "--format", "json").output)
    assert [q["name"] for q in tagged] == ["people-and-posts", "who-said-what"]


def test_show_and_query_show_print_metadata_and_text():
    for args in (("show", "funds-by-size"), ("query", "--show", "funds-by-size")):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "summary:" in result.output and "SELECT" in result.output
        assert "one of HKD, USD" in result.output


def test_query_table_is_readable():
    result = invoke("query", "funds-by-size")
    assert result.exit_code == 0
    # the person's view: a sum with its currency, a label rather than an IRI, citation keys
    assert "HK$10 billion" in result.output and "10,000,000,000" not in result.output
    assert "InnoHK" in result.output and "id:innohk" not in result.output
    assert "(10 rows)\n\n[1] " in result.output


@pytest.mark.parametrize(
    "fmt",
    [
        "table",
        # the golden outputs hold every query in every format, byte for byte; CI runs these too
        *(pytest.param(f, marks=pytest.mark.slow) for f in ("json", "csv", "xml", "tsv", "md")),
    ],
)
def test_every_format_on_every_query(fmt):
    for name, q in hkit.open(root=ROOT).queries.items():
        args = [f"{k}={v}" for k, values in q.examples[0].items() for v in values]
        result = invoke("query", name, "--format", fmt, *[x for a in args for x in ("-p", a)])
        assert result.exit_code == 0, (name, result.output)
        out = result.output
        if fmt == "json":
            assert json.loads(out)["results"]["bindings"]
        elif fmt == "xml":
            ns = "{http://www.w3.org/2005/sparql-results#}"
            assert ET.fromstring(out).find(f"{ns}results").findall(f"{ns}result")
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(out)))
            assert len(rows) >= 2
        elif fmt == "tsv":
            assert out.splitlines()[0].startswith("?")
        elif fmt == "md":
            assert out.startswith("| ")


def test_repeated_parameter_binds_several_values():
    result = invoke(
        "query",
        "unicorns-by-sector",
        "-p",
        "sector=fintech",
        "-p",
        "sector=artificial intelligence",
        "--format",
        "csv",
    )
    names = [row[1] for row in csv.reader(io.StringIO(result.output))][1:]
    assert names == ["Babel Finance", "Micro Connect", "SenseTime", "SmartMore"]


def test_with_sources_adds_the_documents():
    result = invoke(
        "query", "unicorns-by-sector", "-p", "sector=fintech", "--with-sources", "--format", "json"
    )
    doc = json.loads(result.output)
    assert doc["head"]["vars"][-1] == "sources"
    assert {b["sources"]["value"] for b in doc["results"]["bindings"]} == {
        "001_6b075fc54bbad20f.txt"
    }


def test_output_is_written_atomically(tmp_path):
    target = tmp_path / "out.csv"
    result = invoke("query", "targets", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text().startswith("target,name")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_sparql_ad_hoc_and_from_file(tmp_path):
    result = invoke(
        "sparql", "ASK { ?s a <https://w3id.org/hkit/ontology#Unicorn> }", "--format", "json"
    )
    assert json.loads(result.output) == {"head": {}, "boolean": True}
    query = tmp_path / "q.rq"
    query.write_text(
        "CONSTRUCT { ?s a ?c } WHERE "
        "{ ?s a ?c . FILTER(?c = <https://w3id.org/hkit/ontology#Unicorn>) }"
    )
    turtle = invoke("sparql", "-f", str(query), "--format", "turtle")
    assert "id:sensetime" in turtle.output
    ntriples = invoke("sparql", "-f", str(query), "--format", "ntriples")
    assert len(ntriples.output.splitlines()) == 5


def test_data_option_adds_a_users_file(tmp_path):
    extra = tmp_path / "mine.ttl"
    extra.write_text(
        "<https://example.org/x> a <https://w3id.org/hkit/ontology#Unicorn> .\n", encoding="utf-8"
    )
    result = invoke(
        "--data",
        str(extra),
        "sparql",
        "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/hkit/ontology#Unicorn> }",
        "--format",
        "csv",
    )
    assert result.output.splitlines()[1] == "6"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "no-such-query"), "no saved query named 'no-such-query'"),
        (("query", "funds-by-siz"), "did you mean funds-by-size"),
        (("query", "entity-provenance"), "needs parameter 'entity'"),
        (("query", "unicorns-by-sector", "-p", "sectr=x"), "has no parameter 'sectr'"),
        (("query", "funds-by-size", "-p", "currency=EUR"), "cannot be 'EUR'"),
        (("query", "people-and-posts", "-p", "organisation=not an iri"), "nothing of its kind"),
        (("query", "people-and-posts", "-p", "organisation=x: y"), "is not an IRI"),
        (("query", "unicorns-by-sector", "-p", "sector"), "is not name=value"),
        (("query", "unicorns-by-sector", "-p", "sector=a\\b"), "backslash"),
        (("query", "funds-by-size", "--format", "turtle"), "for CONSTRUCT and DESCRIBE"),
        (("sparql", "SELECT * WHERE { ?s ?p }"), "not valid SPARQL"),
        (("sparql", "DELETE WHERE { ?s ?p ?o }"), "DELETE"),
        (("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), "SERVICE"),
        (("sparql",), "give a query"),
        (("--data", "/no/such/file.ttl", "query", "targets"), "no such file"),
        (("query", "targets", "--output", "/no/such/dir/out.csv"), "cannot write"),
        (("--root", "/no/such/dir", "queries"), "has no ontology"),
        (("query", "targets", "--format", "pdf"), "Invalid value for '--format'"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(args, message):
    result = CliRunner().invoke(main, [*RUN, *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("hkit: error:") and message in result.stderr
    assert all(line.startswith("hkit: ") for line in lines)
    assert "Traceback" not in result.output


def test_malformed_data_file_names_file_and_position(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a:b> <a:c> .\n", encoding="utf-8")
    result = CliRunner().invoke(main, [*RUN, "--data", str(bad), "query", "targets"])
    assert result.exit_code == 2
    assert "bad.ttl" in result.stderr


def test_timeout_is_a_clear_error_and_the_process_exits():
    """In a child process: an abandoned query keeps running in its thread until the process
    exits, which the command line does at once."""
    import os
    import subprocess
    import sys

    import hkit

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    env = {**os.environ, "PYTHONPATH": str(Path(hkit.__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "hkit", *RUN, "--timeout", "0.5", "sparql", heavy],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "hkit: error: the query did not finish within 0.5 seconds\nhkit: hint: raise --timeout"
    )


def test_debug_shows_the_traceback_and_keeps_the_exit_code():
    result = CliRunner().invoke(main, [*RUN, "--debug", "query", "no-such-query"])
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.output
    assert "UnknownQuery: no saved query named 'no-such-query'" in result.output
    assert result.output.rstrip().endswith("hint: run 'hkit queries' for the list")


def test_readme_catalogue_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Saved queries", 1)[1].split("\n## ", 1)[0]
    assert invoke("queries", "--format", "md").output.strip() in section


def test_describe_by_alternative_label_any_case():
    result = invoke("describe", "hkstp")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith(
        "Hong Kong Science and Technology Parks Corporation  <https://w3id.org/hkit/id/hkstp>"
    )
    assert "type:      statutory body" in out
    assert "has site: Hong Kong Science Park" in out
    assert "Talent Foundry (established by)" in out
    # sources by the names people know them by, with their dates
    assert "sources:   InnoHK Summit 2023 news article (source 000), between 2023-12-06" in out
    assert (
        "Repositioning Hong Kong As an Innovation and Technology Hub (source 002), 2022 or" in out
    )


def test_tables_show_sources_by_name_and_machine_formats_by_file():
    table = invoke("query", "start-ups-and-unicorns", "--format", "md").output
    assert "Hong Kong: A Global Hub for Innovation and Technology (source 001)" in table
    assert "001_6b075fc54bbad20f.txt" not in table
    named = invoke("query", "start-ups-and-unicorns", "--format", "md", "--file-names").output
    assert "001_6b075fc54bbad20f.txt" in named
    csv = invoke("query", "start-ups-and-unicorns", "--format", "csv").output
    assert "001_6b075fc54bbad20f.txt" in csv


def test_describe_shows_figures_with_dates_and_sources():
    hub = "Hong Kong: A Global Hub for Innovation and Technology (source 001)"
    out = invoke("describe", "id:hkust").output
    assert (
        "active start-ups founded by the institution's members: 1,800 (between 2024 and 2025; "
        f"{hub})" in out
    )
    assert f"rank in the QS World University Rankings: up to 100 (date not given; {hub})" in out
    out = invoke("describe", "id:enterprises-secured-2023").output
    assert "make in Hong Kong: nearly 4,000,000,000 $ (as of 2023; InnoHK Summit 2023 news" in out
    out = invoke("describe", "id:innohk").output
    assert "research laboratories: 28 (2022 or later; Repositioning Hong Kong" in out
    assert ".txt" not in out, "a person reads sources by name, not file name"
    machine = json.loads(invoke("describe", "id:innohk", "--format", "json").output)
    assert all(f[3].endswith(".txt") for f in machine["figures"])


def test_describe_lists_candidates_when_several_match():
    result = invoke("describe", "innopark")
    assert result.exit_code == 0
    assert result.output.startswith("9 entities match 'innopark'")
    assert "<https://w3id.org/hkit/id/innopark-tai-po>" in result.output


def test_describe_unknown_is_an_error():
    result = CliRunner().invoke(main, [*RUN, "describe", "no such thing anywhere"])
    assert result.exit_code == 2
    assert "nothing in the graph is called" in result.stderr


def test_stats():
    out = invoke("stats").output
    assert out.startswith("triples: ")
    assert "  hkit:Unicorn " in out
    assert "001_6b075fc54bbad20f.txt" in out


def test_query_does_not_import_heavy_modules():
    """hkit query starts fast: rdflib, pyshacl and owlready2 are imported only by commands that
    need them."""
    import os
    import subprocess
    import sys

    import hkit

    code = (
        "import sys\n"
        "from hkit.cli.group import main\n"
        f"main(['--root', {str(ROOT)!r}, 'query', 'targets', '--format', 'csv'], "
        "standalone_mode=False)\n"
        "print(sorted(m for m in ('rdflib', 'pyshacl', 'owlready2') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(hkit.__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_what_hkit_prints_it_takes_back():
    """Compact IRIs as tables print them are parameters; hkit's prefixes need no declaration."""
    compact = invoke("query", "entity-provenance", "-p", "entity=id:innohk", "--format", "tsv")
    full = invoke(
        "query",
        "entity-provenance",
        "-p",
        "entity=https://w3id.org/hkit/id/innohk",
        "--format",
        "tsv",
    )
    assert compact.exit_code == 0 and compact.output == full.output
    assert compact.output.count("\n") > 10
    plans = invoke("sparql", "SELECT ?p WHERE { ?p a hkit:Plan } ORDER BY ?p", "--format", "csv")
    assert plans.exit_code == 0 and "plan-hkbu-medical-school" in plans.output


def test_an_unknown_tag_is_an_error_that_lists_the_tags():
    result = invoke("queries", "--tag", "nope")
    assert result.exit_code == 2
    assert "no saved query has the tag 'nope'" in result.output and "funding" in result.output


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("r.csv", "initiative,label"),
        ("r.tsv", "?initiative\t"),
        ("r.json", "{"),
        ("r.txt", "fund "),
    ],
)
def test_the_output_file_s_extension_picks_the_format(tmp_path, name, starts):
    out = tmp_path / name
    result = invoke("query", "funds-by-size", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(starts)
    given = invoke("query", "funds-by-size", "-o", str(out), "--format", "md")
    assert given.exit_code == 0 and out.read_text(encoding="utf-8").startswith("| fund |")


@pytest.mark.parametrize(
    ("name", "oxigraph"),
    [
        ("g.ttl", "TURTLE"),
        ("g.nt", "N_TRIPLES"),
        ("g.nq", "N_QUADS"),
        ("g.trig", "TRIG"),
        ("g.jsonld", "JSON_LD"),
        ("g.rdf", "RDF_XML"),
        ("g.owl", "RDF_XML"),
        ("G.NQ", "N_QUADS"),
        ("g.json", "JSON_LD"),
        ("g.xml", "RDF_XML"),
    ],
)
def test_export_writes_what_the_output_file_s_extension_says(tmp_path, name, oxigraph):
    import pyoxigraph

    out = tmp_path / name
    result = invoke("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    quads = list(pyoxigraph.parse(path=str(out), format=getattr(pyoxigraph.RdfFormat, oxigraph)))
    assert len(quads) > 1000
    if oxigraph in ("N_QUADS", "TRIG"):
        assert {str(q.graph_name) for q in quads} >= {
            "<https://w3id.org/hkit/ontology>",
            "<https://w3id.org/hkit/data>",
            "<https://w3id.org/hkit/id/doc-002>",  # each document's graph (test_attribution)
        }
    other = "trig" if oxigraph == "N_TRIPLES" else "ntriples"
    given = invoke("export", "--format", other, "-o", str(out))
    assert given.exit_code == 0
    written = out.read_text(encoding="utf-8")
    assert written.startswith("@prefix" if other == "trig" else "<"), written[:80]


@pytest.mark.parametrize(
    ("command", "name", "starts"),
    [
        ("validate", "v.json", "{"),
        ("validate", "v.ttl", "@prefix"),
        ("validate", "v.txt", "SHACL: the graph conforms"),
        ("review", "r.md", "# hkit ontology review"),
        ("review", "r.json", "{"),
        ("review", "r.txt", "0 error(s)"),
    ],
)
def test_reports_are_written_as_the_output_file_s_extension_says(tmp_path, command, name, starts):
    out = tmp_path / name
    result = invoke(command, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(starts), text[:200]
    if name.endswith(".json"):
        json.loads(text)


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("cuhk", "https://w3id.org/hkit/id/cuhk"),
        ("HKU", "https://w3id.org/hkit/id/hku"),
        ("id:hkust", "https://w3id.org/hkit/id/hkust"),
        ("<https://w3id.org/hkit/id/innohk>", "https://w3id.org/hkit/id/innohk"),
        ("003_e3ccee04f59197a2.txt", "https://w3id.org/hkit/id/doc-003"),
        ("hkit:Plan", "https://w3id.org/hkit/ontology#Plan"),
    ],
)
def test_describe_takes_what_people_know(text, iri):
    result = invoke("describe", text)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(f"<{iri}>")


def test_reporting_commands_write_json():
    import json

    stats = json.loads(invoke("stats", "--format", "json").output)
    assert stats["triples"] > 4000 and ["hkit:Plan", 5, 5] in stats["per_class"]
    described = json.loads(invoke("describe", "cuhk", "--format", "json").output)
    assert described["iri"] == "https://w3id.org/hkit/id/cuhk"
    assert ["involved in", "InnoHK"] in described["outgoing"]
    ontology = str(ROOT / "ontology" / "hkit.ttl")
    diff = json.loads(invoke("diff", ontology, ontology, "--format", "json").output)
    assert diff == {
        "added": [],
        "removed": [],
        "changed": [],
        "axioms_added": [],
        "axioms_removed": [],
        "changes": [],
        "renamed": [],
        "version": {"old": diff["version"]["new"], "new": diff["version"]["new"]},
        "warnings": [],
        "uses": [],
    }


def test_every_example_that_show_prints_runs_when_pasted_into_a_shell():
    import shlex

    for name in sorted(hkit.open(root=ROOT).queries):
        for line in invoke("show", name).output.splitlines():
            if line.startswith("example:"):
                words = shlex.split(line.removeprefix("example:").strip())
                assert words[:2] == ["hkit", "query"]
                result = invoke(*words[1:], "--format", "tsv")
                assert result.exit_code == 0, (line, result.output)
                assert result.output.count("\n") > 1, line  # rows, not just the header


def test_text_parameters_forgive_case_and_say_what_matches_nothing():
    exact = invoke("query", "unicorns-by-sector", "-p", "sector=fintech", "--format", "tsv")
    capital = invoke("query", "unicorns-by-sector", "-p", "sector=Fintech", "--format", "tsv")
    assert exact.stdout == capital.stdout and exact.stdout.count("\n") > 1
    usd = invoke("query", "funds-by-size", "-p", "currency=usd", "--format", "tsv")
    assert usd.exit_code == 0 and "USD" in usd.stdout
    typo = invoke("query", "unicorns-by-sector", "-p", "sector=fintek", "--format", "tsv")
    assert typo.exit_code == 0 and typo.stdout.count("\n") == 1  # the header only
    assert (
        "hkit: note: no rows: sector='fintek' names nothing of its kind; nearest: fintech"
        in typo.stderr
    )


def test_on_a_terminal_the_table_fits_its_width_and_wide_opts_out():
    import os
    import subprocess
    import sys
    from pathlib import Path

    hkit = str(Path(sys.executable).parent / "hkit")

    def on_a_terminal(*args: str) -> str:
        controller, terminal = os.openpty()
        env = {**os.environ, "COLUMNS": "80"}
        done = subprocess.run(
            [hkit, "--root", str(ROOT), *args], stdout=terminal, stderr=subprocess.PIPE, env=env
        )
        os.close(terminal)
        shown = read_terminal(controller)
        assert done.returncode == 0, done.stderr
        return shown.decode("utf-8").replace("\r\n", "\n")

    fitted = on_a_terminal("query", "funds-by-size")
    assert max(len(line) for line in fitted.splitlines()) <= 80
    wide = on_a_terminal("query", "funds-by-size", "--wide")
    assert max(len(line) for line in wide.splitlines()) > 80


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("hkit que", 1, {"queries", "query"}),
        ("hkit query funds-by", 2, {"funds-by-size"}),
        ("hkit show who-", 2, {"who-said-what", "who-works-in-sector"}),
        ("hkit query funds-by-size -p ", 4, {"currency="}),
        ("hkit query funds-by-size -p currency=", 4, {"currency=HKD", "currency=USD"}),
    ],
)
def test_shell_completion_knows_commands_queries_and_parameters(words, cword, expected):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        "_HKIT_COMPLETE": "bash_complete",
        "HKIT_ROOT": str(ROOT),
    }
    hkit = str(Path(sys.executable).parent / "hkit")
    done = subprocess.run([hkit], capture_output=True, text=True, env=env)
    offered = {line.split(",", 1)[1] for line in done.stdout.splitlines()}
    assert offered == expected, done.stdout + done.stderr


def test_one_bad_query_does_not_hide_the_others(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "queries" / "broken.rq").write_text(
        "#+ summary: s\nSELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        encoding="utf-8",
    )
    clicked = CliRunner().invoke(main, ["--root", str(root), "queries"])
    hkit = str(Path(sys.executable).parent / "hkit")
    fast = subprocess.run([hkit, "--root", str(root), "queries"], capture_output=True, text=True)
    for code, out, err in (
        (clicked.exit_code, clicked.stdout, clicked.stderr),
        (fast.returncode, fast.stdout, fast.stderr),
    ):
        assert code == 2
        assert "funds-by-size" in out and "broken" not in out
        assert err.startswith("hkit: error: query 'broken' uses SERVICE")


def test_an_undeclared_prefix_is_named_in_one_line():
    result = invoke("sparql", "SELECT * WHERE {\n  ?s a foo:Bar }")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == (
        "hkit: error: the query uses the prefix 'foo:' (line 2, column 8) but does not declare it"
    )
    assert lines[1].startswith("hkit: hint: add PREFIX foo: <...>") and len(lines) == 2
    fine = invoke("sparql", 'SELECT ?s WHERE { ?s ?p "a:b" ; ?q <http://x.org/c:d> . ?s a _:b }')
    assert fine.exit_code == 0, fine.output


def test_errors_are_placed_in_the_query_as_written_when_hkit_declares_its_prefixes():
    """hkit declares the prefixes a query uses without declaring them on a line of its own
    before the query: the positions in its errors are still the query's own."""
    broken = invoke("sparql", "SELECT * WHERE { ?s rdfs:label ?o . ?s ?p }")
    assert broken.exit_code == 2
    assert broken.output.startswith("hkit: error: the query is not valid SPARQL: error at 1:44:")
    undeclared = invoke("sparql", "SELECT * WHERE { ?s rdfs:label ?o ;\n  zz:p ?o }")
    assert undeclared.exit_code == 2
    assert "the prefix 'zz:' (line 2, column 3)" in undeclared.output.splitlines()[0]
    # an error on a later line keeps that line's number
    later = invoke("sparql", "SELECT * WHERE {\n  ?s rdfs:label ?o .\n  FILTER( }")
    assert "error at 3:" in later.output.splitlines()[0], later.output


def test_iri_parameters_take_names_and_list_candidates():
    by_name = invoke("query", "entity-provenance", "-p", "entity=HKUST", "--format", "tsv")
    by_iri = invoke("query", "entity-provenance", "-p", "entity=id:hkust", "--format", "tsv")
    assert by_name.exit_code == 0 and by_name.output == by_iri.output
    several = invoke("query", "entity-provenance", "-p", "entity=innopark")
    assert several.exit_code == 2
    assert (
        "9 entities match 'innopark'" in several.output and "<id:innopark-tai-po>" in several.output
    )
    none = invoke("query", "entity-provenance", "-p", "entity=zzzz")
    assert none.exit_code == 2 and "nothing in the graph is called 'zzzz'" in none.output


@pytest.mark.parametrize("value", ['x" } ?s ?p ?o . {', "a\\u0022b", "x\\", 'HKU" || true || "'])
def test_a_hostile_name_for_an_iri_parameter_widens_nothing(value):
    result = invoke("query", "entity-provenance", "-p", f"entity={value}", "--format", "tsv")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("hkit: error: parameter 'entity'")


@pytest.mark.parametrize("text", ['a"b } SELECT', "x' . ?s ?p ?o", "CUHK\n"])
def test_describe_binds_the_text_as_a_term(text):
    """The text is bound in a VALUES block as a literal, never pasted into the query: quotes and
    braces find nothing rather than change the query."""
    result = CliRunner().invoke(main, ["--root", str(ROOT), "describe", text])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output


def test_describe_refuses_a_backslash_in_one_line():
    result = CliRunner().invoke(main, ["--root", str(ROOT), "describe", "a\\u0022b"])
    assert result.exit_code == 2
    assert "may not contain a backslash" in result.output
