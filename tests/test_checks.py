"""The SPARQL violation checks (queries/checks/) and ``hkit check``: the shipped graph passes
every check and every gate; each broken fixture fails the one check or gate it is made for, with a
message that names the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import CHECK_FIXTURES, GATE_FIXTURES, ROOT, expected_messages

import hkit
from hkit import QueryError, Term
from hkit.cli.group import main
from hkit.quality.checks import (
    CHECKS_DIR,
    check_store,
    query_iris,
    read_allowed,
    read_check,
    render_message,
    run_checks,
    saved_query_files,
    stale_allowances,
)
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import ONTOLOGY, graph_files

CHECKS = hkit.open(root=ROOT).checks
CHECK_NAMES = [c.name for c in CHECKS]


def invoke(*args: str, root: Path = ROOT, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False, env=env)


def gates_of(output: str) -> dict[str, dict]:
    return {g["gate"]: g for g in json.loads(output)["gates"]}


# -- the checks themselves ------------


def test_there_are_at_least_ten_checks_each_with_summary_and_message():
    assert len(CHECKS) >= 10
    for check in CHECKS:
        assert check.path.name.endswith("-violation.rq")
        assert check.summary and check.message and check.description
        assert "{" in check.message, f"{check.name}: the message names nothing from the row"


def test_every_check_has_one_broken_fixture_and_no_fixture_is_stray():
    fixtures = {p.stem for p in CHECK_FIXTURES.iterdir() if p.suffix in (".ttl", ".rq")}
    assert fixtures == set(CHECK_NAMES)
    for path in CHECK_FIXTURES.iterdir():
        assert expected_messages(path), f"{path.name} says nothing about what it must trigger"


def test_shipped_graph_passes_every_check_and_every_allowance_is_used():
    allowed = read_allowed(ROOT / CHECKS_DIR)
    store = check_store(graph_files(ROOT), ROOT / ONTOLOGY, saved_query_files(ROOT))
    outcomes = run_checks(EmbeddedEngine(store), CHECKS, allowed, timeout=60)
    assert [o.check.name for o in outcomes] == CHECK_NAMES
    failures = [f.message for o in outcomes for f in o.failures]
    assert failures == []
    assert stale_allowances(outcomes, allowed) == []
    # the allowances are reported as such, with their reasons
    allowed_findings = [f for o in outcomes for f in o.findings if f.allowed]
    assert len(allowed_findings) == len(allowed)


def _root_with_query(tmp_path: Path, query: Path) -> Path:
    """A copy of the project root with one more saved query."""
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(query, root / "queries" / query.name)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("name", CHECK_NAMES)
def test_broken_fixture_fails_its_check_and_no_other(name, tmp_path):
    fixtures = [p for p in CHECK_FIXTURES.glob(f"{name}.*")]
    assert len(fixtures) == 1
    fixture = fixtures[0]
    if fixture.suffix == ".rq":
        args, root = [], _root_with_query(tmp_path, fixture)
    else:
        args, root = ["--data", str(fixture)], ROOT
    result = invoke(
        *args, "check", "--skip", "shacl", "--skip", "reason", "--format", "json", root=root
    )
    assert result.exit_code == 1, result.output
    gate = gates_of(result.output)["checks"]
    assert gate["result"] == "fail"
    failing = {problem.split(":", 1)[0] for problem in gate["problems"]}
    assert failing == {name}
    for text in expected_messages(fixture):
        assert any(text in problem for problem in gate["problems"]), (text, gate["problems"])


def test_a_stale_allowance_fails_the_checks(tmp_path):
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    allowed = root / CHECKS_DIR / "allowed.tsv"
    with allowed.open("a", encoding="utf-8") as fh:
        fh.write("isolated-entity\tid:hkust\tno longer needed\n")
    result = invoke("check", "--skip", "shacl", "--skip", "reason", root=root)
    assert result.exit_code == 1
    assert "the allowance for https://w3id.org/hkit/id/hkust in 'isolated-entity' matches" in (
        result.output
    )


def test_a_malformed_allowance_row_is_a_clear_error(tmp_path):
    (tmp_path / "allowed.tsv").write_text("check\tentity\treason\nisolated-entity\tid:x\n")
    with pytest.raises(Exception, match="row 2 is not"):
        read_allowed(tmp_path)


def test_a_check_needs_a_summary_and_a_message(tmp_path):
    path = tmp_path / "nameless-violation.rq"
    path.write_text("#+ summary: something\nSELECT ?s WHERE { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="message"):
        read_check(path)


def test_a_check_may_not_update_or_reach_outside(tmp_path):
    path = tmp_path / "sneaky-violation.rq"
    path.write_text(
        "#+ summary: s\n#+ message: m\n"
        "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n"
    )
    with pytest.raises(QueryError, match="SERVICE"):
        read_check(path)


def test_render_message_compacts_iris_and_marks_missing_values():
    row = {"entity": Term("uri", "https://w3id.org/hkit/id/hkust"), "n": Term("literal", "5")}
    assert render_message("{entity} has {n} of {missing}", row) == "id:hkust has 5 of (none)"


def test_query_iris_reads_sparql_not_text():
    text = """
    PREFIX hkit: <https://w3id.org/hkit/ontology#>
    # hkit:InAComment is not used
    SELECT ?x WHERE {
      ?x hkit:partOf+/^hkit:hasPart ?y ;
         hkit:evidence "hkit:InAString" .
      FILTER (?y != <https://w3id.org/hkit/id/hkust>)
    }"""
    iris = query_iris(text)
    assert {
        "https://w3id.org/hkit/ontology#partOf",
        "https://w3id.org/hkit/ontology#hasPart",
        "https://w3id.org/hkit/ontology#evidence",
        "https://w3id.org/hkit/id/hkust",
    } <= iris
    assert not any("InA" in iri for iri in iris)


def test_query_iris_finds_what_only_a_filter_names_where_rdflib_s_algebra_does_not():
    """A term a saved query names only inside FILTER (a comparison, or FILTER EXISTS) is used:
    the review's unused-term check and the checks' index read queries with query_iris, which
    finds it. A walk of rdflib's algebra over the basic graph patterns does not (the trap this
    guards against)."""
    from rdflib import URIRef
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import traverse

    text = """PREFIX hkit: <https://w3id.org/hkit/ontology#>
    SELECT ?x WHERE { ?x a ?t FILTER (?t = hkit:Unicorn) FILTER EXISTS { ?x hkit:sector ?s } }"""
    named_in_filters = {
        "https://w3id.org/hkit/ontology#Unicorn",
        "https://w3id.org/hkit/ontology#sector",
    }
    assert named_in_filters <= query_iris(text)

    walked: set[str] = set()

    def visit(node: object) -> None:
        if getattr(node, "name", None) == "BGP":
            walked.update(
                str(t) for triple in node.triples for t in triple if isinstance(t, URIRef)
            )

    traverse(prepareQuery(text).algebra, visit)
    assert not named_in_filters & walked  # what the algebra walk would have missed


# -- hkit check, every gate ------------


@pytest.mark.slow  # eleven seconds; CI runs it (the golden `check` output passes by default)
@pytest.mark.reasoner
def test_check_passes_on_the_shipped_graph():
    result = invoke("check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["gate", "result", "count", "time", "details"]
    rows = {line.split()[0]: line.split() for line in lines[2:6]}
    assert set(rows) == {"parse", "shacl", "reason", "checks"}
    assert all(row[1] == "pass" and row[2] == "0" for row in rows.values())


GATE_CASES = [
    ("not-strict.ttl", "parse"),
    ("shacl-violation.ttl", "shacl"),
    ("inconsistent.ttl", "reason"),
    ("unsatisfiable.ttl", "reason"),
]


@pytest.mark.slow
@pytest.mark.reasoner
@pytest.mark.parametrize(("fixture", "gate"), GATE_CASES)
def test_check_fails_on_a_broken_fixture_and_names_the_problem(fixture, gate):
    path = GATE_FIXTURES / fixture
    result = invoke("--data", str(path), "check", "--format", "json")
    assert result.exit_code == 1, result.output
    gates = gates_of(result.output)
    assert gates[gate]["result"] == "fail"
    for text in expected_messages(path):
        assert any(text in p for p in gates[gate]["problems"]), gates[gate]["problems"]
    text = invoke("--data", str(path), "check").output
    assert f"{gate}: FAIL" in text
    assert expected_messages(path)[0] in text


def test_a_file_that_fails_the_strict_parse_skips_the_other_gates():
    result = invoke("--data", str(GATE_FIXTURES / "not-strict.ttl"), "check", "--format", "json")
    gates = gates_of(result.output)
    assert gates["parse"]["result"] == "fail" and gates["parse"]["count"] == 1
    assert {gates[g]["result"] for g in ("shacl", "reason", "checks")} == {"skipped"}


def test_a_violation_check_fixture_fails_hkit_check_as_a_whole():
    result = invoke(
        "--data", str(CHECK_FIXTURES / "isolated-entity.ttl"), "check", "--skip", "reason"
    )
    assert result.exit_code == 1
    assert "checks: FAIL" in result.output
    assert "isolated-entity: id:fixture-loner (hkit:Person) is related to no other" in (
        result.output
    )


def test_a_gate_that_cannot_run_exits_2():
    result = invoke(
        "check", "--skip", "shacl", "--skip", "checks", env={"HKIT_JAVA": "no-such-java-binary"}
    )
    assert result.exit_code == 2
    assert "ERROR" in result.output and "needs Java" in result.output


def test_check_list_names_every_check():
    result = invoke("check", "--list")
    assert result.exit_code == 0
    for check in CHECKS:
        assert check.name in result.output and check.summary in result.output


def test_check_skip_reports_skipped_gates():
    result = invoke("check", "--skip", "reason", "--skip", "shacl", "--format", "json")
    assert result.exit_code == 0
    gates = gates_of(result.output)
    assert gates["reason"]["result"] == "skipped" and gates["checks"]["result"] == "pass"
    assert json.loads(result.output)["passed"] is True
