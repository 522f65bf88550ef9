"""``hkit review``: the ontology quality report. The shipped ontology has no error and no
unexplained warning; a broken ontology triggers every check, each finding naming its term by
label and IRI and saying how to fix it."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, ROOT

import hkit
from hkit.cli.group import main
from hkit.quality.review import NOTES_FILE, read_notes, review
from hkit.quality.review_checks import CHECKS
from hkit.quality.review_terms import MAPPINGS_FILE, read_mappings
from hkit.store.rdf import load_rdflib

BROKEN = FIXTURES / "review" / "broken-ontology.ttl"
BROKEN_DATA = FIXTURES / "review" / "data.ttl"
BROKEN_MAPPINGS = FIXTURES / "review" / "mappings.sssom.tsv"
HKIT_NS = "https://w3id.org/hkit/ontology#"


def invoke(*args: str, root=ROOT):
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def broken():
    expected = re.findall(r"^# expect: (\S+) (\S+)$", BROKEN.read_text(encoding="utf-8"), re.M)
    report = review(
        load_rdflib([BROKEN]),
        load_rdflib([BROKEN_DATA]),
        {"fixture.rq": {"https://w3id.org/hkit/ontology#InAQueryOnly"}},
        mappings=read_mappings(BROKEN_MAPPINGS),
    )
    return report, expected


def test_the_shipped_ontology_has_no_error_and_no_unexplained_warning():
    report = hkit.open(root=ROOT).review()
    counts = report.counts()
    assert counts["error"] == 0, report.render()
    assert counts["warn"] == 0, report.render()
    assert report.stale_notes == []
    assert (report.aligned + report.mapped) / report.alignable >= 0.8
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (
        f"{report.aligned} of hkit's {report.alignable} classes and properties are\nlogically "
        f"aligned, directly or through an hkit parent, and {report.mapped} more only mapped"
    ) in readme, "README's alignment figures are stale"


def test_alignment_counts_axioms_apart_from_mappings():
    """A class under a standard class is aligned; one with only a SKOS match is mapped; a close
    match through nothing but an hkit parent's mapping is still only mapped."""
    import rdflib

    graph = rdflib.Graph().parse(
        data="@prefix hkit: <https://w3id.org/hkit/ontology#> . "
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . "
        "@prefix prov: <http://www.w3.org/ns/prov#> . "
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
        "@prefix schema: <https://schema.org/> . "
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> . "
        "hkit:A a owl:Class ; rdfs:subClassOf prov:Entity . "
        "hkit:B a owl:Class ; skos:closeMatch schema:Thing . "
        "hkit:C a owl:Class ; rdfs:subClassOf hkit:B . "
        "hkit:D a owl:Class . "
        "hkit:E a owl:Class ; owl:deprecated true .",
        format="turtle",
    )
    report = review(graph)
    assert (report.aligned, report.mapped, report.alignable) == (1, 2, 4)
    assert "1 of 4 classes and properties aligned (25%), 2 more only mapped" in report.render()
    (missing,) = [f.term for f in report.findings if f.check == "not_aligned"]
    assert missing == HKIT_NS + "D"


def test_a_deprecated_term_takes_part_in_no_collision(broken):
    report, _ = broken
    (twin,) = [
        f for f in report.findings if f.check == "case_collision" and f.term.endswith("Twin")
    ]
    assert "hkit:twin" in twin.message and "TWIN" not in twin.message


def test_deprecated_references_say_where_and_what_replaces_them(broken):
    report, _ = broken
    (found,) = [f for f in report.findings if f.term == HKIT_NS + "Obsolete"]
    assert "rdfs:subClassOf of hkit:UnderObsolete" in found.message
    assert "data" in found.message and "use hkit:Hosted instead" in found.message


def test_the_shipped_mapping_table_is_sssom_with_a_justification_per_row():
    text = (ROOT / MAPPINGS_FILE).read_text(encoding="utf-8")
    assert text.startswith("# curie_map:")
    rows = read_mappings(ROOT / MAPPINGS_FILE)
    assert len(rows) > 50
    assert {m.justification for m in rows} == {
        "https://w3id.org/semapv/vocab/ManualMappingCuration"
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("# curie_map:", "# prefixes:"), "has no curie_map"),
        (lambda t: t.replace("subject_id\t", "subject\t"), "the header row is not"),
        (lambda t: t.replace("\tskos:closeMatch\t", "\tskos:broader\t", 1), "not a SKOS match"),
        (lambda t: t.replace("\nhkit:", "\nnope:", 1), "is not in curie_map"),
        (lambda t: t.replace("semapv:Manual", "skos:Manual", 1), "not a semapv term"),
        (lambda t: t.replace("# license:", "# licence:"), "has no license"),
    ],
)
def test_a_malformed_mapping_table_is_a_clear_error(tmp_path, change, message):
    from hkit.core.errors import InputError

    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(change(BROKEN_MAPPINGS.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_mappings(path)


def test_the_broken_ontology_triggers_every_check(broken):
    report, expected = broken
    found = {(f.check, f.term) for f in report.findings}
    missing = [pair for pair in expected if tuple(pair) not in found]
    assert not missing, report.render()
    assert {check for check, _ in expected} == set(CHECKS) - {"alignment_coverage"}


def test_low_alignment_coverage_is_a_warning():
    import rdflib

    graph = rdflib.Graph().parse(
        data="@prefix hkit: <https://w3id.org/hkit/ontology#> . "
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . "
        "hkit:A a owl:Class . hkit:B a owl:Class .",
        format="turtle",
    )
    report = review(graph)
    (coverage,) = [f for f in report.findings if f.check == "alignment_coverage"]
    assert coverage.severity == "warn" and "only 0 of 2" in coverage.message


def test_every_finding_names_its_term_and_says_how_to_fix_it(broken):
    report, _ = broken
    for f in report.findings:
        assert f.term and f.label and f.severity in ("error", "warn", "info")
        assert re.search(r"; [a-z]", f.message), f"{f.check}: no fix in {f.message!r}"


def test_json_findings_have_the_documented_keys(tmp_path):
    result = invoke("review", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["findings"]
    for finding in document["findings"]:
        assert set(finding) == {"severity", "check", "term", "label", "message"}
    assert {f["check"] for f in document["explained"]} <= set(CHECKS)
    assert all("explanation" in f for f in document["explained"])


def test_text_and_markdown_reports():
    text = invoke("review").output
    assert text.startswith("0 error(s), 0 warning(s)")
    assert "[missing_domain_or_range]" in text and "missing_inverse" not in text
    md = invoke("review", "--format", "md").output
    assert md.startswith("# hkit ontology review")
    assert "| severity | check | term | label | message |" in md
    assert "## Explained" in md


def test_fail_on_sets_the_exit_code():
    assert invoke("review", "--fail-on", "error").exit_code == 0
    assert invoke("review", "--fail-on", "warn").exit_code == 0
    assert invoke("review", "--fail-on", "info").exit_code == 1


def test_data_with_an_undeclared_term_fails_the_review(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "<https://w3id.org/hkit/id/hkust> hkit:foundedOn 1991 .\n",
        encoding="utf-8",
    )
    result = invoke("--data", str(extra), "review")
    assert result.exit_code == 1
    assert "[undeclared_term] hkit:foundedOn <https://w3id.org/hkit/ontology#foundedOn>" in (
        result.output
    )


def test_notes_explain_findings_and_stale_notes_fail(tmp_path):
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    notes = root / NOTES_FILE
    with notes.open("a", encoding="utf-8") as fh:
        fh.write("missing_domain_or_range\thkit:aim\tOpen on purpose.\n")
        fh.write("missing_domain_or_range\thkit:noSuchTerm\tExplains nothing.\n")
    report = hkit.open(root=root).review()
    explained = {f.term: f.explanation for f in report.findings if f.explanation}
    assert explained["https://w3id.org/hkit/ontology#aim"] == "Open on purpose."
    assert report.stale_notes == [
        ("missing_domain_or_range", "https://w3id.org/hkit/ontology#noSuchTerm")
    ]
    result = invoke("review", root=root)
    assert result.exit_code == 1
    assert "[stale note]" in result.output


def test_a_malformed_note_is_a_clear_error(tmp_path):
    notes = tmp_path / "notes.tsv"
    notes.write_text("check\tterm\treason\nno_such_check\thkit:x\twhy\n", encoding="utf-8")
    with pytest.raises(Exception, match="names no check called 'no_such_check'"):
        read_notes(notes)


def test_each_check_is_registered_with_its_anchor_and_severity(broken):
    """One function per check, registered with its name, the checklist it comes from and its
    severity (ROBOT's profile table); a finding's severity is its check's unless the check says
    why not (missing_domain_or_range is info when an open domain is stated)."""
    from hkit.quality.review import SEVERITIES

    report, _ = broken
    for name, check in CHECKS.items():
        assert check.name == name
        assert check.severity in SEVERITIES
        assert check.anchor.startswith(("ROBOT", "OOPS! P", "OWL 2 DL", "hkit"))
        assert callable(check.find)
    for finding in report.findings:
        if finding.check != "missing_domain_or_range":
            assert finding.severity == CHECKS[finding.check].severity, finding


def test_the_gates_are_registered_in_their_order():
    from hkit.quality.checks import GATES

    assert list(GATES) == ["parse", "shacl", "reason", "checks", "ledger", "attribution", "version"]
    assert all(gate.name == name and gate.anchor for name, gate in GATES.items())
