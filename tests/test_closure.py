"""The materialised closure: what the ontology entails, kept apart from what the documents state.

Each rule of the profile (hkit.store.closure) has a fixture that needs it; the closure of the
shipped graph is compared with owlrl's OWL 2 RL closure (a second engine, written independently),
and the command line, the library and the on-disk store are checked to see it, or not, as asked.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import ROOT, owlrl_closure_of_the_shipped_graph

import hkit
from hkit.cli.group import build
from hkit.store import closure, closure_files, stores
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import graph_files

pyoxigraph = pytest.importorskip("pyoxigraph")

HKIT = "https://w3id.org/hkit/ontology#"
PREFIXES = """@prefix : <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def closed(turtle: str) -> set[tuple[str, str, str]]:
    """The inferred triples of a Turtle fixture, with IRIs shortened to their local names."""
    store = pyoxigraph.Store()
    store.load((PREFIXES + turtle).encode(), format=pyoxigraph.RdfFormat.TURTLE)
    closure.materialise(store)
    inferred = pyoxigraph.NamedNode(closure.INFERRED)

    def short(term: object) -> str:
        value = term.value  # type: ignore[attr-defined]
        return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    return {
        (short(q.subject), short(q.predicate), short(q.object))
        for q in store.quads_for_pattern(None, None, None, inferred)
    }


# -- each rule, with a fixture that needs it ------------


def test_types_of_every_superclass_and_the_schema_closed():
    got = closed(":C rdfs:subClassOf :B . :B rdfs:subClassOf :A . :x a :C .")
    assert {("x", "type", "B"), ("x", "type", "A"), ("C", "subClassOf", "A")} <= got
    assert ("x", "type", "C") not in got  # asserted: never repeated in the inferred graph


def test_an_equivalent_class_works_both_ways():
    got = closed(":A owl:equivalentClass :B . :x a :A . :y a :B .")
    assert {("x", "type", "B"), ("y", "type", "A")} <= got


def test_superproperties_and_equivalent_properties():
    got = closed(
        ":p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r . :r owl:equivalentProperty :s ."
        ":a :p :b ."
    )
    assert {("a", "q", "b"), ("a", "r", "b"), ("a", "s", "b")} <= got


def test_inverses_both_ways_and_never_a_literal_subject():
    got = closed(":p owl:inverseOf :q . :a :p :b . :c :q :d . :t owl:inverseOf :u . :e :t 'text' .")
    assert {("b", "q", "a"), ("d", "p", "c")} <= got
    assert not [t for t in got if t[1] == "u"]  # 'text' :u :e is not RDF


def test_symmetric_and_transitive_properties():
    got = closed(
        ":near a owl:SymmetricProperty . :a :near :b ."
        ":in a owl:TransitiveProperty . :x :in :y . :y :in :z . :z :in :w ."
    )
    assert ("b", "near", "a") in got
    assert {("x", "in", "z"), ("x", "in", "w"), ("y", "in", "w")} <= got


def test_a_property_chain_with_an_inverse_step():
    got = closed(
        ":holds owl:propertyChainAxiom ( [ owl:inverseOf :holder ] :post ) ."
        ":appointment :holder :person ; :post :chair ."
    )
    assert ("person", "holds", "chair") in got


def test_a_chain_feeds_the_other_rules_until_nothing_is_new():
    got = closed(
        ":holds owl:propertyChainAxiom ( :p :q ) . :holds rdfs:subPropertyOf :has ."
        ":has rdfs:range :Thing2 . :Thing2 rdfs:subClassOf :Top ."
        ":a :p :b . :b :q :c ."
    )
    assert {("a", "holds", "c"), ("a", "has", "c"), ("c", "type", "Thing2")} <= got
    assert ("c", "type", "Top") in got


def test_domain_and_range_but_a_literal_is_never_typed():
    got = closed(
        ":p rdfs:domain :D ; rdfs:range :R . :a :p :b . :n rdfs:range xsd:string . :a :n 'x' ."
    )
    assert {("a", "type", "D"), ("b", "type", "R")} <= got
    assert not [t for t in got if t[2] == "string"]


def test_no_trivia_and_no_same_as():
    got = closed(
        ":A rdfs:subClassOf owl:Thing . :x a :A . :f a owl:FunctionalProperty . :x :f :y , :z ."
    )
    assert got == set()  # no owl:Thing types, no owl:sameAs from a functional property


def test_an_empty_closure_and_a_cycle_of_subclasses():
    assert closed(":x :p :y .") == set()
    got = closed(":A rdfs:subClassOf :B . :B rdfs:subClassOf :A . :x a :A .")
    assert ("x", "type", "B") in got
    assert ("A", "subClassOf", "A") not in got


# -- the shipped graph ------------


@pytest.fixture(scope="module")
def shipped():
    store = stores.load_store(graph_files(ROOT))
    added = closure.materialise(store)
    return store, added


def count(store, query: str, inferred: bool) -> int:
    engine = EmbeddedEngine(store, inferred=inferred)
    rows = engine.run(f"PREFIX hkit: <{HKIT}> SELECT (COUNT(*) AS ?n) WHERE {{ {query} }}")
    return int(rows.rows[0]["n"].value)


@pytest.mark.parametrize(
    "query, asserted, entailed",
    [
        ("SELECT DISTINCT ?x WHERE { ?x a hkit:Organisation }", 6, 51),
        ("SELECT DISTINCT ?x WHERE { ?x a hkit:Event }", 2, 12),
        ("?p hkit:holdsPost ?post", 0, 12),
    ],
)
def test_the_closure_answers_what_the_ontology_entails(shipped, query, asserted, entailed):
    store, _ = shipped
    wrapped = query if query.startswith("?") else "{ " + query + " }"
    assert count(store, wrapped, inferred=False) == asserted
    assert count(store, wrapped, inferred=True) == entailed


def test_inferred_triples_are_new_and_are_rdf(shipped):
    store, added = shipped
    inferred = pyoxigraph.NamedNode(closure.INFERRED)
    quads = list(store.quads_for_pattern(None, None, None, inferred))
    assert len(quads) == added > 1000
    for quad in quads:
        assert not isinstance(quad.subject, pyoxigraph.Literal)
        asserted = store.quads_for_pattern(
            quad.subject, quad.predicate, quad.object, pyoxigraph.DefaultGraph()
        )
        assert next(iter(asserted), None) is None, quad
    # the rounds' own graphs are gone
    assert [g.value for g in store.named_graphs()] == [closure.INFERRED]


def test_no_inferred_triple_claims_a_source(shipped):
    store, _ = shipped
    claims = "http://www.w3.org/ns/prov#wasDerivedFrom"
    inferred = pyoxigraph.NamedNode(closure.INFERRED)
    assert not list(store.quads_for_pattern(None, pyoxigraph.NamedNode(claims), None, inferred))


def owlrl_closure(files) -> set[tuple[str, str, str]]:
    """owlrl's OWL 2 RL closure of ``files``, less what it adds that is not RDF or not about
    the graph: triples with a literal or blank subject (generalised RDF, HAZARDS item 34),
    owl:sameAs, owl:Thing and rdfs:Resource types, reflexive and owl:Thing subclasses, schema
    triples derived about domains, ranges and equivalences, and the W3C vocabularies' own
    terms (datatypes, annotation properties)."""
    import rdflib

    assert list(files) == graph_files(ROOT)  # the one closure computed once a run
    graph, asserted = owlrl_closure_of_the_shipped_graph()
    w3c = (str(rdflib.XSD), str(rdflib.RDF), str(rdflib.RDFS), str(rdflib.OWL))
    left_out = {
        rdflib.OWL.sameAs,
        rdflib.OWL.equivalentClass,
        rdflib.OWL.equivalentProperty,
        rdflib.RDFS.domain,
        rdflib.RDFS.range,
        rdflib.OWL.disjointWith,
    }
    kept = set()
    for s, p, o in set(graph) - asserted:
        if not isinstance(s, rdflib.URIRef) or isinstance(o, rdflib.BNode) or p in left_out:
            continue
        if str(s).startswith(w3c):
            continue
        if p == rdflib.RDF.type and o in (rdflib.OWL.Thing, rdflib.RDFS.Resource):
            continue
        if p in (rdflib.RDFS.subClassOf, rdflib.RDFS.subPropertyOf) and (
            s == o or o == rdflib.OWL.Thing
        ):
            continue
        kept.add((str(s), str(p), str(o)))
    return kept


@pytest.mark.slow  # twelve seconds; CI runs it (test_regimes compares owlrl's rows by default)
def test_the_closure_equals_owlrl_on_the_shipped_graph(shipped):
    """A second engine, written independently, infers exactly the same triples: nothing is
    invented, nothing the profile covers is missed."""
    store, _ = shipped
    ours = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(closure.INFERRED))
    }
    theirs = owlrl_closure(graph_files(ROOT))
    assert sorted(theirs - ours) == []
    assert sorted(ours - theirs) == []


# -- the on-disk store, the library and the command line ------------


def test_the_on_disk_store_holds_the_closure(tmp_path, monkeypatch):
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    monkeypatch.setattr(stores, "PERSISTENT_FROM_BYTES", 1)
    files = graph_files(ROOT)
    store = stores.open_store(files)
    assert (tmp_path / "cache" / "stores").is_dir()
    assert count(store, "{ SELECT DISTINCT ?x WHERE { ?x a hkit:Organisation } }", True) == 51
    assert count(store, "{ SELECT DISTINCT ?x WHERE { ?x a hkit:Organisation } }", False) == 6
    # asserted, the inferred graph is not a named graph either (the documents' graphs are)
    engine = EmbeddedEngine(store, inferred=False)
    inferred = "SELECT * WHERE { GRAPH <https://w3id.org/hkit/inferred> { ?s ?p ?o } } LIMIT 1"
    assert engine.run(inferred).rows == []
    assert EmbeddedEngine(store).run(inferred).rows


def test_the_library_sees_the_closure_unless_asked_not_to():
    text = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a hkit:Organisation }"
    assert hkit.open().sparql(text).rows[0]["n"].value == "51"
    kg = hkit.open(asserted=True)
    assert kg.asserted
    assert kg.sparql(text).rows[0]["n"].value == "6"
    # nothing inferred was even computed
    assert pyoxigraph.NamedNode("https://w3id.org/hkit/inferred") not in kg.store.named_graphs()


def test_the_library_refuses_asserted_with_an_endpoint():
    with pytest.raises(hkit.HkitError, match="endpoint's store decides its own"):
        hkit.open(endpoint="http://localhost:9/sparql", asserted=True)


@pytest.mark.parametrize("command", ["query", "sparql"])
def test_the_command_line_asserted_switch(command):
    runner = CliRunner()
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p hkit:holdsPost ?post }"
    args = ["sparql", text] if command == "sparql" else ["query", "people-and-posts"]
    both = runner.invoke(build(), [*args, "--format", "json"])
    alone = runner.invoke(build(), [*args, "--format", "json", "--asserted"])
    assert both.exit_code == alone.exit_code == 0, both.output + alone.output
    if command == "sparql":
        assert json.loads(both.output)["results"]["bindings"][0]["n"]["value"] == "12"
        assert json.loads(alone.output)["results"]["bindings"][0]["n"]["value"] == "0"
    else:  # a saved query gives the same rows either way
        assert json.loads(both.output) == json.loads(alone.output)


def test_the_command_line_refuses_asserted_with_an_endpoint():
    result = CliRunner().invoke(
        build(), ["query", "funds-by-size", "--endpoint", "http://localhost:9/", "--asserted"]
    )
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "hkit: error: --asserted chooses what the embedded graph infers; an endpoint's store "
        "decides its own"
    )


# -- the inferred triples kept in the cache for small inputs ------------


def kept_files(cache) -> list:
    return sorted((cache / "closures").glob("*.nt"))


def organisations(files) -> int:
    store = stores.open_store(files)
    text = "{ SELECT DISTINCT ?x WHERE { ?x a hkit:Organisation } }"
    return count(store, text, True)


def test_the_closure_of_a_small_input_is_kept_and_read_back(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("HKIT_CACHE_DIR", str(cache))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    files = graph_files(ROOT)
    assert organisations(files) == 51
    [kept] = kept_files(cache)
    lines = kept.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {len(lines) - 1} triples"
    before = kept.stat().st_mtime_ns
    assert organisations(files) == 51
    assert kept.stat().st_mtime_ns == before  # read back, not made again


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "not N-Triples at all\n",
        lambda text: "\n".join(text.splitlines()[:100]) + "\n",  # cut short at a line's end
        lambda text: "",
    ],
    ids=["garbage", "cut-short", "empty"],
)
def test_a_damaged_kept_closure_is_made_again(tmp_path, monkeypatch, damage):
    cache = tmp_path / "cache"
    monkeypatch.setenv("HKIT_CACHE_DIR", str(cache))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    files = graph_files(ROOT)
    organisations(files)
    [kept] = kept_files(cache)
    whole = kept.read_text(encoding="utf-8")
    kept.write_text(damage(whole), encoding="utf-8")
    assert organisations(files) == 51
    assert kept.read_text(encoding="utf-8").count("\n") == whole.count("\n")


def test_a_changed_input_gets_a_closure_of_its_own(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("HKIT_CACHE_DIR", str(cache))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "<http://example.org/u> a hkit:University .\n",
        encoding="utf-8",
    )
    files = [*graph_files(ROOT), mine]
    assert organisations(files) == 52
    first = kept_files(cache)
    mine.write_text(mine.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert organisations(files) == 52
    second = kept_files(cache)
    assert len(first) == len(second) == 1 and first != second  # the old one removed


def test_no_closure_is_kept_without_a_cache_or_where_none_can_be_written(tmp_path, monkeypatch):
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HKIT_NO_CACHE", "1")
    assert organisations(graph_files(ROOT)) == 51
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("HKIT_NO_CACHE")
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("HKIT_CACHE_DIR", str(blocked))
    assert organisations(graph_files(ROOT)) == 51  # no error, no warning needed


def test_minus_and_filter_not_exists_keep_the_same_triples(shipped, monkeypatch):
    """The rounds that read a whole graph set the known triples aside by MINUS, the later ones by
    FILTER NOT EXISTS (hkit.store.closure._new): the closure of the shipped graph made with
    either alone in every round is the same."""
    store, _ = shipped
    inferred = pyoxigraph.NamedNode(closure.INFERRED)
    made = closure._updates
    new = closure._new

    def closure_with(whole: bool) -> set:
        def either(s, p, o, _whole, values=""):
            return new(s, p, o, whole, values)

        monkeypatch.setattr(closure, "_new", either)
        copy = stores.load_store(graph_files(ROOT))
        closure.materialise(copy)
        return {str(q) for q in copy.quads_for_pattern(None, None, None, inferred)}

    expected = {str(q) for q in store.quads_for_pattern(None, None, None, inferred)}
    assert "_:" not in "".join(expected)  # no blank node, whose name each load makes anew
    assert closure_with(True) == expected
    assert closure_with(False) == expected
    monkeypatch.undo()
    assert "MINUS" in made(closure.Schema(store), "", [closure.INFERRED], whole=True)[0]
    assert "MINUS" not in made(closure.Schema(store), "", [closure.INFERRED], whole=False)[0]


@pytest.mark.parametrize("reread", [False, True])
@pytest.mark.parametrize("blank", [False, True])
def test_the_on_disk_build_bulk_loads_the_same_triples(tmp_path, blank, reread):
    """Building an on-disk store, the closure's triples are bulk-loaded through files in its
    folder rather than inserted by updates (hkit.store.closure._bulk_insert): the same triples,
    a blank node's inferred type is about that same node (Oxigraph's loader would rename it),
    and no file is left behind. With the files the store was loaded from (``reread``, as the
    build passes them), the rules of one premise read the files again
    (hkit.store.closure_files), or the store where a blank node has consequences:
    the same triples again, the literal guards and an asserted superclass's type included."""
    things = "[ :name 'one' ; a :C ] . :a :p [ :name 'two' ] ." if blank else ":x a :C ."
    turtle = (
        PREFIXES
        + ":C rdfs:subClassOf :D . :p rdfs:range :C . :q rdfs:subPropertyOf :r ."
        + ":b :q 'not _:a blank node' . :in a owl:TransitiveProperty . :u :in :v . :v :in :w ."
        + ":has owl:inverseOf :of . :s rdfs:domain :D . :t rdfs:subPropertyOf :has ."
        + ":h :has :k . :k :of 'text' . :m :t :n . :n :s 3 . :y a :C , :D . :z :p :y ."
        + things
    ).encode()
    source = tmp_path / "data.ttl"
    source.write_bytes(turtle)

    def inferred(store) -> set:
        def name(term) -> str:
            if isinstance(term, pyoxigraph.BlankNode):  # the node by its asserted name
                named = store.quads_for_pattern(
                    term, pyoxigraph.NamedNode("http://example.org/name"), None
                )
                return "_:" + next(iter(named)).object.value
            return str(term)

        graph = pyoxigraph.NamedNode(closure.INFERRED)
        return {
            tuple(name(t) for t in (q.subject, q.predicate, q.object))
            for q in store.quads_for_pattern(None, None, None, graph)
        }

    memory = pyoxigraph.Store()
    memory.load(turtle, format=pyoxigraph.RdfFormat.TURTLE)
    folder = tmp_path / "store"
    disk = pyoxigraph.Store(str(folder))
    disk.load(turtle, format=pyoxigraph.RdfFormat.TURTLE)
    before = set(folder.iterdir())
    files = [source] if reread else []
    if files:
        added = closure_files.materialise(disk, str(folder), files)
    else:
        added = closure.materialise(disk, str(folder))
    assert added == closure.materialise(memory)
    assert inferred(disk) == inferred(memory)
    ex = "http://example.org/"
    assert {
        (f"<{ex}{s}>", f"<{ex}{p}>", f"<{ex}{o}>")
        for s, p, o in [("k", "of", "h"), ("n", "of", "m"), ("m", "has", "n")]
    } <= inferred(disk)
    assert (f"<{ex}y>", f"<{closure.RDF_TYPE}>", f"<{ex}D>") not in inferred(disk)  # asserted
    assert (f"<{ex}n>", f"<{closure.RDF_TYPE}>", f"<{ex}D>") in inferred(disk)
    assert not [t for t in inferred(disk) if t[0].startswith('"')]  # no literal subject
    if reread:  # the files were read again, unless a blank node had consequences
        entailed = str(tmp_path / "entailed.nt")
        read = closure_files.closure_of_files(closure.Schema(memory), files, entailed)
        assert read is not blank
    assert ("_:two", f"<{closure.RDF_TYPE}>", "<http://example.org/D>") in inferred(
        disk
    ) or not blank
    assert ("<http://example.org/b>", "<http://example.org/r>", '"not _:a blank node"') in {
        (s, p, o.split("^^")[0]) for s, p, o in inferred(disk)
    }
    assert not [p for p in folder.iterdir() if p not in before and p.suffix == ".nt"]
    assert [g.value for g in disk.named_graphs()] == [closure.INFERRED]
