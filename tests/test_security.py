"""Robustness and security: bad input of every kind gives one line on stderr, exit code 2, no
traceback and no half-written file, through click's CliRunner and through the installed command;
and nothing hkit does reaches the network unless asked (--endpoint): a canary HTTP server on
127.0.0.1 sees no request."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, Canary  # noqa: F401 - Canary: other modules import it from here

from hkit.cli.group import main

HKIT = shutil.which("hkit", path=str(Path(sys.executable).parent)) or "hkit"


def reaching_out(base: str, tmp: Path) -> dict[str, list[str]]:
    remote_context = tmp / "remote-context.jsonld"
    remote_context.write_text(
        json.dumps(
            {"@context": f"{base}/context.jsonld", "@id": "https://w3id.org/hkit/id/x", "x": "y"}
        ),
        encoding="utf-8",
    )
    imports = tmp / "imports.ttl"
    imports.write_text(
        "<https://w3id.org/hkit/id/o> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
        f"  <http://www.w3.org/2002/07/owl#imports> <{base}/imported.owl> .\n",
        encoding="utf-8",
    )
    shapes = tmp / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass "
        "<https://w3id.org/hkit/ontology#University> ;\n"
        f'  sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE {{ SERVICE <{base}/s> '
        '{ $this ?p ?o } }" ] .\n',
        encoding="utf-8",
    )
    declared = tmp / "declared.ttl"
    declared.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass "
        "<https://w3id.org/hkit/ontology#University> ;\n"
        '  sh:sparql [ sh:message "m" ; sh:prefixes <https://example.org/P> ;\n'
        '    sh:select "SELECT $this WHERE { $this ?p ?o '
        'FILTER(?o != \\"\\"\\")}#\\"\\"\\") }" ] .\n'
        '<https://example.org/P> sh:declare [ sh:prefix "ev" ; sh:namespace '
        f'"http://e/> SELECT $this WHERE {{ SERVICE <{base}/s> {{ ?a ?b ?c }} '
        'FILTER(?a != \\"\\"\\"" ] .\n',
        encoding="utf-8",
    )
    rc = str(remote_context)
    return {
        "SERVICE": ["sparql", f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}"],
        "FROM": ["sparql", f"SELECT * FROM <{base}/g> WHERE {{ ?s ?p ?o }}"],
        "FROM NAMED": [
            "sparql",
            f"SELECT * FROM NAMED <{base}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        ],
        "LOAD": ["sparql", f"LOAD <{base}/data.ttl>"],
        "INSERT DATA": ["sparql", f"INSERT DATA {{ <{base}/a> <{base}/b> <{base}/c> }}"],
        # '#' is no comment in an escaped local name (e:a\#) nor in an IRI once its \u escape
        # is read, as engines read it; a scan that took either for a comment missed what follows
        "SERVICE after an escaped #": [
            "sparql",
            "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p e:a\\# . "
            f"SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        ],
        "SERVICE after a \\u escape in an IRI": [
            "sparql",
            "SELECT * WHERE { ?s ?p <http://a/#\\u003e . "
            f"SERVICE <{base}/sparql> {{ ?s ?p ?o }} }} #>",
        ],
        "SERVICE spelt with a \\u escape": [
            "sparql",
            f"SELECT * WHERE {{ SERVIC\\u0045 <{base}/sparql> {{ ?s ?p ?o }} }}",
        ],
        "INSERT DATA to an endpoint, behind a \\u escape": [
            "sparql",
            "--endpoint",
            f"{base}/sparql",
            "PREFIX e: <http://e/#\\u003e INSERT DATA { e:a e:b e:c } #>",
        ],
        "LOAD to an endpoint, behind a \\u escape": [
            "sparql",
            "--endpoint",
            f"{base}/sparql",
            f"PREFIX e: <http://e/#\\u003e LOAD <{base}/data.ttl> #>",
        ],
        "JSON-LD context, query": ["--data", rc, "query", "funds-by-size"],
        "JSON-LD context, validate": ["--data", rc, "validate"],
        "JSON-LD context, reason": ["--data", rc, "reason"],
        "JSON-LD context, review": ["--data", rc, "review"],
        "JSON-LD context, export": ["--data", rc, "export"],
        "owl:imports, reason": ["--data", str(imports), "reason"],
        "owl:imports, check": ["--data", str(imports), "check"],
        "owl:imports, docs": ["--data", str(imports), "docs", "-o", str(tmp / "site")],
        "SHACL-SPARQL SERVICE": ["validate", "--shapes", str(shapes)],
        # a keyword glued to a number or a boolean is still a keyword to the engines
        "SERVICE glued to a number, in process": [
            "env:HKIT_IN_PROCESS=1",
            "sparql",
            f"SELECT * WHERE {{ ?s ?p 1SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        ],
        "SERVICE glued to a boolean, in process": [
            "env:HKIT_IN_PROCESS=1",
            "sparql",
            f"SELECT * WHERE {{ ?s ?p trueSERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        ],
        "SERVICE glued to a double, to an endpoint": [
            "sparql",
            "--endpoint",
            f"{base}/sparql",
            f"SELECT * WHERE {{ ?s ?p 2e3SERVICE <{base}/other> {{ ?s ?p ?o }} }}",
        ],
        "FROM glued to a prefix name's colon": [
            "sparql",
            "--endpoint",
            f"{base}/sparql",
            f"PREFIX : <{base}/> ASK FROM:g {{ ?s ?p ?o }}",
        ],
        "SHACL-SPARQL SERVICE in a prefix declaration": [
            "validate",
            "--shapes",
            str(declared),
        ],
    }


def _reaching_names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return list(reaching_out("http://127.0.0.1:1", Path(tmp)))


NAMES = _reaching_names()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_nothing_reaches_the_network(name, canary, tmp_path):
    import os

    args = reaching_out(canary.base, tmp_path)[name]
    env = dict(os.environ)
    while args[0].startswith("env:"):
        key, _, value = args.pop(0).removeprefix("env:").partition("=")
        env[key] = value
    before = len(canary.hits)
    done = subprocess.run(
        [HKIT, "--root", str(ROOT), *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert canary.hits[before:] == [], done.stderr
    assert "Traceback" not in done.stderr
    if done.returncode == 2:
        assert done.stderr.startswith("hkit: error: ")


def test_a_jsonld_file_with_its_context_inside_is_read(tmp_path):
    local = tmp_path / "local.jsonld"
    local.write_text(
        json.dumps(
            {
                "@context": {
                    "label": {
                        "@id": "http://www.w3.org/2000/01/rdf-schema#label",
                        "@language": "en",
                    }
                },
                "@id": "https://w3id.org/hkit/id/local-thing",
                "label": "Local thing",
            }
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        [
            "--root",
            str(ROOT),
            "--data",
            str(local),
            "sparql",
            'ASK { ?s ?p "Local thing"@en }',
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0 and json.loads(result.output)["boolean"] is True


# -- bad input, everywhere ------------


def bad_inputs(tmp: Path) -> list[tuple[str, list[str], str]]:
    """(name, arguments, words the one-line error must contain)."""

    def file(name: str, content: bytes | str) -> str:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return str(path)

    bad_ttl = file("bad.ttl", "@prefix ex: <https://example.org/> .\nex:a ex:b \n ex:c ex:d .\n")
    latin1 = file(
        "latin1.ttl",
        '<https://example.org/a> <https://example.org/b> "caf\xe9" .\n'.encode("latin-1"),
    )
    doctype = file(
        "entities.rdf",
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">'
        '<!ENTITY b "&a;&a;&a;">]>\n<rdf:RDF xmlns:rdf='
        '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
    )
    unknown_type = file("data.csv", "a,b\n")
    bad_nt = file("bad.nt", '<not an iri> <https://example.org/p> "x" .\n')
    bad_jsonld = file("bad.jsonld", "{not json")
    empty_root = tmp / "empty-root"
    (empty_root / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "queries", empty_root / "queries")
    (empty_root / "ontology").mkdir()
    shutil.copy(ROOT / "ontology" / "hkit.ttl", empty_root / "ontology" / "hkit.ttl")
    bad_query = file("bad.rq", "SELECT ?x WHERE { ?x ?y }")
    update = file("update.rq", "DELETE WHERE { ?s ?p ?o }")
    not_utf8_query = file("latin1.rq", 'SELECT * WHERE { ?s ?p "caf\xe9" }'.encode("latin-1"))
    missing = str(tmp / "missing.ttl")
    no_dir = str(tmp / "no" / "such" / "dir" / "out.csv")
    q = ["query", "funds-by-size"]
    return [
        ("malformed Turtle", ["--data", bad_ttl, "query", "funds-by-size"], "line"),
        ("malformed Turtle, validate", ["--data", bad_ttl, "validate"], "bad.ttl"),
        ("malformed Turtle, reason", ["--data", bad_ttl, "reason"], "bad.ttl"),
        ("malformed Turtle, export", ["--data", bad_ttl, "export"], "bad.ttl"),
        ("malformed Turtle, stats", ["--data", bad_ttl, "stats"], "bad.ttl"),
        ("malformed Turtle, describe", ["--data", bad_ttl, "describe", "HKSTP"], "bad.ttl"),
        ("malformed Turtle, review", ["--data", bad_ttl, "review"], "bad.ttl"),
        ("malformed Turtle, docs", ["--data", bad_ttl, "docs", "-o", str(tmp / "s")], "bad.ttl"),
        ("not UTF-8", ["--data", latin1, "query", "funds-by-size"], "latin1.ttl"),
        ("not UTF-8, validate", ["--data", latin1, "validate"], "latin1.ttl"),
        ("RDF/XML with a DOCTYPE", ["--data", doctype, "query", "funds-by-size"], "DOCTYPE"),
        ("RDF/XML with a DOCTYPE, reason", ["--data", doctype, "reason"], "DOCTYPE"),
        ("RDF/XML with a DOCTYPE, validate", ["--data", doctype, "validate"], "DOCTYPE"),
        ("RDF/XML with a DOCTYPE, export", ["--data", doctype, "export"], "DOCTYPE"),
        ("unknown file type", ["--data", unknown_type, "query", "funds-by-size"], "data.csv"),
        ("bad IRI in N-Triples", ["--data", bad_nt, "query", "funds-by-size"], "bad.nt"),
        ("bad JSON-LD", ["--data", bad_jsonld, "query", "funds-by-size"], "bad.jsonld"),
        ("missing --data file", ["--data", missing, "query", "funds-by-size"], "no such file"),
        ("missing --data file, check", ["--data", missing, "check"], "no such file"),
        ("empty data folder", ["--root", str(empty_root), "query", "funds-by-size"], "data"),
        ("missing root", ["--root", str(tmp / "nowhere"), "query", "funds-by-size"], ""),
        ("unknown query", ["query", "funds-by-sise"], "funds-by-sise"),
        ("unknown query, show", ["show", "nope"], "nope"),
        ("unknown command", ["frobnicate"], "frobnicate"),
        ("unknown option", ["query", "funds-by-size", "--colour"], "--colour"),
        ("unknown global option", ["--verbose", "queries"], "--verbose"),
        ("unknown format", ["query", "funds-by-size", "--format", "yaml"], "yaml"),
        ("unknown export format", ["export", "--format", "n3"], "n3"),
        ("unknown queries format", ["queries", "--format", "csv"], "csv"),
        ("bad timeout", ["--timeout", "soon", "queries"], "soon"),
        ("zero timeout", ["--timeout", "0", "queries"], "0"),
        ("negative timeout", ["--timeout", "-1", "query", "funds-by-size"], "-1"),
        ("parameter without =", [*q, "-p", "sector"], "name=value"),
        ("unknown parameter", ["query", "unicorns-by-sector", "-p", "sectr=fintech"], "sectr"),
        ("missing required parameter", ["query", "who-works-in-sector"], "sector"),
        ("bad IRI parameter", ["query", "entity-provenance", "-p", "entity=not an iri"], "entity"),
        (
            "IRI parameter breaking out",
            ["query", "entity-provenance", "-p", "entity=https://x/> } #"],
            "entity",
        ),
        ("backslash in text", ["query", "who-works-in-sector", "-p", "sector=a\\u0022b"], "sector"),
        (
            "control character in text",
            ["query", "who-works-in-sector", "-p", "sector=a\x07b"],
            "sector",
        ),
        ("syntax error", ["sparql", "SELECT ?x WHERE { ?x ?y }"], "SPARQL"),
        ("syntax error in a file", ["sparql", "-f", bad_query], "SPARQL"),
        ("update", ["sparql", "-f", update], "DELETE"),
        ("query file not UTF-8", ["sparql", "-f", not_utf8_query], "latin1.rq"),
        ("query file missing", ["sparql", "-f", str(tmp / "nope.rq")], "nope.rq"),
        ("query and file", ["sparql", "ASK {}", "-f", bad_query], "not both"),
        ("neither query nor file", ["sparql"], "-f FILE"),
        ("output folder missing", [*q, "-o", no_dir], "cannot write"),
        ("output is a folder", [*q, "-o", str(tmp)], "cannot write"),
        ("export output folder missing", ["export", "-o", no_dir[:-4] + ".ttl"], "cannot write"),
        (
            "validate output folder missing",
            ["validate", "-o", no_dir[:-4] + ".json"],
            "cannot write",
        ),
        ("docs output is a file", ["docs", "-o", bad_ttl], "not a folder"),
        ("diff of a missing file", ["diff", missing, bad_ttl], "no such file"),
        (
            "diff of malformed Turtle",
            ["diff", bad_ttl, str(ROOT / "ontology" / "hkit.ttl")],
            "bad.ttl",
        ),
        ("describe nothing", ["describe", "no such thing at all"], "no such thing"),
        ("shapes missing", ["validate", "--shapes", missing], "no such file"),
        ("shapes malformed", ["validate", "--shapes", bad_ttl], "bad.ttl"),
        ("endpoint not http", [*q, "--endpoint", "file:///etc/passwd"], "http"),
        ("default graph without endpoint", [*q, "--default-graph", "https://x/g"], "--endpoint"),
        ("reasoner timeout", ["reason", "--timeout", "0.001"], "did not finish"),
        ("check, unknown gate", ["check", "--skip", "lint"], "lint"),
    ]


def _names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [name for name, _, _ in bad_inputs(Path(tmp))]


BAD = [
    pytest.param(n, marks=pytest.mark.reasoner) if n.startswith("reasoner") else n for n in _names()
]


def check_one_line(stderr: str, words: str) -> None:
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("hkit: error: "), stderr
    assert len(lines) <= 2 and all(line.startswith("hkit: ") for line in lines), stderr
    assert "Traceback" not in stderr
    assert words in lines[0], (words, lines[0])


def test_there_are_at_least_fifty_bad_inputs():
    assert len(_names()) >= 50


@pytest.mark.parametrize("name", BAD)
def test_bad_input_through_clirunner(name, tmp_path):
    _, args, words = next(c for c in bad_inputs(tmp_path) if c[0] == name)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(
        main, ["--root", str(ROOT), *args] if "--root" not in args else args, catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    check_one_line(
        result.stderr if hasattr(result, "stderr") and result.stderr else result.output, words
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "a file was left behind"


@pytest.mark.slow
@pytest.mark.parametrize("name", BAD)
def test_bad_input_through_the_installed_command(name, tmp_path):
    _, args, words = next(c for c in bad_inputs(tmp_path) if c[0] == name)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    full = args if "--root" in args else ["--root", str(ROOT), *args]
    done = subprocess.run([HKIT, *full], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, (done.stdout, done.stderr)
    check_one_line(done.stderr, words)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "a file was left behind"


@pytest.mark.reasoner
def test_the_reasoner_never_follows_owl_imports(canary):
    """owlready2 fetches an ontology's imports when that ontology is the first it meets in the
    file, so `hkit reason` once reached the network for some hash seeds only. With a single
    importing ontology it would always fetch; hkit gives HermiT no owl:imports."""
    import rdflib
    from rdflib.namespace import OWL, RDF

    from hkit.quality.reason import run_hermit

    graph = rdflib.Graph()
    onto = rdflib.URIRef("https://w3id.org/hkit/id/o")
    graph.add((onto, RDF.type, OWL.Ontology))
    graph.add((onto, OWL.imports, rdflib.URIRef(f"{canary.base}/only.owl")))
    before = len(canary.hits)
    report = run_hermit(graph)
    assert canary.hits[before:] == []
    assert report.consistent
    imported = f"{canary.base}/only.owl"
    assert report.imports_not_followed == [imported]
    assert f"owl:imports not followed (hkit reads no ontology from the network): <{imported}>" in (
        report.render()
    )
    assert report.as_dict()["importsNotFollowed"] == [imported]


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/a"><e:p>&lol9;</e:p>'
    "</rdf:Description></rdf:RDF>\n"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("laughs.rdf", LAUGHS.encode("utf-8")),
        # the DOCTYPE after a comment longer than any fixed look-ahead
        (
            "long-comment.rdf",
            LAUGHS.replace("?>\n", "?>\n<!-- " + "c" * 200_000 + " -->\n", 1).encode(),
        ),
        # the same document in UTF-16, which a byte scan for "<!DOCTYPE" does not see
        (
            "utf16.rdf",
            LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
        ),
    ],
)
@pytest.mark.parametrize(
    "command", [["check", "--skip", "reason"], ["validate"], ["query", "funds-by-size"], ["export"]]
)
def test_no_path_expands_xml_entities(tmp_path, name, content, command):
    laughs = tmp_path / name
    laughs.write_bytes(content)
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--data", str(laughs), *command])
    assert result.exit_code in (1, 2), result.output
    assert "DOCTYPE is refused" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000, "levels deep"),
        ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 100_000) + " }", "chains"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 100_000) + ") }", "chains"),
    ],
    ids=["nested braces", "UNION branches", "|| terms"],
)
def test_a_query_that_would_crash_the_parser_is_refused_first(tmp_path, query, message):
    """pyoxigraph's parser crashes the process (exit 139) on a few thousand levels of nesting or
    of chained operators; hkit refuses such a query before the parser sees it."""
    path = tmp_path / "q.rq"
    path.write_text(query, encoding="utf-8")
    done = subprocess.run(
        [HKIT, "--root", str(ROOT), "sparql", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.startswith("hkit: error: ") and message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "literal",
    [
        '"1E+999999999"^^xsd:decimal',
        '"' + "9" * 5000 + '"^^xsd:decimal',
        '"' + "9" * 5000 + '"^^xsd:integer',
    ],
    ids=["a huge exponent", "5,000 digits", "a 5,000-digit integer"],
)
@pytest.mark.parametrize("fmt", ["table", "md", "json", "csv"])
def test_a_huge_number_is_shown_as_written(tmp_path, literal, fmt):
    result = CliRunner().invoke(
        main,
        [
            "--root",
            str(ROOT),
            "--timeout",
            "10",
            "sparql",
            "--format",
            fmt,
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
            f"SELECT ?n WHERE {{ BIND({literal} AS ?n) }}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert literal.split('"')[1][:50] in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<urn:a> <urn:b> "' + "x" * 17_000_000 + '" .\n', "too long to read"),
        ("<urn:a> <urn:b> " + "x" * 15_000_000 + " .\n", "/big.ttl: "),
    ],
    ids=["a 17 MB line", "a 15 MB bad token"],
)
@pytest.mark.parametrize("command", [["query", "funds-by-size"], ["check", "--skip", "reason"]])
def test_a_huge_line_or_token_is_one_short_line(tmp_path, content, message, command):
    big = tmp_path / "big.ttl"
    big.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--data", str(big), *command])
    assert result.exit_code in (1, 2), result.output[:300]
    assert message in result.output
    assert len(result.output) < 2000 and "Traceback" not in result.output


def test_export_of_a_file_with_a_remote_json_ld_context_says_why(tmp_path):
    remote = tmp_path / "remote.jsonld"
    remote.write_text(
        '{"@context": "http://127.0.0.1:1/ctx.jsonld", "@id": "http://e/a", "x": "y"}',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--data", str(remote), "export"])
    assert result.exit_code == 2
    assert "a JSON-LD @context that is not in the file is not fetched" in result.output


@pytest.mark.parametrize("command", [["diff", str(ROOT / "ontology" / "hkit.ttl")], ["review"]])
def test_a_long_string_full_of_escapes_reads_in_linear_time(tmp_path, command):
    """rdflib's Turtle parser took half a minute on this 1.2 MB string; hkit reads every file with
    pyoxigraph. (The bound is generous: it fails only on the quadratic parser.)"""
    import time

    text = tmp_path / "long.ttl"
    text.write_text(
        '<urn:a> <http://www.w3.org/2000/01/rdf-schema#comment> """'
        + 'x\\n\\"' * 300_000
        + '""" .\n',
        encoding="utf-8",
    )
    args = [*command, str(text)] if command[0] == "diff" else ["--data", str(text), *command]
    started = time.monotonic()
    result = CliRunner().invoke(main, ["--root", str(ROOT), *args])
    assert time.monotonic() - started < 20, "reading the file took too long"
    assert "Traceback" not in result.output
