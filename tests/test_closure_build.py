"""The closure in the build of an on-disk store: found in Python as the input files are parsed
again (hkit.store.closure_files), in a thread of its own while the large files load, and the
same triples as the SPARQL rules of hkit.store.closure find in memory, whichever way it goes."""

from __future__ import annotations

import io
import sys
import threading

import pytest
from helpers import ROOT

from hkit.core.errors import InputError
from hkit.store import closure, closure_files, stores
from hkit.store.files import graph_files

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

pyoxigraph = pytest.importorskip("pyoxigraph")

INFERRED = pyoxigraph.NamedNode(closure.INFERRED)
PREFIXES = """@prefix : <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix hkit: <https://w3id.org/hkit/ontology#> .
"""


def inferred(store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, INFERRED)}


def in_memory(files) -> set[str]:
    """What the SPARQL rules find in an in-memory store of ``files``: the reference."""
    store = stores.load_store(files)
    closure.materialise(store)
    return inferred(store)


@pytest.fixture
def on_disk(tmp_path, monkeypatch):
    """Every store on disk, and every file from 150 kB up a large one, bulk-loaded; records
    whether the thread's closure was used."""
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    monkeypatch.setattr(stores, "PERSISTENT_FROM_BYTES", 1)
    monkeypatch.setattr(stores, "BULK_LOAD_BYTES", 150_000)  # the ontology below
    used: list[bool] = []
    use = closure_files.Ahead.use

    def spy(self, schema):
        used.append(use(self, schema))
        return used[-1]

    monkeypatch.setattr(closure_files.Ahead, "use", spy)
    return used


def big_file(tmp_path, extra: str = "") -> object:
    out = io.StringIO()
    generate(4000, 1, out)
    path = tmp_path / "big.ttl"
    path.write_text(PREFIXES + out.getvalue() + extra, encoding="utf-8")
    assert path.stat().st_size > stores.BULK_LOAD_BYTES
    return path


def test_the_closure_found_while_the_files_load_is_the_sparql_rules(tmp_path, on_disk):
    files = graph_files(ROOT, [big_file(tmp_path)])
    store = stores.open_store(files)
    assert on_disk == [True]  # found by the thread, and used
    found = inferred(store)
    assert found == in_memory(files)
    holds = "<https://w3id.org/hkit/ontology#holdsPost>"  # a property chain's
    located = "<https://w3id.org/hkit/ontology#locatedIn>"  # a transitive property's
    assert any(holds in q for q in found) and any(located in q for q in found)
    assert not [p for p in (tmp_path / "cache").rglob("*.nt")]  # no file left behind


def test_a_large_file_with_axioms_of_its_own_is_closed_again(tmp_path, on_disk):
    """The thread starts with the schema of the small files; a large file's own axiom makes
    it another, and what the thread found is cleared and found again with the whole one."""
    extra = ":Lab rdfs:subClassOf hkit:Organisation . :one a :Lab .\n"
    files = graph_files(ROOT, [big_file(tmp_path, extra)])
    store = stores.open_store(files)
    assert on_disk == [False]
    found = inferred(store)
    assert found == in_memory(files)
    lab = f"<http://example.org/one> <{closure.RDF_TYPE}> <https://w3id.org/hkit/ontology#Agent>"
    assert any(q.startswith(lab) for q in found)


def test_a_large_file_that_fails_to_parse_stops_the_thread_and_leaves_nothing(tmp_path, on_disk):
    files = graph_files(ROOT, [big_file(tmp_path, ":broken :triple .\n:no end")])
    with pytest.raises(InputError):
        stores.open_store(files)
    assert not [t for t in threading.enumerate() if t.name == "hkit-closure"]
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


CHAINS = """
:holdsPost owl:propertyChainAxiom ( [ owl:inverseOf :holder ] :postHeld ) ;
    rdfs:subPropertyOf :holds ; rdfs:domain :Person .
:chair rdfs:subPropertyOf :holder . :postHeld owl:inverseOf :heldIn .
:in a owl:TransitiveProperty ; rdfs:range :Place . :within rdfs:subPropertyOf :in .
:contains owl:inverseOf :in .
:a1 :chair :ann ; :postHeld :p1 . :a2 :holder :ann ; :postHeld :p2 . :a3 :holder "a text" .
:a3 :postHeld :p3 . :x :within :y . :y :in :z . :z :within :w . :w :in :x .
:ann :holdsPost :p1 .
"""


def test_chains_and_transitive_properties_as_the_sparql_rules_close_them(tmp_path):
    """The rules of two premises in Python (hkit.store.closure_files._join): a chain with an
    inverse step fed by a subproperty, a literal never a subject, a transitive property in a
    cycle fed by a subproperty, and their consequences by the rules of one premise; an
    asserted conclusion is not inferred again."""
    source = tmp_path / "chains.ttl"
    source.write_text(PREFIXES + CHAINS, encoding="utf-8")
    memory = stores.load_store([source])
    closure.materialise(memory)
    folder = tmp_path / "store"
    disk = stores.load_store([source], pyoxigraph.Store(str(folder)))
    closure_files.materialise(disk, str(folder), [source])
    assert inferred(disk) == inferred(memory)
    ex = "http://example.org/"
    found = inferred(disk)
    assert f"<{ex}ann> <{ex}holdsPost> <{ex}p2> <{closure.INFERRED}>" in found
    assert f"<{ex}ann> <{ex}holdsPost> <{ex}p1> <{closure.INFERRED}>" not in found  # asserted
    assert f"<{ex}x> <{ex}in> <{ex}x> <{closure.INFERRED}>" in found  # around the cycle
    assert f"<{ex}x> <{ex}contains> <{ex}w> <{closure.INFERRED}>" in found
    assert not [q for q in found if q.startswith('"')]
