"""User shapes cannot reach the network: SHACL-SPARQL text is checked where it is written
(sh:select, sh:ask, sh:prefix, sh:namespace), again as pyshacl assembles it (every text rdflib's
SPARQL parser is handed while hkit validates), and validation with user shapes runs in a child
that cannot open a network socket. Each field that ends up in query text is tried against a
canary HTTP server on loopback, with each layer alone, so that every layer is shown to hold."""

from __future__ import annotations

import contextlib

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit import HkitError, InputError
from hkit.cli.group import main
from hkit.quality import shacl_sparql
from hkit.quality import validate as validate_module

HEAD = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
)


def service(base: str) -> str:
    return f"SERVICE <{base}/sparql> {{ ?a ?b ?c }}"


def past_pyshacl(svc: str) -> str:
    """The SERVICE clause with its E written as a codepoint escape (\\u0045 in the query text),
    which pyshacl's own SERVICE pattern does not see and rdflib reads as SERVICE, so that hkit's
    layers alone stand between it and the canary."""
    return svc.replace("SERVICE", "S\\\\u0045RVICE")


def shapes_through(field: str, base: str) -> str:
    """A shapes file whose ``field`` carries a SERVICE clause to the canary."""
    svc = service(base)
    if field == "sh:select":
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            '  sh:sparql [ sh:message "m" ; sh:select '
            f'"SELECT $this WHERE {{ {past_pyshacl(svc)} }}" ] .\n'
        )
    if field == "sh:select, glued to a number":
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            '  sh:sparql [ sh:message "m" ; sh:select '
            f'"SELECT $this WHERE {{ $this ?p 1{past_pyshacl(svc)} }}" ] .\n'
        )
    if field == "sh:select, in rdflib's own escapes":
        # rdflib reads \U with four digits (and \u with eight) as an escape; SPARQL does not
        loose = svc.replace("SERVICE", "\\\\U0053\\\\U0045\\\\U0052VICE")
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            f'  sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE {{ {loose} }}" ] .\n'
        )
    if field in ("sh:namespace", "sh:prefix"):
        # pyshacl writes "PREFIX p: <namespace>" lines before the sh:select text: a declaration
        # that closes the IRI can start a query of its own, and swallow the constraint's own text
        # in a long string that a string of that text closes (the text alone is harmless).
        opened = f'SELECT $this WHERE {{ {svc} FILTER(?a != \\"\\"\\"'
        namespace, prefix = "http://e.example/", "ev"
        if field == "sh:namespace":
            namespace = f"http://e.example/> {opened}"
        else:
            prefix, namespace = f"ev: <http://e.example/> {opened} x", "http://x.example/"
        select = 'SELECT $this WHERE { $this ?p ?o FILTER(?o != \\"\\"\\")}#\\"\\"\\") }'
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            '  sh:sparql [ sh:message "m" ; sh:prefixes <https://example.org/P> ;\n'
            f'     sh:select "{select}" ] .\n'
            f'<https://example.org/P> sh:declare [ sh:prefix "{prefix}" ;\n'
            f'  sh:namespace "{namespace}"^^xsd:anyURI ] .\n'
        )
    if field == "sh:namespace reached through owl:imports":
        # SHACL takes a constraint's prefixes from sh:prefixes/owl:imports*/sh:declare, which hkit
        # hands pyshacl: a declaration two imports away is pasted as a direct one is.
        opened = f'SELECT $this WHERE {{ {svc} FILTER(?a != \\"\\"\\"'
        select = 'SELECT $this WHERE { $this ?p ?o FILTER(?o != \\"\\"\\")}#\\"\\"\\") }'
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            '  sh:sparql [ sh:message "m" ; sh:prefixes <https://example.org/P> ;\n'
            f'     sh:select "{select}" ] .\n'
            "<https://example.org/P> <http://www.w3.org/2002/07/owl#imports> "
            "<https://example.org/Q> .\n"
            "<https://example.org/Q> <http://www.w3.org/2002/07/owl#imports> "
            "<https://example.org/R> .\n"
            '<https://example.org/R> sh:declare [ sh:prefix "ev" ;\n'
            f'  sh:namespace "http://e.example/> {opened}"^^xsd:anyURI ] .\n'
        )
    if field == "sh:select with pre-bound $this, $currentShape and $PATH":
        return HEAD + (
            "<https://example.org/C> a sh:ConstraintComponent ;\n"
            "  sh:parameter [ sh:path <https://example.org/flag> ] ;\n"
            '  sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:message "m" ;\n'
            '     sh:select "SELECT $this ?value WHERE { $this $PATH ?value . '
            f'FILTER(bound($currentShape)) {past_pyshacl(svc)} }}" ] .\n'
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            "  sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ;\n"
            "    <https://example.org/flag> true ] .\n"
        )
    if field == "sh:ask with pre-bound $value":
        return HEAD + (
            "<https://example.org/C> a sh:ConstraintComponent ;\n"
            "  sh:parameter [ sh:path <https://example.org/flag> ] ;\n"
            '  sh:validator [ a sh:SPARQLAskValidator ; sh:message "m" ;\n'
            f'     sh:ask "ASK {{ FILTER(bound($value)) {past_pyshacl(svc)} }}" ] .\n'
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            "  <https://example.org/flag> true .\n"
        )
    if field == "sh:select with $shapesGraph":
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
            '  sh:sparql [ sh:message "m" ; sh:select '
            f'"SELECT $this WHERE {{ GRAPH $shapesGraph {{ {past_pyshacl(svc)} }} }}" ] .\n'
        )
    if field == "sh:select of a SPARQL target":
        return HEAD + (
            "<https://example.org/S> a sh:NodeShape ;\n"
            f'  sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE {{ {svc} }}" ] ;\n'
            "  sh:property [ sh:path hkit:name ; sh:minCount 1 ] .\n"
        )
    raise AssertionError(field)


# (A sh:path IRI is pasted for $PATH as <IRI>, but rdflib's Turtle parser holds no IRI with a
# '>' or a space, even written as \u escapes, so it cannot close the IRI: no case for it.)
FIELDS = [
    "sh:select",
    "sh:select, glued to a number",
    "sh:namespace",
    "sh:prefix",
    "sh:namespace reached through owl:imports",
    "sh:select with pre-bound $this, $currentShape and $PATH",
    "sh:ask with pre-bound $value",
    "sh:select with $shapesGraph",
    "sh:select, in rdflib's own escapes",
    "sh:select of a SPARQL target",
]


@pytest.mark.parametrize("field", FIELDS)
def test_user_shapes_reach_no_host_and_are_refused_in_one_line(field, canary, tmp_path):
    shapes = tmp_path / "evil.ttl"
    shapes.write_text(shapes_through(field, canary.base), encoding="utf-8")
    before = len(canary.hits)
    result = CliRunner().invoke(main, ["--root", str(ROOT), "validate", "--shapes", str(shapes)])
    assert canary.hits[before:] == []
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("hkit: error: "), result.output
    assert (
        "Traceback" not in result.output and "does not look like a valid URI" not in result.output
    )


@pytest.mark.parametrize("field", FIELDS)
def test_the_assembled_text_is_checked_when_the_written_fields_pass(
    field, canary, tmp_path, monkeypatch
):
    """With the checks of the written fields switched off, the check of each text pyshacl
    assembles still refuses it (in this process, without the offline child)."""
    monkeypatch.setattr(validate_module, "_refuse_unsafe_queries", lambda shapes: None)
    shapes = tmp_path / "evil.ttl"
    shapes.write_text(shapes_through(field, canary.base), encoding="utf-8")
    before = len(canary.hits)
    kg = hkit.open(root=ROOT)
    try:
        validate_module.validate(
            hkit.store.rdf.load_rdflib(hkit.store.files.graph_files(kg.root)),
            hkit.store.rdf.load_rdflib([shapes]),
            jobs=1,
        )
        outcome = "ran"
    except InputError:
        outcome = "refused"
    except HkitError:  # pyshacl itself could not read what was pasted
        outcome = "failed"
    assert canary.hits[before:] == []
    if field == "sh:select of a SPARQL target":  # run only in pyshacl's advanced mode, which
        assert outcome == "ran"  # hkit does not turn on: nothing is assembled, nothing runs
    else:
        assert outcome in ("refused", "failed")


@pytest.mark.parametrize("field", FIELDS)
def test_the_offline_child_alone_keeps_the_canary_silent(field, canary, tmp_path, monkeypatch):
    """With every text check switched off, validation with user shapes still reaches no host:
    it runs in a child that cannot open a network socket."""
    import os

    if not hasattr(os, "fork"):
        pytest.skip("no fork() here")
    monkeypatch.delenv("HKIT_IN_PROCESS", raising=False)
    monkeypatch.setattr(validate_module, "_refuse_unsafe_queries", lambda shapes: None)
    monkeypatch.setattr(shacl_sparql, "_guarding", -(10**6))  # the parser guard is off
    shapes = tmp_path / "evil.ttl"
    shapes.write_text(shapes_through(field, canary.base), encoding="utf-8")
    before = len(canary.hits)
    with contextlib.suppress(HkitError):
        hkit.open(root=ROOT).validate(shapes)
    assert canary.hits[before:] == []


@pytest.mark.parametrize(
    "field",
    [  # (rdflib's parser does not read a keyword glued to a number: no control for that one)
        "sh:select",
        "sh:select, in rdflib's own escapes",
        "sh:namespace",
        "sh:namespace reached through owl:imports",
        "sh:select with pre-bound $this, $currentShape and $PATH",
        "sh:ask with pre-bound $value",
    ],
)
def test_without_the_layers_the_canary_would_be_reached(field, canary, tmp_path, monkeypatch):
    """The control: with every layer off, in this process, pyshacl does reach the canary, so the
    tests above prove the layers, not a canary that cannot be reached (for the fields that
    pyshacl's own SERVICE pattern does not stop, and the prefixes and pre-bound variables that
    hkit hands pyshacl as SHACL-SPARQL has them)."""
    monkeypatch.setattr(validate_module, "_refuse_unsafe_queries", lambda shapes: None)
    monkeypatch.setattr(shacl_sparql, "_guarding", -(10**6))
    shapes = tmp_path / "evil.ttl"
    shapes.write_text(shapes_through(field, canary.base), encoding="utf-8")
    before = len(canary.hits)
    kg = hkit.open(root=ROOT)
    with contextlib.suppress(Exception):
        validate_module.validate(
            hkit.store.rdf.load_rdflib(hkit.store.files.graph_files(kg.root)),
            hkit.store.rdf.load_rdflib([shapes]),
            jobs=1,
        )
    assert canary.hits[before:] != []


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ('sh:prefix "ev" ; sh:namespace "not an iri"^^xsd:anyURI', "namespace 'not an iri'"),
        ('sh:prefix "ev" ; sh:namespace "relative/ns#"', "namespace 'relative/ns#'"),
        ('sh:prefix "e v" ; sh:namespace "http://e.example/"', "prefix 'e v'"),
        ('sh:prefix "1ev" ; sh:namespace "http://e.example/"', "prefix '1ev'"),
    ],
)
def test_a_malformed_declaration_is_one_line_and_exit_2(declaration, message, tmp_path):
    shapes = tmp_path / "bad.ttl"
    shapes.write_text(
        HEAD + "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        '  sh:sparql [ sh:message "m" ; sh:prefixes <https://example.org/P> ;\n'
        '     sh:select "SELECT $this WHERE { $this ev:p ?o }" ] .\n'
        f"<https://example.org/P> sh:declare [ {declaration} ] .\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--root", str(ROOT), "validate", "--shapes", str(shapes)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith("hkit: error: the shapes declare the ")
    assert message in result.output.splitlines()[0]
    assert len(result.output.splitlines()) == 2  # the error and its hint, nothing else


def test_prefix_declarations_still_work(tmp_path):
    """The ordinary use of sh:prefixes is kept: a SPARQL constraint that uses a declared prefix
    finds its violations."""
    shapes = tmp_path / "ok.ttl"
    shapes.write_text(
        HEAD + "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        '  sh:sparql [ sh:message "a university" ; sh:prefixes <https://example.org/P> ;\n'
        '     sh:select "SELECT $this WHERE { $this a ho:University }" ] .\n'
        '<https://example.org/P> sh:declare [ sh:prefix "ho" ;\n'
        '  sh:namespace "https://w3id.org/hkit/ontology#"^^xsd:anyURI ] .\n',
        encoding="utf-8",
    )
    report = hkit.open(root=ROOT).validate(shapes)
    assert not report.conforms
    assert {v.message for v in report.violations} == {"a university"}


def test_prefixes_declared_through_owl_imports_work(tmp_path):
    """SHACL's prefixes of a constraint are sh:prefixes/owl:imports*/sh:declare (the W3C test
    sparql/node/prefixes-001 in tests/test_w3c_shacl.py): a prefix declared two imports away is
    used as a direct one is."""
    shapes = tmp_path / "ok.ttl"
    shapes.write_text(
        HEAD + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        '  sh:sparql [ sh:message "a university" ; sh:prefixes <https://example.org/P> ;\n'
        '     sh:select "SELECT $this WHERE { $this a ho:University }" ] .\n'
        "<https://example.org/P> owl:imports <https://example.org/Q> .\n"
        "<https://example.org/Q> owl:imports <https://example.org/R> .\n"
        '<https://example.org/R> sh:declare [ sh:prefix "ho" ;\n'
        '  sh:namespace "https://w3id.org/hkit/ontology#"^^xsd:anyURI ] .\n',
        encoding="utf-8",
    )
    report = hkit.open(root=ROOT).validate(shapes)
    assert not report.conforms
    assert {v.message for v in report.violations} == {"a university"}


def test_a_prefix_that_a_constraint_does_not_declare_is_one_line_and_exit_2(tmp_path):
    """Each constraint has the prefixes of its own sh:prefixes: one declared for another
    constraint only is unknown to it, which rdflib finds as the query runs."""
    shapes = tmp_path / "undeclared.ttl"
    shapes.write_text(
        HEAD + "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        '  sh:sparql [ sh:message "declared" ; sh:prefixes <https://example.org/P> ;\n'
        '     sh:select "SELECT $this WHERE { $this a ho:Nothing }" ] ;\n'
        '  sh:sparql [ sh:message "not declared" ;\n'
        '     sh:select "SELECT $this WHERE { $this a ho:University }" ] .\n'
        '<https://example.org/P> sh:declare [ sh:prefix "ho" ;\n'
        '  sh:namespace "https://w3id.org/hkit/ontology#"^^xsd:anyURI ] .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--root", str(ROOT), "validate", "--shapes", str(shapes)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        "hkit: error: a SPARQL constraint in the shapes uses the prefix 'ho:', which its "
        "sh:prefixes do not declare"
    )
    assert len(result.output.splitlines()) == 2 and "Traceback" not in result.output


def test_pre_bound_variables_work(tmp_path):
    """$this, $currentShape and $PATH are bound as SHACL-SPARQL says (with $value, the W3C
    tests and tests/test_w3c_shacl.py's own cases check them against pyshacl alone): a
    constraint component whose validator uses them finds every university's label."""
    shapes = tmp_path / "ok.ttl"
    shapes.write_text(
        HEAD + "<https://example.org/C> a sh:ConstraintComponent ;\n"
        "  sh:parameter [ sh:path <https://example.org/flag> ] ;\n"
        '  sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:message "labelled" ;\n'
        '     sh:select "SELECT $this ?value WHERE { $this $PATH ?value . '
        'FILTER(bound($currentShape) && isLiteral(?value)) }" ] .\n'
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        "  sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ;\n"
        "    <https://example.org/flag> true ] .\n",
        encoding="utf-8",
    )
    kg = hkit.open(root=ROOT)
    report = kg.validate(shapes)
    assert not report.conforms
    labelled = kg.sparql(
        "SELECT (COUNT(*) AS ?n) WHERE { ?u a/rdfs:subClassOf* hkit:University ; rdfs:label ?l }"
    )
    assert len(report.violations) == next(iter(labelled))["n"] > 0
    assert {v.message for v in report.violations} == {"labelled"}
