"""What the ontology entails, materialised in the store beside what the documents state.

The asserted triples are in the store's default graph; :func:`materialise` adds the triples they
entail under the profile below, and only those not asserted, to the named graph
:data:`INFERRED`. A query sees the entailments when its default graph is both
(:data:`WITH_CLOSURE`), and only the documents' statements when it is the default graph alone.

The profile is the part of OWL 2 RL that hkit's ontology uses (docs/reasoning.md), its rules
named as in the OWL 2 RL rule tables (OWL 2 Profiles, section 4.3):

- the schema: ``scm-sco``, ``scm-spo`` (subclass and subproperty are transitive), ``scm-eqc1``,
  ``scm-eqp1`` (an equivalence is a subclass or subproperty both ways);
- the instances: ``cax-sco`` (types of superclasses), ``prp-spo1`` (superproperties),
  ``prp-inv1``/``prp-inv2`` (inverses), ``prp-symp`` (symmetric), ``prp-trp`` (transitive),
  ``prp-spo2`` (property chains, with inverse steps), ``prp-dom``, ``prp-rng`` (domain, range).

Left out, so no triple is invented from them: ``owl:sameAs`` and the rules that make it
(functional and inverse-functional properties, keys), class expressions (restrictions, unions,
intersections: the ontology has none), datatype reasoning, and the trivia every individual
would carry (``owl:Thing``, ``rdfs:Resource``, a class's subclass of itself). Consistency
(disjoint classes) is checked by the reasoner gate of ``hkit check``, not here.

The rules run inside Oxigraph as SPARQL updates, round after round until a round adds nothing;
each round reads only what the round before added (semi-naive evaluation), so a large store is
never copied through Python. An inferred triple whose subject would be a literal (the inverse
of a property whose value is a literal) is never made: RDF does not allow it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

#: The named graph that holds the inferred triples.
INFERRED = "https://w3id.org/hkit/inferred"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

#: The profile's name and edition: part of an on-disk store's key, so that a store built under
#: another edition of the rules is built again.
PROFILE = "hkit-rl-1"


class Schema:
    """The axioms the rules use, read from the asserted graph, with subclass and subproperty
    closed under transitivity (``scm-sco``, ``scm-spo``) and equivalence (``scm-eqc1``,
    ``scm-eqp1``)."""

    def __init__(self, store: Any) -> None:
        def pairs(where: str) -> list[tuple[str, str]]:
            rows = store.query(f"SELECT ?a ?b WHERE {{ {where} FILTER(isIRI(?a) && isIRI(?b)) }}")
            return sorted({(row[0].value, row[1].value) for row in rows})

        def names(where: str) -> list[str]:
            rows = store.query(f"SELECT DISTINCT ?a WHERE {{ {where} FILTER(isIRI(?a)) }}")
            return sorted({row[0].value for row in rows})

        sub = f"<{RDFS}subClassOf>"
        subp = f"<{RDFS}subPropertyOf>"
        self.superclasses = _closure(
            pairs(
                f"{{ ?a {sub} ?b }} UNION {{ ?a <{OWL}equivalentClass> ?b }} "
                f"UNION {{ ?b <{OWL}equivalentClass> ?a }}"
            ),
            drop={f"{OWL}Thing", f"{RDFS}Resource"},
        )
        self.superproperties = _closure(
            pairs(
                f"{{ ?a {subp} ?b }} UNION {{ ?a <{OWL}equivalentProperty> ?b }} "
                f"UNION {{ ?b <{OWL}equivalentProperty> ?a }}"
            ),
            drop=set(),
        )
        inverse = pairs(f"?a <{OWL}inverseOf> ?b")
        self.inverses = sorted(set(inverse) | {(b, a) for a, b in inverse})
        self.symmetric = names(f"?a a <{OWL}SymmetricProperty>")
        self.transitive = names(f"?a a <{OWL}TransitiveProperty>")
        self.domains = [p for p in pairs(f"?a <{RDFS}domain> ?b") if p[1] != f"{OWL}Thing"]
        self.ranges = [p for p in pairs(f"?a <{RDFS}range> ?b") if p[1] != f"{OWL}Thing"]
        self.chains = _chains(store)

    def schema_triples(self) -> list[tuple[str, str, str]]:
        """The closed subclass and subproperty pairs, as triples."""
        triples = [
            (a, f"{RDFS}subClassOf", b) for a, supers in self.superclasses.items() for b in supers
        ]
        triples += [
            (a, f"{RDFS}subPropertyOf", b)
            for a, supers in self.superproperties.items()
            for b in supers
        ]
        return triples


def _closure(pairs: Iterable[tuple[str, str]], drop: set[str]) -> dict[str, list[str]]:
    """Each term's strict superterms, transitively (a term equivalent to itself through a cycle
    is not its own superterm); ``drop`` names superterms left out."""
    direct: dict[str, set[str]] = {}
    for a, b in pairs:
        if a != b:
            direct.setdefault(a, set()).add(b)
    closed: dict[str, list[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            term = todo.pop()
            if term in seen:
                continue
            seen.add(term)
            todo.extend(direct.get(term, ()))
        seen -= drop | {start}
        if seen:
            closed[start] = sorted(seen)
    return closed


def _chains(store: Any) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each property chain axiom: the superproperty and its steps, each a property and whether
    the step is its inverse (``[ owl:inverseOf p ]``). A chain with any other step is left out."""
    rows = store.query(
        f"SELECT ?p ?list WHERE {{ ?p <{OWL}propertyChainAxiom> ?list FILTER(isIRI(?p)) }}"
    )
    chains = []
    for row in rows:
        steps: list[tuple[str, bool]] = []
        node = row[1]
        ok = True
        for _ in range(1000):
            if getattr(node, "value", None) == f"{RDF}nil":
                break
            first = _one(store, node, f"{RDF}first")
            rest = _one(store, node, f"{RDF}rest")
            if first is None or rest is None:
                ok = False
                break
            if type(first).__name__ == "NamedNode":
                steps.append((first.value, False))
            else:
                inverse = _one(store, first, f"{OWL}inverseOf")
                if inverse is None or type(inverse).__name__ != "NamedNode":
                    ok = False
                    break
                steps.append((inverse.value, True))
            node = rest
        if ok and len(steps) >= 2:
            chains.append((row[0].value, steps))
    return sorted(chains)


def _one(store: Any, subject: Any, predicate: str) -> Any:
    import pyoxigraph

    for quad in store.quads_for_pattern(
        subject, pyoxigraph.NamedNode(predicate), None, pyoxigraph.DefaultGraph()
    ):
        return quad.object
    return None


def _values(rows: Iterable[tuple[str, ...]]) -> str:
    return " ".join("(" + " ".join(f"<{t}>" for t in row) + ")" for row in rows)


def _all(s: str, p: str, o: str) -> str:
    """A pattern over everything known: asserted or inferred."""
    return f"{{ {{ {s} {p} {o} }} UNION {{ GRAPH <{INFERRED}> {{ {s} {p} {o} }} }} }}"


def _step(s: str, step: tuple[str, bool], o: str, source: str | None) -> str:
    prop, inverse = step
    a, b = (o, s) if inverse else (s, o)
    if source is None:
        return _all(a, f"<{prop}>", b)
    return _in(source, f"{a} <{prop}> {b}")


def _in(source: str, pattern: str) -> str:
    """``pattern`` in the graph ``source`` (an IRI, or "" for the default graph)."""
    return f"{{ {pattern} }}" if not source else f"GRAPH <{source}> {{ {pattern} }}"


def _new(s: str, p: str, o: str, whole: bool, values: str = "") -> str:
    """Keeps a derived triple only when it is not known already.

    When the round reads a whole graph (``whole``: the first two rounds), the known triples of
    the derived triple's shape (narrowed by ``values``) are read once and set aside by ``MINUS``,
    a hash join; later rounds read the few triples the round before added, and each of theirs is
    looked up (``FILTER NOT EXISTS``). Both keep the same triples, as every variable of the
    derived triple is bound. In the on-disk store of a million generated triples, a lookup per
    candidate in every round took the closure 39 s of CPU time, this 21 s (in memory, 8.7 s and
    8.0 s)."""
    if whole:
        return (
            f"MINUS {{ {values} {s} {p} {o} }} "
            f"MINUS {{ GRAPH <{INFERRED}> {{ {values} {s} {p} {o} }} }}"
        )
    return (
        f"FILTER NOT EXISTS {{ {s} {p} {o} }} "
        f"FILTER NOT EXISTS {{ GRAPH <{INFERRED}> {{ {s} {p} {o} }} }}"
    )


def _one_of(variable: str, terms: Iterable[str]) -> str:
    """A VALUES block binding ``variable`` to each of ``terms`` (IRIs)."""
    return f"VALUES {variable} {{ {' '.join(f'<{t}>' for t in sorted(set(terms)))} }}"


def _updates(schema: Schema, source: str, targets: list[str], whole: bool = False) -> list[str]:
    """One round's SPARQL updates: what follows from the triples in ``source`` (and, for rules of
    two premises, everything known), written to each graph of ``targets``; ``whole`` when
    ``source`` is a whole graph (see :func:`_new`)."""

    def new(s: str, p: str, o: str, values: str = "") -> str:
        return _new(s, p, o, whole, values)

    def into(s: str, p: str, o: str) -> str:
        graphs = " ".join(f"GRAPH <{t}> {{ {s} {p} {o} }}" for t in targets)
        return f"INSERT {{ {graphs} }} WHERE {{"

    updates = []
    spo = [(p, q) for p, qs in schema.superproperties.items() for q in qs]
    if spo:
        updates.append(
            f"{into('?s', '?q', '?o')} VALUES (?p ?q) {{ {_values(spo)} }} "
            f"{_in(source, '?s ?p ?o')} "
            f"{new('?s', '?q', '?o', _one_of('?q', (q for _, q in spo)))} }}"
        )
    if schema.inverses:
        updates.append(
            f"{into('?o', '?q', '?s')} "
            f"VALUES (?p ?q) {{ {_values(schema.inverses)} }} {_in(source, '?s ?p ?o')} "
            f"FILTER(!isLiteral(?o)) "
            f"{new('?o', '?q', '?s', _one_of('?q', (q for _, q in schema.inverses)))} }}"
        )
    if schema.symmetric:
        symmetric = " ".join(f"<{p}>" for p in schema.symmetric)
        updates.append(
            f"{into('?o', '?p', '?s')} "
            f"VALUES ?p {{ {symmetric} }} {_in(source, '?s ?p ?o')} "
            f"FILTER(!isLiteral(?o)) {new('?o', '?p', '?s', f'VALUES ?p {{ {symmetric} }}')} }}"
        )
    a = f"<{RDF_TYPE}>"
    for rule, pairs, node in (("dom", schema.domains, "?s"), ("rng", schema.ranges, "?o")):
        if pairs:
            guard = "FILTER(!isLiteral(?o))" if rule == "rng" else ""
            updates.append(
                f"{into(node, a, '?c')} "
                f"VALUES (?p ?c) {{ {_values(pairs)} }} {_in(source, '?s ?p ?o')} {guard} "
                f"{new(node, a, '?c', _one_of('?c', (c for _, c in pairs)))} }}"
            )
    sco = [(c, d) for c, ds in schema.superclasses.items() for d in ds]
    if sco:
        updates.append(
            f"{into('?s', a, '?d')} "
            f"VALUES (?c ?d) {{ {_values(sco)} }} {_in(source, f'?s {a} ?c')} "
            f"{new('?s', a, '?d', _one_of('?d', (d for _, d in sco)))} }}"
        )
    for prop in schema.transitive:
        p = f"<{prop}>"
        for first, second in (
            (_in(source, f"?x {p} ?y"), _all("?y", p, "?z")),
            (_all("?x", p, "?y"), _in(source, f"?y {p} ?z")),
        ):
            updates.append(f"{into('?x', p, '?z')} {first} {second} {new('?x', p, '?z')} }}")
    for prop, steps in schema.chains:
        nodes = [f"?n{i}" for i in range(len(steps) + 1)]
        for at in range(len(steps)):
            body = " ".join(
                _step(nodes[i], step, nodes[i + 1], source if i == at else None)
                for i, step in enumerate(steps)
            )
            first, last = nodes[0], nodes[-1]
            updates.append(
                f"{into(first, f'<{prop}>', last)} {body} "
                f"FILTER(!isLiteral({first})) {new(first, f'<{prop}>', last)} }}"
            )
    return updates


def materialise(store: Any, folder: str | None = None) -> int:
    """Add to ``store`` (a pyoxigraph Store, its asserted triples in the default graph) every
    triple they entail under the profile above that is not asserted, in the graph
    :data:`INFERRED`; return how many were added.

    With ``folder`` (an on-disk store's, being built), what each update would insert is written
    to a file there and bulk-loaded instead (:func:`_bulk_insert`): on disk, an update is a
    RocksDB transaction, held in memory until it commits, which took the build of ten million
    generated triples to a peak of 10 GB (2.4 GB bulk-loaded, and a fifth less time). The
    triples added are the same."""
    import pyoxigraph

    schema = Schema(store)
    inferred = pyoxigraph.NamedNode(INFERRED)
    store.update(f"CLEAR SILENT GRAPH <{INFERRED}>")
    for s, p, o in schema.schema_triples():
        triple = (pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), pyoxigraph.NamedNode(o))
        if next(iter(store.quads_for_pattern(*triple, pyoxigraph.DefaultGraph())), None) is None:
            store.add(pyoxigraph.Quad(*triple, inferred))
    # The first round reads every asserted triple and writes to INFERRED alone, which then holds
    # what it added; the second reads all of INFERRED; each later round reads what the round
    # before added, and writes to INFERRED and to a graph of its own that the next round reads
    # (semi-naive evaluation).
    source, targets = "", [INFERRED]
    deltas = (f"{INFERRED}#round-a", f"{INFERRED}#round-b")
    round_ = 0
    while True:  # a fixpoint: each round adds triples of a finite set, or stops
        for update in _updates(schema, source, targets, whole=round_ < 2):
            if folder is None:
                store.update(update)
            else:
                _bulk_insert(store, update, folder)
        if round_ and _count(store, targets[-1]) == 0:
            break
        source = targets[-1] if round_ else INFERRED
        delta = deltas[round_ % 2]  # never the graph that the next round reads
        store.update(f"DROP SILENT GRAPH <{delta}>")
        targets = [INFERRED, delta]
        round_ += 1
    for delta in deltas:
        store.update(f"DROP SILENT GRAPH <{delta}>")
    return _count(store, INFERRED)


def _bulk_insert(store: Any, update: str, folder: str) -> None:
    """What the ``INSERT { GRAPH <g> { s p o } ... } WHERE { ... }`` of :func:`_updates` would
    insert, written by a CONSTRUCT to an N-Triples file in ``folder`` (removed after) and
    bulk-loaded into each of its graphs: streamed, never held in memory.

    Oxigraph's loader gives the blank nodes of a file new names; a file that names a blank node
    (rare: the ontology's own; or a literal's text that looks like one) is read back through
    Python instead, where each keeps the name the store gave it."""
    import mmap
    import os
    import re
    import tempfile

    import pyoxigraph

    head, where = update.split(" WHERE ", 1)
    graphs = re.findall(r"GRAPH <([^>]+)> \{ ([^}]+) \}", head)
    handle, path = tempfile.mkstemp(suffix=".nt", dir=folder)
    os.close(handle)
    try:
        store.query(f"CONSTRUCT {{ {graphs[0][1]} }} WHERE {where}").serialize(
            path, format=pyoxigraph.RdfFormat.N_TRIPLES
        )
        if not os.path.getsize(path):
            return
        with open(path, "rb") as raw, mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as m:
            blank = m.find(b"_:") >= 0
        nt = pyoxigraph.RdfFormat.N_TRIPLES
        for graph in (pyoxigraph.NamedNode(g) for g, _ in graphs):
            if not blank:
                store.bulk_load(path=path, format=nt, to_graph=graph)
            else:
                store.bulk_extend(
                    pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)
                    for t in pyoxigraph.parse(path=path, format=nt)
                )
    finally:
        os.unlink(path)


def count(store: Any) -> int:
    """How many inferred triples the store holds."""
    return _count(store, INFERRED)


def _count(store: Any, graph: str) -> int:
    """How many triples the graph ``graph`` holds."""
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))[0].value)
