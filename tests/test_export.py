"""``hkit export``: six formats, each deterministic (the same bytes on every run, in separate
processes), lossless (pyoxigraph and rdflib read back exactly the triples hkit parsed), with the
documented named-graph layout, and accepted by Apache Jena's strict parser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import rdflib.compare
from click.testing import CliRunner
from helpers import ROOT
from stores import riot

import hkit
from hkit.cli.group import main
from hkit.core.formats import EXPORT, get, names
from hkit.core.vocab import PREFIXES
from hkit.present.export import (
    DATA_GRAPH,
    ONTOLOGY_GRAPH,
    export_files,
    read_quads,
)
from hkit.store import attribution
from hkit.store.attribution import EDITORIAL
from hkit.store.files import ONTOLOGY, data_files

FORMATS = list(names(EXPORT))
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
TRICKY = Path(__file__).parent / "fixtures" / "export" / "tricky-literals.ttl"
TRIPLE_TERMS = Path(__file__).parent / "fixtures" / "export" / "triple-terms.ttl"
KG = hkit.open(root=ROOT)


def invoke(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False)


def oxigraph_statements(data: bytes, fmt: str) -> list[str]:
    spec = get(fmt, EXPORT)
    parsed = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.from_media_type(spec.media_type))
    items = [q if spec.dataset else q.triple for q in parsed]
    return sorted(str(x) for x in items)


#: The named graphs of the dataset formats: the ontology, the data, each source document's and
#: the editor's (hkit.store.attribution).
DOCUMENT_GRAPHS = {f"https://w3id.org/hkit/id/doc-00{n}" for n in range(4)}
GRAPHS = {ONTOLOGY_GRAPH, DATA_GRAPH, EDITORIAL, *DOCUMENT_GRAPHS}


def source_statements(fmt: str, extra: tuple[Path, ...] = ()) -> list[str]:
    files = export_files(ROOT, extra)
    quads = read_quads(files)
    if get(fmt, EXPORT).dataset:
        found = attribution.attribute([path for path, _ in files])
        quads += found.quads if found is not None else []
        return sorted({str(q) for q in quads})
    return sorted({str(q.triple) for q in quads})


def as_rdflib(statements: list) -> rdflib.Graph:
    """pyoxigraph triples as an rdflib graph, lexical forms kept."""
    graph = rdflib.Graph()

    def term(t: object) -> rdflib.term.Node:
        if isinstance(t, pyoxigraph.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, pyoxigraph.BlankNode):
            return rdflib.BNode(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype.value == str(rdflib.XSD.string):  # RDF 1.1: a simple literal
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    for s in statements:
        graph.add((term(s.subject), term(s.predicate), term(s.object)))
    return graph


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_byte_identical_across_processes(fmt, tmp_path):
    first = invoke("export", "--format", fmt)
    assert first.exit_code == 0
    code = (
        f"import sys, hkit; sys.stdout.buffer.write(hkit.open(root={str(ROOT)!r}).export({fmt!r}))"
    )
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert first.stdout_bytes == second.stdout
    out = tmp_path / f"hkit{get(fmt, EXPORT).suffixes[0]}"
    assert invoke("export", "--format", fmt, "-o", str(out)).exit_code == 0
    assert out.read_bytes() == second.stdout
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reparses_exactly_with_pyoxigraph(fmt):
    data = KG.export(fmt)
    assert oxigraph_statements(data, fmt) == source_statements(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reparses_to_the_same_triples_with_rdflib(fmt):
    rdflib.NORMALIZE_LITERALS = False
    data = KG.export(fmt)
    if get(fmt, EXPORT).dataset:
        parsed = rdflib.Dataset()
        parsed.parse(data=data, format=RDFLIB_FORMATS[fmt])
        graphs = {str(g.identifier): g for g in parsed.graphs() if len(g)}
        assert set(graphs) == GRAPHS
        triples = rdflib.Graph()
        for g in graphs.values():
            triples += g
    else:
        triples = rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])
    expected = as_rdflib([q.triple for q in set(read_quads(export_files(ROOT)))])
    assert len(triples) == len(expected)
    assert rdflib.compare.isomorphic(triples, expected)


def test_jsonld_is_strict_json():
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    document = json.loads(KG.export("jsonld"), parse_constant=refuse)
    assert isinstance(document, dict) and document


def test_jsonld_has_a_context_and_a_named_graph_for_the_ontology_one_for_the_data_and_more():
    document = json.loads(KG.export("jsonld"))
    assert document["@context"] == PREFIXES
    assert set(document) == {"@context", "@graph"}
    graphs = {graph["@id"]: graph["@graph"] for graph in document["@graph"]}
    named = {"id:" + g.rsplit("/", 1)[1] for g in DOCUMENT_GRAPHS}
    assert set(graphs) == {ONTOLOGY_GRAPH, DATA_GRAPH, EDITORIAL, *named}
    assert all(set(graph) == {"@id", "@graph"} for graph in document["@graph"])
    ontology = {node["@id"] for node in graphs[ONTOLOGY_GRAPH]}
    data = {node["@id"] for node in graphs[DATA_GRAPH]}
    assert "hkit:Initiative" in ontology and "hkit:Initiative" not in data
    assert "id:innohk" in data and "id:innohk" not in ontology
    (innohk,) = [node for node in graphs[DATA_GRAPH] if node["@id"] == "id:innohk"]
    assert {"@id": "hkit:Initiative"} in innohk["rdf:type"]
    assert {"@language": "en", "@value": "InnoHK"} in innohk["rdfs:label"]


def test_jsonld_writes_no_iri_that_a_processor_would_read_as_another(tmp_path):
    """An IRI whose scheme is one of hkit's prefixes (``schema:x``) would be read as a compact
    IRI: that prefix is left out of the context. A local part that starts with // would be read
    as an IRI of its own: that IRI is written in full."""
    extra = tmp_path / "schemes.nt"
    extra.write_text(
        "<schema:thing> <https://example.org/p> <https://w3id.org/hkit/id///x> .\n"
        '<https://example.org/s> <id:p> "1"^^<xsd:decimal> .\n',
        encoding="utf-8",
    )
    result = invoke("--data", str(extra), "export", "--format", "jsonld")
    assert result.exit_code == 0, result.output
    context = json.loads(result.stdout_bytes)["@context"]
    assert "schema" not in context and "id" not in context and "xsd" not in context
    assert context["hkit"] == PREFIXES["hkit"]
    assert '"https://w3id.org/hkit/id///x"' in result.stdout_bytes.decode()
    assert oxigraph_statements(result.stdout_bytes, "jsonld") == source_statements(
        "jsonld", (extra,)
    )
    rdflib.NORMALIZE_LITERALS = False
    parsed = rdflib.Dataset()
    parsed.parse(data=result.stdout_bytes, format="json-ld")
    triples = {t for g in parsed.graphs() for t in g}
    assert (
        rdflib.URIRef("schema:thing"),
        rdflib.URIRef("https://example.org/p"),
        rdflib.URIRef("https://w3id.org/hkit/id///x"),
    ) in triples
    assert (
        rdflib.URIRef("https://example.org/s"),
        rdflib.URIRef("id:p"),
        rdflib.Literal("1", datatype=rdflib.URIRef("xsd:decimal")),
    ) in triples


def test_named_graph_layout_puts_the_ontology_and_the_data_apart():
    quads = pyoxigraph.parse(KG.export("nquads"), format=pyoxigraph.RdfFormat.N_QUADS)
    by_graph: dict[str, int] = {}
    for quad in quads:
        by_graph[quad.graph_name.value] = by_graph.get(quad.graph_name.value, 0) + 1
    ontology = sum(1 for _ in pyoxigraph.parse(path=str(ROOT / ONTOLOGY)))
    data = {q.triple for q in read_quads((p, DATA_GRAPH) for p in data_files(ROOT))}
    assert {g: n for g, n in by_graph.items() if g in (ONTOLOGY_GRAPH, DATA_GRAPH)} == {
        ONTOLOGY_GRAPH: ontology,
        DATA_GRAPH: len(data),
    }
    # the documents' graphs and the editor's hold the data's triples, each in one at least
    assert set(by_graph) == GRAPHS
    quads = pyoxigraph.parse(KG.export("nquads"), format=pyoxigraph.RdfFormat.N_QUADS)
    attributed = {q.triple for q in quads if q.graph_name.value in DOCUMENT_GRAPHS | {EDITORIAL}}
    assert attributed == data


def test_prefixes_are_the_projects():
    turtle = KG.export("turtle").decode()
    assert "@prefix hkit: <https://w3id.org/hkit/ontology#> ." in turtle
    assert "@prefix id: <https://w3id.org/hkit/id/> ." in turtle
    assert "id:innohk a hkit:Initiative" in turtle


@pytest.mark.parametrize("fmt", FORMATS)
def test_tricky_literals_survive_every_format(fmt):
    """Doubles with 16 digits, long decimals, big integers, lexical variants that rdflib would
    merge, language tags, escapes and IRIs needing escapes, read back unchanged."""
    result = invoke("--data", str(TRICKY), "export", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert oxigraph_statements(result.stdout_bytes, fmt) == source_statements(fmt, (TRICKY,))
    assert "3.141592653589793" in result.stdout_bytes.decode()


@pytest.mark.parametrize("fmt", ["ntriples", "nquads", "turtle", "trig"])
def test_triple_terms_survive_the_formats_that_carry_them(fmt):
    """RDF 1.2 triple terms as objects, nested, with a blank node and a base direction inside:
    read back unchanged, and in N-Triples in the order of the statements' tuple of terms."""
    result = invoke("--data", str(TRIPLE_TERMS), "export", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert oxigraph_statements(result.stdout_bytes, fmt) == source_statements(fmt, (TRIPLE_TERMS,))
    if fmt == "ntriples":  # the order, by the tuple of the terms (IRIs before blank nodes)
        triples = {q.triple for q in read_quads(export_files(ROOT, (TRIPLE_TERMS,)))}
        blank = pyoxigraph.BlankNode
        ordered = sorted(
            triples,
            key=lambda t: (isinstance(t.subject, blank), str(t.subject), str(t.predicate),
                           isinstance(t.object, blank), str(t.object)),
        )  # fmt: skip
        expected = pyoxigraph.serialize(ordered, format=pyoxigraph.RdfFormat.N_TRIPLES)
        assert result.stdout_bytes == expected
        assert b'<<( <http://example.org/b> <http://example.org/c> "x"@en--ltr )>>' in expected


@pytest.mark.parametrize("inferred", [False, True])
def test_the_line_formats_come_a_batch_at_a_time_with_the_same_bytes(monkeypatch, inferred):
    """N-Triples and N-Quads are written a batch of statements at a time (the whole output is
    never held): in many pieces, the same bytes as written whole, triple terms included; the
    other formats come in one piece."""
    import hkit.present.export as export

    kg = hkit.open(root=ROOT, data=[TRIPLE_TERMS])
    carry = ("ntriples", "nquads", "turtle", "trig")  # the formats that carry triple terms
    monkeypatch.setattr(export, "BATCH", 10**9)  # written whole
    whole = {fmt: kg.export(fmt, inferred=inferred) for fmt in carry}
    monkeypatch.setattr(export, "BATCH", 97)
    for fmt, expected in whole.items():
        pieces = list(kg.export_chunks(fmt, inferred=inferred))
        assert b"".join(pieces) == expected, fmt
        if fmt in ("ntriples", "nquads"):
            assert len(pieces) == -(-expected.count(b"\n") // 97) > 10, fmt
            assert all(piece.endswith(b" .\n") for piece in pieces)
        else:
            assert len(pieces) == 1, fmt


@pytest.mark.parametrize("fmt", ["rdfxml", "jsonld"])
def test_a_triple_term_is_refused_where_the_format_cannot_carry_it(fmt):
    result = invoke("--data", str(TRIPLE_TERMS), "export", "--format", fmt)
    assert result.exit_code == 2
    assert result.output.startswith(
        f"hkit: error: the graph cannot be written as {fmt}: it holds a triple term (RDF 1.2)"
    )
    assert "use --format ntriples" in result.output and "Traceback" not in result.output


def test_a_refused_export_leaves_no_file_and_writes_nothing(tmp_path):
    """The refusal comes before any output is written: no file, no temporary file, nothing on
    standard output, and the library raises it when the pieces are asked for."""
    out = tmp_path / "hkit.rdf"
    result = invoke("--data", str(TRIPLE_TERMS), "export", "--format", "rdfxml", "-o", str(out))
    assert result.exit_code == 2 and "it holds a triple term" in result.output
    assert list(tmp_path.iterdir()) == []
    result = invoke("--data", str(TRIPLE_TERMS), "export", "--format", "jsonld")
    assert result.exit_code == 2 and result.stdout_bytes == b""
    with pytest.raises(hkit.HkitError, match="it holds a triple term"):
        hkit.open(root=ROOT, data=[TRIPLE_TERMS]).export_chunks("rdfxml")


def test_rdfxml_refuses_what_xml_cannot_carry(tmp_path):
    bad = tmp_path / "control.nt"
    bad.write_text('<https://example.org/s> <https://example.org/p> "a\\u0001b" .\n')
    result = invoke("--data", str(bad), "export", "--format", "rdfxml")
    assert result.exit_code == 2
    assert "U+0001, which XML 1.0 cannot represent" in result.output
    assert invoke("--data", str(bad), "export", "--format", "ntriples").exit_code == 0


def test_rdfxml_refuses_a_predicate_with_no_local_name(tmp_path):
    bad = tmp_path / "predicate.nt"
    bad.write_text('<https://example.org/s> <https://example.org/p/1> "x" .\n')
    result = invoke("--data", str(bad), "export", "--format", "rdfxml")
    assert result.exit_code == 2
    assert "has no XML local name" in result.output


@pytest.mark.stores
@pytest.mark.parametrize(
    # Jena starts a JVM per format: Turtle in the default run, every format in CI
    "fmt",
    [f if f == "turtle" else pytest.param(f, marks=pytest.mark.slow) for f in FORMATS],
)
def test_jena_accepts_every_export_strictly_and_reads_the_same_triples(fmt, jena, tmp_path):
    path = tmp_path / f"hkit{get(fmt, EXPORT).suffixes[0]}"
    path.write_bytes(hkit.open(root=ROOT, data=[TRICKY]).export(fmt))
    # Debian's Jena 4.5 cannot read JSON-LD 1.1 at all (its Titanium reader fails on any
    # document), so JSON-LD goes through its JSON-LD 1.0 reader.
    syntax = ["--syntax=jsonld10"] if fmt == "jsonld" else []
    checked = riot(jena, *syntax, "--validate", "--strict", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "WARN" not in checked.stderr and "ERROR" not in checked.stderr, checked.stderr
    converted = riot(jena, *syntax, "--output=nq", str(path))
    assert converted.returncode == 0, converted.stderr
    rdflib.NORMALIZE_LITERALS = False
    dataset = rdflib.Dataset()
    dataset.parse(data=converted.stdout, format="nquads")
    read_by_jena = rdflib.Graph()
    for graph in dataset.graphs():
        read_by_jena += graph
    expected = as_rdflib([q.triple for q in set(read_quads(export_files(ROOT, (TRICKY,))))])
    assert len(read_by_jena) == len(expected)
    assert rdflib.compare.isomorphic(read_by_jena, expected)


# -- with what the ontology entails ------------

INFERRED = "https://w3id.org/hkit/inferred"


def test_the_inferred_export_adds_the_closure_in_a_graph_of_its_own():
    plain = KG.export("nquads")
    both = KG.export("nquads", inferred=True)
    assert both == KG.export("nquads", inferred=True)  # deterministic
    quads = list(pyoxigraph.parse(both, format=pyoxigraph.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert graphs == GRAPHS | {INFERRED}
    asserted = {q for q in quads if q.graph_name.value != INFERRED}
    assert asserted == set(pyoxigraph.parse(plain, format=pyoxigraph.RdfFormat.N_QUADS))
    # the inferred graph is exactly what the embedded store infers (the shipped graph's
    # closure has no blank node, so its terms compare as they are)
    store = hkit.open(root=ROOT).store
    expected = {
        q.triple for q in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(INFERRED))
    }
    assert {q.triple for q in quads if q.graph_name.value == INFERRED} == expected
    # a triple format holds the union
    turtle = KG.export("turtle", inferred=True)
    union = {q.triple for q in quads}  # (the documents' graphs repeat the data's triples)
    assert len(list(pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE))) == len(union)


def test_a_store_that_does_not_reason_answers_with_the_inferred_export():
    """Loaded into a plain store (no reasoning), the export with --inferred answers what only
    the ontology entails, and the saved queries give the embedded engine's rows."""
    from hkit.store.engines import EmbeddedEngine

    store = pyoxigraph.Store()
    store.load(KG.export("ntriples", inferred=True), format=pyoxigraph.RdfFormat.N_TRIPLES)
    engine = EmbeddedEngine(store, inferred=False)
    text = "PREFIX hkit: <https://w3id.org/hkit/ontology#> SELECT * WHERE { ?p hkit:holdsPost ?x }"
    assert len(engine.run(text).rows) == 12
    for name in ("people-and-posts", "sites-and-occupants", "events-timeline"):
        query = KG.prepare(name, **KG.queries[name].examples[0])
        assert engine.run(query).rows == KG.embedded.run(query).rows, name


def test_the_command_line_exports_the_closure_when_asked(tmp_path):
    out = tmp_path / "hkit.trig"
    result = CliRunner().invoke(main, ["--root", str(ROOT), "export", "--inferred", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == KG.export("trig", inferred=True)
    assert f"<{INFERRED}>".encode() in out.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_set_of_statements_is_let_go_before_the_output_is_written(monkeypatch, fmt):
    """Once sorted, the statements are held as a list alone: the set they were gathered in (as
    large again) is gone before pyoxigraph writes, in every format."""
    import weakref

    import hkit.present.export as export

    gathered, alive = [], []
    keys, written, jsonld = export._keys, export._written, export._jsonld

    def gather(*args):
        found = keys(*args)
        gathered.append(weakref.ref(found))
        return found

    def write(*args):
        alive.append(gathered[-1]() is not None)
        return written(*args)

    def write_jsonld(*args):
        alive.append(gathered[-1]() is not None)
        return jsonld(*args)

    monkeypatch.setattr(export, "_keys", gather)
    monkeypatch.setattr(export, "_written", write)
    monkeypatch.setattr(export, "_jsonld", write_jsonld)
    assert b"".join(export.export_chunks(ROOT, fmt))
    assert alive and not any(alive)
