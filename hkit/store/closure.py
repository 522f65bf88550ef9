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

The rules of one premise are closed over the schema first (:class:`_Effects`: what a triple
of each property entails by any number of them), so the asserted triples are read once per kind
of consequence; then the rules of two premises (transitivity, chains) run round after round,
with the closed rules on what they add, until a round adds nothing; each round reads only what
the round before added (semi-naive evaluation). All of it runs inside Oxigraph as SPARQL
updates, except in the build of an on-disk store, where the same rules run in Python on the
input files, parsed again, rather than reading each derived triple's terms back from disk
(:mod:`hkit.store.closure_files`), and what is derived is bulk-loaded at once. An inferred
triple whose subject would be a literal (the inverse of a property whose value is a literal) is
never made: RDF does not allow it.
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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

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


def _reach(schema: Schema) -> dict[str, dict[tuple[str, bool], bool]]:
    """For each property ``p`` of the schema, what a triple ``s p o`` entails by the rules of one
    premise that make property triples (``prp-spo1``, ``prp-inv1``/``prp-inv2``, ``prp-symp``),
    applied any number of times: ``(q, forward)`` for ``s q o`` (forward) or ``o q s``, each
    with whether it needs ``o`` not to be a literal (on the way, some triple had ``o`` as its
    subject). The schema is small, so this is a few thousand steps in Python; the data is then
    read once per rule instead of once per round."""
    inverse: dict[str, set[str]] = {}
    for a, b in schema.inverses:
        inverse.setdefault(a, set()).add(b)
    symmetric = set(schema.symmetric)
    properties = (
        set(schema.superproperties)
        | set(inverse)
        | symmetric
        | {p for p, _ in schema.domains}
        | {p for p, _ in schema.ranges}
    )
    reach = {}
    for prop in properties:
        guards: dict[tuple[str, bool], bool] = {}
        todo = [(prop, True, False)]
        while todo:
            q, forward, guarded = todo.pop()
            known = guards.get((q, forward))
            if known is not None and (known <= guarded):
                continue  # reached already, by a way that needs no more
            guards[(q, forward)] = guarded
            todo += [(sup, forward, guarded) for sup in schema.superproperties.get(q, ())]
            todo += [(inv, not forward, True) for inv in inverse.get(q, ())]
            if q in symmetric:
                todo.append((q, not forward, True))
        reach[prop] = guards
    return reach


class _Effects:
    """What one triple entails by the rules of one premise, closed (:func:`_reach`, then the
    types that ``prp-dom``, ``prp-rng`` and ``cax-sco`` give), as lists of VALUES rows:

    - ``forward``: ``(p, q)``, ``s p o`` entails ``s q o``; ``forward_guarded``: the same when
      ``o`` is not a literal;
    - ``backward``: ``(p, q)``, ``s p o`` entails ``o q s`` when ``o`` is not a literal;
    - ``subject_types``: ``(p, c)``, ``s p o`` entails ``s a c``; ``subject_types_guarded``:
      the same when ``o`` is not a literal;
    - ``object_types``: ``(p, c)``, ``s p o`` entails ``o a c`` when ``o`` is not a literal;
    - ``superclasses``: ``(c, d)``, ``s a c`` entails ``s a d``.

    So what a triple entails by these rules is found in one step, and the rules of two premises
    (transitivity, chains) are all that is left for the rounds."""

    def __init__(self, schema: Schema) -> None:
        domains: dict[str, set[str]] = {}
        for p, c in schema.domains:
            domains.setdefault(p, set()).add(c)
        ranges: dict[str, set[str]] = {}
        for p, c in schema.ranges:
            ranges.setdefault(p, set()).add(c)

        def closed(classes: Iterable[str]) -> set[str]:
            out = set(classes)
            for c in list(out):
                out.update(schema.superclasses.get(c, ()))
            return out

        forward: set[tuple[str, str]] = set()
        forward_guarded: set[tuple[str, str]] = set()
        backward: set[tuple[str, str]] = set()
        subject_types: dict[tuple[str, str], bool] = {}
        object_types: set[tuple[str, str]] = set()
        for p, guards in sorted(_reach(schema).items()):
            for (q, is_forward), guarded in guards.items():
                if is_forward and (q, is_forward) != (p, True):
                    (forward_guarded if guarded else forward).add((p, q))
                elif not is_forward:
                    backward.add((p, q))
                at_subject = domains.get(q, set()) if is_forward else ranges.get(q, set())
                at_object = ranges.get(q, set()) if is_forward else domains.get(q, set())
                for c in closed(at_subject):
                    subject_types[(p, c)] = subject_types.get((p, c), True) and guarded
                object_types.update((p, c) for c in closed(at_object))
        self.forward = sorted(forward)
        self.forward_guarded = sorted(forward_guarded - forward)
        self.backward = sorted(backward)
        self.subject_types = sorted(k for k, guarded in subject_types.items() if not guarded)
        self.subject_types_guarded = sorted(k for k, guarded in subject_types.items() if guarded)
        self.object_types = sorted(object_types)
        self.superclasses = sorted((c, d) for c, ds in schema.superclasses.items() for d in ds)


def _effects(effects: _Effects, source: str, targets: list[str], whole: bool) -> list[str]:
    """What the triples in ``source`` entail by the rules of one premise (:class:`_Effects`),
    written to each graph of ``targets``: one update per kind, each reading ``source`` once."""

    def into(s: str, p: str, o: str) -> str:
        graphs = " ".join(f"GRAPH <{t}> {{ {s} {p} {o} }}" for t in targets)
        return f"INSERT {{ {graphs} }} WHERE {{"

    a = f"<{RDF_TYPE}>"
    literal = "FILTER(!isLiteral(?o))"
    kinds = [  # (rows, VALUES variables, premise, guard, derived triple)
        (effects.forward, "?p ?q", "?s ?p ?o", "", ("?s", "?q", "?o")),
        (effects.forward_guarded, "?p ?q", "?s ?p ?o", literal, ("?s", "?q", "?o")),
        (effects.backward, "?p ?q", "?s ?p ?o", literal, ("?o", "?q", "?s")),
        (effects.subject_types, "?p ?c", "?s ?p ?o", "", ("?s", a, "?c")),
        (effects.subject_types_guarded, "?p ?c", "?s ?p ?o", literal, ("?s", a, "?c")),
        (effects.object_types, "?p ?c", "?s ?p ?o", literal, ("?o", a, "?c")),
        (effects.superclasses, "?c ?d", f"?s {a} ?c", "", ("?s", a, "?d")),
    ]
    updates = []
    for rows, variables, premise, guard, (s, p, o) in kinds:
        if not rows:
            continue
        made = p if p.startswith("?") else o  # the derived triple's term the VALUES give
        narrowed = _one_of(made, (row[1] for row in rows))
        # each derived triple once before it is looked up: a person who holds ten posts is
        # an agent ten times over (a round's types at a million triples: 2.2 s to 0.1 s)
        derived = " ".join(t for t in (s, p, o) if t.startswith("?"))
        updates.append(
            f"{into(s, p, o)} {{ SELECT DISTINCT {derived} WHERE {{ "
            f"VALUES ({variables}) {{ {_values(rows)} }} {_in(source, premise)} {guard} }} }} "
            f"{_new(s, p, o, whole, narrowed)} }}"
        )
    return updates


def _joins(schema: Schema, source: str | None, targets: list[str], whole: bool) -> list[str]:
    """The rules of two premises or more (``prp-trp``, ``prp-spo2``): what follows when one
    premise is in ``source`` and the others anywhere (asserted or inferred), written to each
    graph of ``targets``; with ``source`` None, every premise anywhere."""

    def into(s: str, p: str, o: str) -> str:
        graphs = " ".join(f"GRAPH <{t}> {{ {s} {p} {o} }}" for t in targets)
        return f"INSERT {{ {graphs} }} WHERE {{"

    updates = []
    for prop in schema.transitive:
        p = f"<{prop}>"
        if source is None:
            pairs = [(_all("?x", p, "?y"), _all("?y", p, "?z"))]
        else:
            pairs = [
                (_in(source, f"?x {p} ?y"), _all("?y", p, "?z")),
                (_all("?x", p, "?y"), _in(source, f"?y {p} ?z")),
            ]
        for first, second in pairs:
            updates.append(
                f"{into('?x', p, '?z')} {first} {second} {_new('?x', p, '?z', whole)} }}"
            )
    for prop, steps in schema.chains:
        nodes = [f"?n{i}" for i in range(len(steps) + 1)]
        for at in [None] if source is None else range(len(steps)):
            body = " ".join(
                _step(nodes[i], step, nodes[i + 1], source if i == at else None)
                for i, step in enumerate(steps)
            )
            first, last = nodes[0], nodes[-1]
            updates.append(
                f"{into(first, f'<{prop}>', last)} {body} "
                f"FILTER(!isLiteral({first})) {_new(first, f'<{prop}>', last, whole)} }}"
            )
    return updates


def _updates(schema: Schema, source: str, targets: list[str], whole: bool = False) -> list[str]:
    """One round's SPARQL updates: what follows from the triples in ``source`` (and, for rules of
    two premises, everything known), written to each graph of ``targets``; ``whole`` when
    ``source`` is a whole graph (see :func:`_new`)."""
    return [
        *_effects(_Effects(schema), source, targets, whole),
        *_joins(schema, source, targets, whole),
    ]


def materialise(store: Any, folder: str | None = None) -> int:
    """Add to ``store`` (a pyoxigraph Store, its asserted triples in the default graph) every
    triple they entail under the profile above that is not asserted, in the graph
    :data:`INFERRED`; return how many were added.

    The rules of one premise are closed over the schema first (:class:`_Effects`), so that the
    asserted triples are read once per kind of consequence; the rounds then apply the rules of
    two premises, and the closed rules to what those add, until nothing is added.

    With ``folder`` (an on-disk store's, being built), what each update would insert is written
    to a file there and bulk-loaded instead (:func:`_bulk_insert`): on disk, an update is a
    RocksDB transaction, held in memory until it commits, which took the build of ten million
    generated triples to a peak of 10 GB (2.4 GB bulk-loaded, and a fifth less time). The build
    of an on-disk store from files runs the same rules in Python on the files instead
    (:func:`hkit.store.closure_files.materialise`), and comes here only when it cannot."""

    def run(updates: list[str]) -> None:
        for update in updates:
            if folder is None:
                store.update(update)
            else:
                _bulk_insert(store, update, folder)

    schema = Schema(store)
    effects = _Effects(schema)
    deltas = [f"{INFERRED}#{name}" for name in ("joined-a", "joined-b", "entailed-a", "entailed-b")]
    store.update(f"CLEAR SILENT GRAPH <{INFERRED}>")
    for delta in deltas:
        store.update(f"DROP SILENT GRAPH <{delta}>")
    # The schema's closed hierarchies, and what they entail in turn (nothing, for an ontology
    # that says nothing about the vocabulary of RDFS), are the first round's delta.
    add_schema(store, schema, deltas[0])
    # What the asserted triples entail by the closed rules of one premise: read once each.
    run(_effects(effects, "", [INFERRED], whole=True))
    # The rules of two premises on everything known; then, round after round (semi-naive
    # evaluation), the closed rules on what the rules of two premises added the round before,
    # and those rules on what either added, each written to INFERRED and to a graph of its own
    # that the next round reads. The closed rules are not applied to what they made themselves:
    # it entails nothing more by them, unless the ontology gives rdf:type a superproperty, an
    # inverse, a domain or a range (then they are).
    run(_joins(schema, None, [INFERRED, deltas[0]], whole=True))
    joined, entailed = deltas[0], deltas[2]
    again = RDF_TYPE in _reach(schema)
    while True:  # a fixpoint: each round adds triples of a finite set, or stops
        full = [g for g in (joined, entailed) if _count(store, g)]  # an empty one adds nothing
        if not full:
            break
        next_joined = deltas[1] if joined == deltas[0] else deltas[0]
        next_entailed = deltas[3] if entailed == deltas[2] else deltas[2]
        for graph in (next_joined, next_entailed):
            store.update(f"DROP SILENT GRAPH <{graph}>")
        for source in full if again else [g for g in full if g == joined]:
            run(_effects(effects, source, [INFERRED, next_entailed], whole=False))
        for source in full:
            run(_joins(schema, source, [INFERRED, next_joined], whole=False))
        for graph in (joined, entailed):
            store.update(f"DROP SILENT GRAPH <{graph}>")
        joined, entailed = next_joined, next_entailed
    for delta in deltas:
        store.update(f"DROP SILENT GRAPH <{delta}>")
    return _count(store, INFERRED)


def add_schema(store: Any, schema: Schema, also: str | None = None) -> None:
    """Add the schema's closed subclass and subproperty pairs that are not asserted to the
    inferred graph, and to the graph ``also`` when given."""
    import pyoxigraph

    graphs = [pyoxigraph.NamedNode(g) for g in (INFERRED, also) if g]
    for s, p, o in schema.schema_triples():
        triple = (pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), pyoxigraph.NamedNode(o))
        if next(iter(store.quads_for_pattern(*triple, pyoxigraph.DefaultGraph())), None) is None:
            for graph in graphs:
                store.add(pyoxigraph.Quad(*triple, graph))


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
