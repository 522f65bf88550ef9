"""The W3C SHACL test suites (Core and SHACL-SPARQL, tests/w3c/data-shapes: see
tests/w3c/README.md), read from their own manifests and run through ``hkit validate`` as a user
runs it:

    hkit --root EMPTY --data DATA validate --shapes SHAPES --format ttl

Each test's Turtle report is re-parsed by a strict parser (pyoxigraph) and compared with the
report the manifest expects: ``sh:conforms``, and the results as (focus node, path, value,
constraint component, severity), as multisets. A test whose manifest expects a failure
(``sht:Failure``) passes when hkit refuses the shapes in one line, exit 2.

pyshacl alone (rdflib's own parser, ``pyshacl.validate`` with its defaults and the advanced
features on) is run on every test as well, so that the difference between the two is measured,
not assumed. DIFFERENCES is the one reviewed table of the tests whose report is not the expected
one, through hkit or through pyshacl alone, each with its reason; a test fails when the table
is wrong either way (a listed test that now agrees, or an unlisted one that does not), so it
cannot go stale. No test is skipped.

The default run takes the SHACL-SPARQL suite, the tests that the issue named, and every sixth
Core test; the others are marked slow (CI runs them all, as does HKIT_ALL_TESTS=1)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, SH

from hkit.cli.group import main
from hkit.store.rdf import quiet_ill_typed_literals

# The suites hold ill-typed literals on purpose ("c"^^xsd:byte); rdflib, reading the manifests
# and pyshacl's graphs here, would log a traceback or warn for each, as hkit does not.
quiet_ill_typed_literals()
pytestmark = pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")

SUITE = Path(__file__).resolve().parent / "w3c" / "data-shapes"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")


class Difference(NamedTuple):
    """A test whose report is not the expected one. ``who`` says whose: "pyshacl" when pyshacl
    alone gets it wrong, and hkit, which runs pyshacl, with it; "pyshacl only" when pyshacl
    alone gets it wrong and hkit does not; "hkit" when hkit differs, by design, where pyshacl
    alone agrees."""

    who: str
    reason: str


#: (pyshacl alone differs, hkit differs) for each kind of difference, and for none
DIFFERS = {None: (False, False), "pyshacl": (True, True), "pyshacl only": (True, False)}
DIFFERS["hkit"] = (False, True)

#: The reviewed table: every test, of both suites and of the cases below them ("beyond/..."),
#: whose report through hkit or through pyshacl alone is not the expected one. Suite test ids
#: are paths under tests/w3c/data-shapes.
DIFFERENCES: dict[str, Difference] = {
    "core/property/uniqueLang-002": Difference(
        "pyshacl",
        'pyshacl 0.40 reads sh:uniqueLang "1"^^xsd:boolean by its value, true, and reports the '
        "two @en labels; SHACL switches the constraint on for the literal true only, so the "
        "test expects a conforming report (the test's own comment, and w3c/data-shapes#98). "
        "No pyshacl issue was found for it",
    ),
    "sparql/pre-binding/shapesGraph-001": Difference(
        "pyshacl",
        "pyshacl 0.40 does not support $shapesGraph (optional in SHACL-SPARQL) and raises "
        "NotImplementedError; pyshacl's own run of this suite allows this test to fail "
        "(ALLOWABLE_FAILURES in its test/test_sht_validate.py). hkit says so in one line, "
        "exit 2, where the test expects a violation",
    ),
    "beyond/sh:prefixes through owl:imports": Difference(
        "pyshacl only",
        "pyshacl 0.40 reads sh:prefixes/sh:declare, not sh:prefixes/owl:imports*/sh:declare as "
        "SHACL 5.2.1 says, so the query's prefix is unknown to it; hkit gives pyshacl the "
        "declarations that the values of sh:prefixes import (hkit.quality.validate."
        "declare_imported_prefixes)",
    ),
    "beyond/$value and a parameter, in an ASK validator of a property shape": Difference(
        "pyshacl",
        "pyshacl 0.40 leaves sh:value out of the results of an ASK validator on a property "
        "shape, where SHACL 6.3 has the value node that the query returned false for",
    ),
}

#: Tests the issue named, run in the default (non-slow) run whatever their place.
NAMED = {
    "core/misc/severity-001",
    "core/property/or-datatypes-001",
    "core/property/uniqueLang-002",
    "core/property/datatype-ill-formed",
}

Result = tuple[str | None, ...]
#: (conforms, results) of a report, or FAILURE
Outcome = tuple[bool, tuple[Result, ...]] | str
FAILURE = "failure"


@dataclass(frozen=True)
class Case:
    id: str
    data: Path
    shapes: Path
    expected: Outcome
    status: str

    def __str__(self) -> str:
        return self.id


def _file(uri: rdflib.term.Node) -> Path:
    import urllib.request

    assert str(uri).startswith("file://"), uri
    return Path(urllib.request.url2pathname(str(uri).removeprefix("file://")))


def _parse(path: Path) -> rdflib.Graph:
    """A suite file as rdflib reads it, relative IRIs against its own location."""
    rdflib.NORMALIZE_LITERALS = False  # literals exactly as written, as hkit keeps them
    return rdflib.Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


def read_manifest(manifest: Path) -> list[Case]:
    """Every test of a manifest and of those it includes (mf:include), in order."""
    graph = _parse(manifest)
    cases: list[Case] = []
    for node in graph.subjects(RDF.type, MF.Manifest):
        for included in graph.objects(node, MF.include):
            cases.extend(read_manifest(_file(included)))
        for entries in graph.objects(node, MF.entries):
            for test in graph.items(entries):
                assert (test, RDF.type, SHT.Validate) in graph, test
                action = graph.value(test, MF.action)
                data = _file(graph.value(action, SHT.dataGraph))
                shapes = _file(graph.value(action, SHT.shapesGraph))
                result = graph.value(test, MF.result)
                expected = FAILURE if result == SHT.Failure else _outcome(graph, result)
                status = str(graph.value(test, MF.status)).rsplit("#", 1)[-1]
                test_id = str(_file(test).relative_to(SUITE))
                cases.append(Case(test_id, data, shapes, expected, status))
    return cases


def _term(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    """A report's term, comparable across graphs: an IRI or literal in N-Triples syntax (the
    literal exactly as written), a SHACL path in SPARQL syntax, any other blank node as []."""
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        if graph.value(node, RDF.first) is not None:
            return "(" + " / ".join(str(_term(graph, n)) for n in graph.items(node)) + ")"
        for predicate, shown in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = graph.value(node, predicate)
            if inner is not None:
                return shown.format(_term(graph, inner))
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + " | ".join(str(_term(graph, n)) for n in graph.items(alternatives)) + ")"
        return "[]"
    if isinstance(node, rdflib.Literal):
        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if node.language:
            return f"{text}@{node.language.lower()}"
        datatype = node.datatype or rdflib.namespace.XSD.string
        return f"{text}^^<{datatype}>"
    return f"<{node}>"


FIELDS = (SH.focusNode, SH.resultPath, SH.value, SH.sourceConstraintComponent, SH.resultSeverity)


def _outcome(graph: rdflib.Graph, report: rdflib.term.Node) -> Outcome:
    conforms = graph.value(report, SH.conforms)
    assert isinstance(conforms, rdflib.Literal), report
    results = (
        tuple(_term(graph, graph.value(result, field)) for field in FIELDS)
        for result in graph.objects(report, SH.result)
    )
    return str(conforms) in ("true", "1"), tuple(sorted(results, key=repr))


def _report_outcome(graph: rdflib.Graph) -> Outcome:
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    return _outcome(graph, report)


CORE = read_manifest(SUITE / "core" / "manifest.ttl")
SPARQL = read_manifest(SUITE / "sparql" / "manifest.ttl")
CASES = {case.id: case for case in CORE + SPARQL}


def _params(cases: list[Case], every: int) -> list:
    return [
        case
        if n % every == 0 or case.id in NAMED or case.id in DIFFERENCES
        else pytest.param(case, marks=pytest.mark.slow)
        for n, case in enumerate(cases)
    ]


# -- running a test through hkit and through pyshacl alone ------------


_ROOTS: list[Path] = []


@pytest.fixture(autouse=True, scope="module")
def _a_root_of_its_own(tmp_path_factory):
    _ROOTS.append(tmp_path_factory.mktemp("empty-root"))
    yield
    _ROOTS.pop()


def _empty_root() -> Path:
    """A root with an empty ontology and one empty data file: the graph is the test's alone."""
    root = _ROOTS[-1]
    if not (root / "data" / "empty.ttl").is_file():
        (root / "ontology").mkdir()
        (root / "ontology" / "hkit.ttl").write_text("", encoding="utf-8")
        (root / "data").mkdir()
        (root / "data" / "empty.ttl").write_text("", encoding="utf-8")
    return root


@functools.cache
def through_hkit(case: Case) -> Outcome:
    """The test through ``hkit validate --format ttl``: its report, re-parsed strictly, or
    FAILURE for a one-line refusal (exit 2)."""
    args = ["--root", str(_empty_root()), "--data", str(case.data)]
    args += ["validate", "--shapes", str(case.shapes), "--format", "ttl"]
    result = CliRunner().invoke(main, args)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines and lines[0].startswith("hkit: error: "), result.output
        assert len(lines) <= 2 and "Traceback" not in result.output, result.output
        return FAILURE
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert "Traceback" not in result.stderr, result.stderr
    text = result.stdout
    # the strict parser reads it as Turtle: every term written in valid Turtle
    triples = list(pyoxigraph.parse(text.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE))
    graph = rdflib.Graph().parse(data=text, format="turtle")
    assert len(graph) == len(triples)
    outcome = _report_outcome(graph)
    assert result.exit_code == (0 if _severities(outcome) <= {"Warning", "Info"} else 1)
    return outcome


def _severities(outcome: Outcome) -> set[str]:
    assert not isinstance(outcome, str)
    return {str(result[4]).rsplit("#", 1)[-1].rstrip(">") for result in outcome[1]}


@functools.cache
def through_pyshacl(case: Case) -> Outcome:
    """The test through pyshacl alone, on graphs that rdflib parsed, advanced features on."""
    import pyshacl

    data = _parse(case.data)
    shapes = data if case.shapes == case.data else _parse(case.shapes)
    try:
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    except Exception:
        return FAILURE
    if not isinstance(report, rdflib.Graph):  # a ValidationFailure, returned
        return FAILURE
    return _report_outcome(report)


# -- the tests ------------


def test_the_suites_are_read_whole():
    """98 Core tests and 22 SHACL-SPARQL tests (15 with a report, 7 that must fail), as the
    manifests list them; every file the manifests name is in tests/w3c."""
    assert len(CORE) == 98
    assert len(SPARQL) == 22
    assert sum(case.expected == FAILURE for case in SPARQL) == 7
    assert len(CASES) == 120
    for case in CASES.values():
        assert case.data.is_file() and case.shapes.is_file()
    beyond = {f"beyond/{name}" for name in FEATURES}
    assert set(DIFFERENCES) <= set(CASES) | beyond


@pytest.mark.parametrize("case", _params(SPARQL, 1) + _params(CORE, 6), ids=str)
def test_the_report_through_hkit_is_the_expected_one(case):
    """hkit's report is the expected one wherever pyshacl's is, and the table says exactly
    where either is not."""
    _compare(case)


def _compare(case: Case) -> None:
    """hkit's report and pyshacl's are the expected one, but where the table says otherwise,
    and then differ exactly as it says."""
    pyshacl_differs = through_pyshacl(case) != case.expected
    hkit_differs = through_hkit(case) != case.expected
    listed = DIFFERENCES.get(case.id)
    who = None if listed is None else listed.who
    assert (pyshacl_differs, hkit_differs) == DIFFERS[who], (
        f"the table says {who!r} of {case.id}\nexpected {case.expected}\n"
        f"pyshacl alone gave {through_pyshacl(case)}\nhkit gave {through_hkit(case)}"
    )


def test_each_difference_has_a_reason():
    for test_id, difference in DIFFERENCES.items():
        assert difference.who in DIFFERS, test_id
        assert len(difference.reason) > 40, test_id


def test_warnings_make_the_report_not_conform_but_leave_the_exit_code_at_0():
    """SHACL: a report conforms when it has no results at all; hkit's exit code is 1 for
    violations only (checked on every test in through_hkit)."""
    case = CASES["core/misc/severity-001"]
    conforms, results = through_hkit(case)
    assert conforms is False and len(results) == 1
    assert _severities((conforms, results)) == {"Warning"}


def test_an_ill_typed_literal_is_written_in_its_full_form():
    case = CASES["core/property/or-datatypes-001"]
    _, results = through_hkit(case)
    assert '"none"^^<http://www.w3.org/2001/XMLSchema#boolean>' in {r[2] for r in results}


# -- SHACL-SPARQL beyond the suite: what it leaves untested ------------
#
# The suite uses neither $value nor $currentShape (but for $shapesGraph, which pyshacl does not
# support), nor prefixes declared through owl:imports alone. Each case here is one file, data
# and shapes together as in the suite, whose report is written out below; hkit must give it,
# and so must pyshacl alone, but where the case says why not.

EX = "http://example.org/ns#"
HEAD = f"""@prefix ex: <{EX}> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:a a ex:Thing ; ex:p "x", "yy" ; ex:q 1 .
ex:b a ex:Thing ; ex:p "zzz" .
# "d:" is declared for SPARQL only, so that no parser's own prefixes can stand in for it
ex:declarations sh:declare [ sh:prefix "d" ; sh:namespace "{EX}"^^xsd:anyURI ] .
"""
SHAPE_COMPONENTS = "<http://www.w3.org/ns/shacl#SPARQLConstraintComponent>"
VIOLATION = "<http://www.w3.org/ns/shacl#Violation>"


def _ex(name: str) -> str:
    return f"<{EX}{name}>"


def _string(text: str) -> str:
    return f'"{text}"^^<http://www.w3.org/2001/XMLSchema#string>'


FEATURES: dict[str, tuple[str, list[Result]]] = {
    # name: (shapes, the expected results)
    "$this, with sh:prefixes": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:prefixes ex:declarations ;
    sh:select "SELECT $this ?value WHERE { $this d:p ?value FILTER(strlen(?value) > 1) }" ] .""",
        [
            (_ex("a"), None, _string("yy"), SHAPE_COMPONENTS, VIOLATION),
            (_ex("b"), None, _string("zzz"), SHAPE_COMPONENTS, VIOLATION),
        ],
    ),
    "sh:prefixes through owl:imports": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:prefixes ex:mine ;
    sh:select "SELECT $this ?value WHERE { $this d:p ?value FILTER(strlen(?value) > 1) }" ] .
ex:mine owl:imports ex:theirs . ex:theirs owl:imports ex:declarations .""",
        [
            (_ex("a"), None, _string("yy"), SHAPE_COMPONENTS, VIOLATION),
            (_ex("b"), None, _string("zzz"), SHAPE_COMPONENTS, VIOLATION),
        ],
    ),
    "$currentShape": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; ex:limit 2 ;
  sh:sparql [ sh:prefixes ex:declarations ; sh:select
    "SELECT $this ?value WHERE { $currentShape d:limit ?max . $this d:p ?value FILTER(strlen(?value) > ?max) }" ] .""",  # noqa: E501
        [(_ex("b"), None, _string("zzz"), SHAPE_COMPONENTS, VIOLATION)],
    ),
    "$value and a parameter, in an ASK validator of a property shape": (
        """ex:MaxLength a sh:ConstraintComponent ; sh:parameter [ sh:path ex:maxLength ] ;
  sh:validator [ a sh:SPARQLAskValidator ; sh:message "too long" ;
    sh:ask "ASK { FILTER(strlen($value) <= $maxLength) }" ] .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; ex:maxLength 2 ] .""",
        [(_ex("b"), _ex("p"), _string("zzz"), _ex("MaxLength"), VIOLATION)],
    ),
    "$value in an ASK validator of a node shape": (
        """ex:HasQ a sh:ConstraintComponent ; sh:parameter [ sh:path ex:hasQ ] ;
  sh:validator [ a sh:SPARQLAskValidator ; sh:prefixes ex:declarations ;
    sh:ask "ASK { $value d:q ?any }" ] .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; ex:hasQ true .""",
        [(_ex("b"), None, _ex("b"), _ex("HasQ"), VIOLATION)],
    ),
    "$PATH of a complex path, in a SELECT property validator": (
        """ex:Longer a sh:ConstraintComponent ; sh:parameter [ sh:path ex:longerThan ] ;
  sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:message "too long" ;
    sh:select "SELECT DISTINCT $this ?value WHERE { $this $PATH ?value FILTER(strlen(str(?value)) > $longerThan) }" ] .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; ex:longerThan 1 ] .""",  # noqa: E501
        [
            (_ex("a"), f"({_ex('p')} | {_ex('q')})", _string("yy"), _ex("Longer"), VIOLATION),
            (_ex("b"), f"({_ex('p')} | {_ex('q')})", _string("zzz"), _ex("Longer"), VIOLATION),
        ],
    ),
    "a SELECT node validator": (
        """ex:Needs a sh:ConstraintComponent ; sh:parameter [ sh:path ex:needs ] ;
  sh:nodeValidator [ a sh:SPARQLSelectValidator ; sh:message "needs {$needs}" ;
    sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this $needs ?any } }" ] .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; ex:needs ex:q .""",
        [(_ex("b"), None, _ex("b"), _ex("Needs"), VIOLATION)],
    ),
}


@pytest.mark.parametrize("feature", FEATURES)
def test_shacl_sparql_beyond_the_suite(feature, tmp_path):
    shapes, results = FEATURES[feature]
    path = tmp_path / "case.ttl"
    path.write_text(HEAD + shapes + "\n", encoding="utf-8")
    _compare(Case(f"beyond/{feature}", path, path, (False, tuple(sorted(results, key=repr))), ""))


# -- relative IRIs in files resolve against the file's own location ------------

RELATIVE = '<> <http://example.org/p> <#x>, <other.ttl> .\n<#x> <http://example.org/q> "1" .\n'


def _relative_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "my data.ttl"
    path.write_text(RELATIVE, encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["load_rdflib", "store", "slices", "export", "strict_parse"])
def test_relative_iris_in_a_file_resolve_against_its_location(how, tmp_path):
    """As Turtle says (and rdflib, rapper and Jena read files): against the file's own file:
    URI, as it was named (a space percent-encoded, a symbolic link not followed)."""
    from hkit.present.export import read_quads
    from hkit.quality import slices
    from hkit.store import rdf, stores

    real = _relative_file(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    path = tmp_path / "link" / real.name
    me = path.absolute().as_uri()
    assert me.endswith("/link/my%20data.ttl")
    folder = me.rsplit("/", 1)[0]
    expected = {
        (me, "http://example.org/p", f"{me}#x"),
        (me, "http://example.org/p", f"{folder}/other.ttl"),
        (f"{me}#x", "http://example.org/q", "1"),
    }
    if how == "load_rdflib":
        found = {tuple(map(str, t)) for t in rdf.load_rdflib([path])}
    elif how == "store":
        found = {
            (q.subject.value, q.predicate.value, q.object.value) for q in stores.load_store([path])
        }
    elif how == "slices":
        compact = slices.Compact([path])
        found = {
            (str(compact.terms[s]), str(compact.terms[p]), str(compact.terms[o]))
            for s, p, o in zip(compact.s, compact.p, compact.o, strict=True)
        }
    elif how == "export":
        found = {
            (q.subject.value, q.predicate.value, q.object.value)
            for q in read_quads([(path, "https://example.org/g")])
        }
    else:
        assert rdf.strict_parse(path) == 3
        return
    assert found == expected


def test_an_explicit_base_in_the_file_still_wins(tmp_path):
    from hkit.store import rdf

    path = tmp_path / "based.ttl"
    path.write_text("@base <http://example.org/base/> .\n" + RELATIVE, encoding="utf-8")
    subjects = {str(s) for s, _, _ in rdf.load_rdflib([path])}
    assert subjects == {"http://example.org/base/", "http://example.org/base/#x"}


def test_query_and_validate_read_relative_iris_through_the_command_line(tmp_path):
    data = _relative_file(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "--root",
            str(_empty_root()),
            "--data",
            str(data),
            "sparql",
            "--format",
            "tsv",
            "SELECT ?o WHERE { ?s <http://example.org/q> ?o }",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ['"1"']


def test_a_relative_json_ld_context_beside_the_file_is_not_read(tmp_path):
    """A base for the file does not make a JSON-LD @context next to it readable: only a context
    inside the document is used, as before."""
    (tmp_path / "context.jsonld").write_text('{"@context": {"x": "http://e/x"}}', encoding="utf-8")
    data = tmp_path / "data.jsonld"
    data.write_text(
        '{"@context": "context.jsonld", "@id": "http://e/a", "x": "y"}', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["--root", str(_empty_root()), "--data", str(data), "stats"])
    assert result.exit_code == 2
    assert "a JSON-LD @context that is not in the file is not fetched" in result.output
