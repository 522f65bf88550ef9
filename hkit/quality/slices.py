"""SHACL validation of a graph too large for rdflib to hold at once.

pyshacl reads an rdflib graph, which takes about 1 GB per million triples. From
SLICED_FROM_BYTES of input, hkit instead reads the files once into compact arrays (each
distinct term once, each triple as three numbers), cuts the subjects into slices of about
SLICE_TRIPLES triples, and runs pyshacl on one small rdflib graph per slice. A slice's graph holds
its subjects' triples and everything the shapes can read from them: reach() works out, from the
shapes, which paths pyshacl follows from a focus node (and a value node's classes, for
``sh:class``), and the slice follows those paths through the whole graph. A result is kept from
the slice that owns its focus node (a node that is no triple's subject is owned by every slice
it appears in, and its identical results are kept once). So each focus node is validated against
everything the shapes can see of it, as if the whole graph were loaded; tests/test_slices.py
proves the reports equal. A slice also holds all that is said of each blank node it holds
(pyshacl prints and copies those whole in its results). Shapes whose reach reach() cannot
bound (SPARQL constraints or targets, constraint components of their own, ``*``/``+``/``?``
paths, recursive shapes, ``sh:closed`` below the focus node, ``sh:qualifiedValueShapesDisjoint``)
are validated on the whole graph as before.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from hkit.quality.shacl import _run, flatten, in_two_processes, two_cpus
from hkit.quality.shacl_sparql import _refuse_unsafe_queries
from hkit.quality.validate import ValidationReport, report, validate
from hkit.store.rdf import (
    base_iri,
    load_rdflib_strict,
    parsing,
    quiet_ill_typed_literals,
    rdflib_literal,
)

#: From this much input (about 3 million triples of N-Triples), hkit validate works one slice at
#: a time.
SLICED_FROM_BYTES = 400_000_000
#: About how many triples of its own subjects each slice holds.
SLICE_TRIPLES = 250_000

#: Parameters whose check reads only the value nodes themselves (or their count).
VALUE_LOCAL = frozenset(
    {
        SH.datatype,
        SH.nodeKind,
        SH.minCount,
        SH.maxCount,
        SH.minLength,
        SH.maxLength,
        SH.pattern,
        SH.flags,
        SH.languageIn,
        SH.uniqueLang,
        SH["in"],
        SH.hasValue,
        SH.minInclusive,
        SH.maxInclusive,
        SH.minExclusive,
        SH.maxExclusive,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH["class"],  # the value nodes' classes: a slice holds the classes of every node it reaches
    }
)
#: What a shape may say in SHACL's namespace that is not a constraint (what it says outside that
#: namespace is an annotation: see _visit).
NOT_CONSTRAINTS = frozenset(
    {
        SH.message,
        SH.name,
        SH.description,
        SH.severity,
        SH.deactivated,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.path,
        SH.targetClass,
        SH.targetNode,
        SH.targetObjectsOf,
        SH.targetSubjectsOf,
    }
)
#: Parameters naming one shape that applies to the value nodes.
NESTED_ONE = frozenset({SH.node, SH.qualifiedValueShape, SH["not"], SH.property})
#: Parameters naming a list of shapes that apply to the value nodes.
NESTED_LIST = frozenset({SH["or"], SH["and"], SH.xone})
#: Parameters comparing the value nodes with another property's values of the same node.
COMPARED = frozenset({SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals})

#: One step of a path: (property, followed backwards).
Step = tuple[rdflib.URIRef, bool]
#: The steps pyshacl may follow from a focus node, as a tree: {step: steps after it}.
Trie = dict[Step, "Trie"]


class Unbounded(Exception):
    """The shapes read further than reach() can tell."""


@dataclass
class Reach:
    """What pyshacl can read from a focus node of these shapes."""

    paths: Trie = field(default_factory=dict)
    objects_of: set[rdflib.URIRef] = field(default_factory=set)  # sh:targetObjectsOf
    nodes: set[rdflib.term.Node] = field(default_factory=set)  # sh:targetNode

    def backwards(self) -> set[rdflib.URIRef]:
        """The properties followed backwards anywhere in the paths."""
        found: set[rdflib.URIRef] = set()
        todo = [self.paths]
        while todo:
            trie = todo.pop()
            for (predicate, inverse), rest in trie.items():
                if inverse:
                    found.add(predicate)
                todo.append(rest)
        return found


TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


def reach(shapes: rdflib.Graph) -> Reach | None:
    """What pyshacl can read from the focus nodes of ``shapes``; None when that is not bounded."""
    found = Reach()
    walks: set[tuple[Step, ...]] = set()
    targeted = {s for t in TARGETS for s in shapes.subjects(t, None)}
    # implicit class targets: a shape that is a class (pyshacl counts owl:Class as one too)
    classes = {RDFS.Class, OWL.Class, *shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class)}
    targeted |= {s for c in classes for s in shapes.subjects(RDF.type, c)}
    if (None, SH.target, None) in shapes or (None, RDF.type, SH.ConstraintComponent) in shapes:
        return None  # SPARQL-based targets; constraint components of the shapes' own
    try:
        for shape in targeted:
            _visit(shapes, shape, frozenset({()}), walks, ())
    except Unbounded:
        return None
    for walk in walks:
        trie = found.paths
        for step in walk:
            trie = trie.setdefault(step, {})
    found.objects_of = set(shapes.objects(None, SH.targetObjectsOf))
    found.nodes = set(shapes.objects(None, SH.targetNode))
    return found


def _visit(
    shapes: rdflib.Graph,
    shape: rdflib.term.Node,
    at: frozenset[tuple[Step, ...]],
    walks: set[tuple[Step, ...]],
    stack: tuple[rdflib.term.Node, ...],
) -> None:
    """Add to ``walks`` the paths that ``shape``, applied to the nodes at the ends of the paths
    ``at``, makes pyshacl follow."""
    if shape in stack:
        raise Unbounded  # a recursive shape
    stack = (*stack, shape)
    path = shapes.value(shape, SH.path)
    values = at
    if path is not None:
        values = frozenset(w + s for w in at for s in _sequences(shapes, path))
        walks.update(values)
    for predicate, obj in shapes.predicate_objects(shape):
        if predicate in NOT_CONSTRAINTS or predicate in VALUE_LOCAL:
            continue
        if not str(predicate).startswith(str(SH)):
            continue  # an annotation (rdfs:seeAlso, skos:..., owl:...): with no constraint
            # component of the shapes' own (reach() checks), only SHACL's parameters constrain
        if predicate in NESTED_ONE:
            _visit(shapes, obj, values, walks, stack)
        elif predicate in NESTED_LIST:
            for member in Collection(shapes, obj):
                _visit(shapes, member, values, walks, stack)
        elif predicate in COMPARED and isinstance(obj, rdflib.URIRef):
            walks.update((*w, (obj, False)) for w in at)
        elif predicate in (SH.closed, SH.ignoredProperties) and values == frozenset({()}):
            continue  # the focus node's own triples: a slice has them all
        else:
            raise Unbounded  # SPARQL constraints, custom components, closed value nodes...


def _sequences(shapes: rdflib.Graph, path: rdflib.term.Node) -> list[tuple[Step, ...]]:
    """The step sequences a SHACL property path can follow; Unbounded for ``*``, ``+``, ``?``."""
    if isinstance(path, rdflib.URIRef):
        return [((path, False),)]
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return [
            tuple((p, not back) for p, back in reversed(s)) for s in _sequences(shapes, inverse)
        ]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return [
            s for member in Collection(shapes, alternatives) for s in _sequences(shapes, member)
        ]
    if (path, RDF.first, None) in shapes:
        sequences: list[tuple[Step, ...]] = [()]
        for member in Collection(shapes, path):
            sequences = [a + b for a in sequences for b in _sequences(shapes, member)]
        return sequences
    raise Unbounded


class Compact:
    """The files' triples as arrays of term numbers, each distinct term once, with the triples
    of each subject (and, for the given properties, of each object) found by number."""

    def __init__(self, files: Iterable[Path]) -> None:
        import pyoxigraph

        quiet_ill_typed_literals()

        rdflib.NORMALIZE_LITERALS = False  # literals exactly as written (HAZARDS 8)
        self.terms: list[rdflib.term.Node] = []
        self.s, self.p, self.o = array("q"), array("q"), array("q")
        numbers: dict[Any, int] = {}
        terms = self.terms

        def number(t: Any, key: Any) -> int:
            found = numbers.get(key)
            if found is not None:
                return found
            if isinstance(t, pyoxigraph.NamedNode):
                node: rdflib.term.Node = rdflib.URIRef(t.value)
            elif isinstance(t, pyoxigraph.BlankNode):
                node = rdflib.BNode()  # unique: never another file's
            else:
                node = rdflib_literal(t, rdflib.URIRef)
            numbers[key] = len(terms)
            terms.append(node)
            return numbers[key]

        blank = pyoxigraph.BlankNode
        s_add, p_add, o_add = self.s.append, self.p.append, self.o.append
        for index, path in enumerate(files):
            with parsing(path) as fmt:
                for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                    s, o = quad.subject, quad.object
                    s_add(number(s, (index, s.value) if isinstance(s, blank) else s))
                    p_add(number(quad.predicate, quad.predicate))
                    o_add(number(o, (index, o.value) if isinstance(o, blank) else o))
        numbers.clear()
        #: 1 for each term that is a blank node
        self.blank = bytearray(isinstance(t, rdflib.BNode) for t in terms)
        #: each property's number
        self.predicates = {terms[n]: n for n in set(self.p)}
        self.start, self.order = _index(self.s, len(terms), range(len(self.s)))

    def __len__(self) -> int:
        return len(self.s)

    def find(self, nodes: set[rdflib.term.Node]) -> dict[rdflib.term.Node, int]:
        """The numbers of those of ``nodes`` the graph has."""
        return {t: n for n, t in enumerate(self.terms) if t in nodes} if nodes else {}

    def out(self, n: int) -> array:
        """The numbers of the triples whose subject is term ``n``."""
        return self.order[self.start[n] : self.start[n + 1]]

    def is_subject(self, n: int) -> bool:
        return self.start[n + 1] > self.start[n]


def _index(keys: array, count: int, rows: Iterable[int]) -> tuple[array, array]:
    """A counting sort of ``rows`` by ``keys[row]``: (start of each key, rows in key order)."""
    start = array("q", bytes(8 * (count + 1)))
    chosen = array("q", rows)
    for row in chosen:
        start[keys[row] + 1] += 1
    total = 0
    for k in range(count + 1):
        total += start[k]
        start[k] = total
    fill = array("q", start)
    order = array("q", bytes(8 * len(chosen)))
    for row in chosen:
        key = keys[row]
        order[fill[key]] = row
        fill[key] += 1
    return start, order


class Slicer:
    """Cuts a Compact graph into slices that pyshacl can validate one at a time."""

    def __init__(self, graph: Compact, found: Reach, size: int) -> None:
        self.graph = graph
        predicates = graph.predicates
        self.type = predicates.get(RDF.type, -1)
        self.paths = _numbered(found.paths, predicates)
        self.objects_of = {predicates[p] for p in found.objects_of if p in predicates}
        backwards = {predicates[p] for p in found.backwards() if p in predicates}
        p = graph.p
        # the triples of the properties followed backwards or targeted by their objects, by
        # object and, within one object's, by property (a stable sort of a sort by property)
        followed = backwards | self.objects_of
        wanted = [row for row in range(len(p)) if p[row] in followed]
        _, by_property = _index(p, len(graph.terms), wanted)
        self.in_start, self.in_order = _index(graph.o, len(graph.terms), by_property)
        subclass = predicates.get(RDFS.subClassOf)
        self.schema = [row for row in range(len(p)) if p[row] == subclass]
        #: the target nodes (sh:targetNode) the graph has, by term
        self.targets = graph.find(found.nodes)
        self.groups = self._groups(size)

    def _groups(self, size: int) -> list[tuple[int, int]]:
        """Ranges of term numbers whose subjects' triples come to about ``size`` each."""
        start, groups, low = self.graph.start, [], 0
        count = len(self.graph.terms)
        while low < count:
            high = low + 1
            while high < count and start[high] - start[low] < size:
                high += 1
            groups.append((low, high))
            low = high
        return groups

    def backwards(self, n: int, predicate: int | None = None) -> array:
        """The numbers of the triples whose object is term ``n`` (of the properties followed
        backwards or targeted by their objects; of ``predicate`` only, if given)."""
        low, high = self.in_start[n], self.in_start[n + 1]
        if predicate is not None and high > low:
            key = self.graph.p.__getitem__
            low = bisect_left(self.in_order, predicate, low, high, key=key)
            high = bisect_right(self.in_order, predicate, low, high, key=key)
        return self.in_order[low:high]

    def rows(self, group: int) -> set[int]:
        """The triples of slice ``group``: its subjects' triples; for each of its subjects that a
        value shape targets, one triple that makes it a focus node; every triple on the shapes'
        paths from its subjects and from the nodes without triples that are focus nodes in it,
        with the classes of every node they reach; everything said of every blank node it
        holds (pyshacl prints and copies those whole); and every rdfs:subClassOf triple."""
        graph, (low, high) = self.graph, self.groups[group]
        s, p, o = graph.s, graph.p, graph.o
        rows: set[int] = set(self.schema)
        walked: set[tuple[int, int]] = set()
        typed: set[int] = set()

        def classes(n: int) -> None:
            if n not in typed:
                typed.add(n)
                rows.update(r for r in graph.out(n) if p[r] == self.type)

        def walk(n: int, trie: tuple) -> None:
            forwards, backwards = trie
            if (n, id(trie)) in walked or not (forwards or backwards):
                return
            walked.add((n, id(trie)))
            if forwards:
                for row in graph.out(n):
                    rest = forwards.get(p[row])
                    if rest is not None:
                        rows.add(row)
                        classes(o[row])
                        walk(o[row], rest)
            for predicate, rest in backwards:
                for row in self.backwards(n, predicate):
                    rows.add(row)
                    classes(s[row])
                    walk(s[row], rest)

        leaves: set[int] = set()
        for n in range(low, high):
            mine = graph.out(n)
            if not len(mine):
                continue
            rows.update(mine)
            walk(n, self.paths)
            leaves.update(o[row] for row in mine if p[row] in self.objects_of)
            for predicate in self.objects_of:
                one = self.backwards(n, predicate)[:1]
                rows.update(one)
        # the nodes without triples that are focus nodes here (a value shape's values, target
        # nodes): each is walked from too, in every slice that has it, so that its results are
        # alike in all of them
        todo = [n for n in [*leaves, *self.targets.values()] if not graph.is_subject(n)]
        done: set[int] = set()
        while todo:
            for n in todo:
                if n not in done:
                    done.add(n)
                    walk(n, self.paths)
            todo = [
                o[row]
                for row in rows
                if p[row] in self.objects_of and o[row] not in done and not graph.is_subject(o[row])
            ]
        blank = graph.blank
        described: set[int] = set()
        todo = [n for row in rows for n in (s[row], o[row]) if blank[n]]
        while todo:
            n = todo.pop()
            if n not in described:
                described.add(n)
                for row in graph.out(n):
                    rows.add(row)
                    if blank[o[row]]:
                        todo.append(o[row])
        return rows

    def owns(self, group: int, n: int) -> bool:
        """Whether slice ``group`` keeps the results on term ``n``: its own subjects, and the
        nodes that are no triple's subject (whose results every slice finds alike)."""
        low, high = self.groups[group]
        return low <= n < high or not self.graph.is_subject(n)


def _numbered(trie: Trie, predicates: dict) -> tuple:
    """The path tree with properties as numbers, as (forwards {number: subtree}, backwards
    [(number, subtree)]); a property the graph lacks, which matches nothing, is left out."""
    forwards, backwards = {}, []
    for (predicate, back), rest in trie.items():
        number = predicates.get(predicate)
        if number is None:
            continue
        if back:
            backwards.append((number, _numbered(rest, predicates)))
        else:
            forwards[number] = _numbered(rest, predicates)
    return forwards, backwards


def validate_sliced(
    files: list[Path],
    shapes: rdflib.Graph,
    tell: Callable[[str], None] = lambda step: None,
    size: int | None = None,
    jobs: int = 2,
) -> Any:  # a hkit.quality.validate.ValidationReport, or None when reach() cannot bound the shapes
    """Validate the files (ontology included) against ``shapes`` one slice at a time."""

    _refuse_unsafe_queries(shapes)
    flat, origins = flatten(shapes)
    found = reach(flat)
    if found is None:
        return None
    tell("reading the graph")
    graph = Compact(files)
    # one byte numbers each slice for the two processes: at most 255 slices
    size = max(size or SLICE_TRIPLES, len(graph) // 255 + 1)
    slicer = Slicer(graph, found, size)
    shape_nodes = {n for t in flat for n in t if isinstance(n, rdflib.BNode)}
    count = len(slicer.groups)
    tell(f"pyshacl is checking the shapes, one slice of the graph at a time ({count} slices)")

    def work(group: int) -> list[tuple]:
        terms, s, p, o = graph.terms, graph.s, graph.p, graph.o
        data = rdflib.Graph()
        numbers = dict(slicer.targets)
        for row in slicer.rows(group):
            subject, obj = terms[s[row]], terms[o[row]]
            data.add((subject, terms[p[row]], obj))
            numbers[subject], numbers[obj] = s[row], o[row]

        def owned(node: rdflib.term.Node) -> bool:
            number = numbers.get(node)
            return number is None or slicer.owns(group, number)

        with _targets_only(owned):
            _, results, _ = _run(data, flat)
        return _kept(results, owned, shape_nodes, numbers.__contains__)

    use_fork = jobs > 1 and count > 1 and two_cpus()
    parts = in_two_processes(count, work) if use_fork else [work(n) for n in range(count)]
    results, conforms = _merged(parts)
    mentioned = set(results.objects(None, SH.focusNode))
    mentioned |= {n for n in results.objects(None, SH.value) if not isinstance(n, rdflib.Literal)}
    if len(mentioned):  # the shapes' IRIs, whose labels the data may give (the ontology's)
        mentioned |= {n for n in shapes.subjects() if isinstance(n, rdflib.URIRef)}
    text = f"Validation Report\nConforms: {conforms}\nResults ({len(_results_of(results))}):\n"
    return report(conforms, results, text, origins, _context(graph, slicer, mentioned), shapes)


@contextmanager
def _targets_only(owned: Callable[[rdflib.term.Node], bool]) -> Iterator[None]:
    """pyshacl, for the time of the block, taking as the targets of each shape only the nodes
    ``owned`` accepts: a slice's own focus nodes. The nodes the slice holds only because its own
    reach them are still read as values (their classes, their paths); their results, which
    another slice keeps, are not worked out here only to be dropped (_kept drops any left)."""
    from pyshacl.shape import Shape

    found = Shape.__dict__.get("focus_nodes")
    if found is None:  # another pyshacl: every target is validated, and _kept picks the results
        yield
        return

    def focus_nodes(self: Any, data_graph: rdflib.Graph, debug: bool = False) -> set:
        return {node for node in found(self, data_graph, debug=debug) if owned(node)}

    Shape.focus_nodes = focus_nodes
    try:
        yield
    finally:
        Shape.focus_nodes = found


def _results_of(results: rdflib.Graph) -> list[rdflib.term.Node]:
    return [
        r
        for report in results.subjects(RDF.type, SH.ValidationReport)
        for r in results.objects(report, SH.result)
    ]


def _kept(
    results: rdflib.Graph,
    owned: Callable[[rdflib.term.Node], bool],
    shape_nodes: set,
    data: Callable[[rdflib.term.Node], bool],
) -> list[tuple]:
    """Each result on a focus node the slice owns, as (signature, its triples, the signature of
    each of the report's own blank nodes among them): the triples reachable from the result
    through the report's own blank nodes (nested results, copies of a shape's lists), the
    shapes' (paths) and the data's (which pyshacl copies in with what it says of them). A
    signature names a node by what it says, so that equal results of two slices are one."""
    reports = set(results.subjects(RDF.type, SH.ValidationReport))
    described = {n for n in results.subjects() if isinstance(n, rdflib.BNode)}
    own = {n for n in described if n not in shape_nodes and n not in reports and not data(n)}
    signatures: dict[rdflib.term.Node, Any] = {}

    def signature(node: rdflib.term.Node) -> Any:
        if node not in own:
            return node.n3()
        if node not in signatures:
            signatures[node] = tuple(
                sorted((p.n3(), signature(o)) for p, o in results.predicate_objects(node))
            )
        return signatures[node]

    kept = []
    for result in _results_of(results):
        if not owned(results.value(result, SH.focusNode)):
            continue
        triples, todo, seen = [], [result], set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in results.predicate_objects(node):
                triples.append((node, p, o))
                if o in described:  # nested results, a path, a blank node of the data
                    todo.append(o)
        kept.append(
            (signature(result), triples, {n: signature(n) for n in seen & own if n != result})
        )
    return kept


def _merged(parts: list[list[tuple]]) -> tuple[rdflib.Graph, bool]:
    """One report graph of the slices' kept results, and whether the graph conforms (no result
    of severity sh:Violation, as pyshacl decides with warnings allowed). Equal results of
    several slices are one; one slice may give equal results twice (sh:uniqueLang gives one
    per language used twice), and so many are kept. The report's own blank nodes other than
    the results are named by what they say, so that pyshacl's copies of one shape list are
    one node, as in one pyshacl report."""
    merged = rdflib.Graph()
    report = rdflib.BNode()
    merged.add((report, RDF.type, SH.ValidationReport))
    most: dict[Any, list[tuple]] = {}
    for part in parts:
        mine: dict[Any, list[tuple]] = {}
        for kept in part:
            mine.setdefault(kept[0], []).append(kept)
        for sig, equal in mine.items():
            if len(equal) > len(most.get(sig, ())):
                most[sig] = equal
    names: dict[Any, rdflib.BNode] = {}
    for equal in most.values():
        for _, triples, own in equal:
            result = triples[0][0]
            renamed = {n: names.setdefault(sig, rdflib.BNode()) for n, sig in own.items()}
            renamed[result] = rdflib.BNode()
            merged.add((report, SH.result, renamed[result]))
            for s, p, o in triples:
                merged.add((renamed.get(s, s), p, renamed.get(o, o)))
    conforms = (None, SH.resultSeverity, SH.Violation) not in merged
    merged.add((report, SH.conforms, rdflib.Literal(conforms)))
    return merged, conforms


def _context(graph: Compact, slicer: Slicer, nodes: set[rdflib.term.Node]) -> rdflib.Graph:
    """What the report reads of the data about the results' nodes: their triples (classes,
    labels), the triples pointing at them with a value shape's property (which nodes use a bad
    value) and those nodes' labels, and every rdfs:subClassOf triple."""
    terms, s, p, o = graph.terms, graph.s, graph.p, graph.o
    rows = set(slicer.schema)
    labels = {graph.predicates.get(RDFS.label), graph.predicates.get(SKOS.prefLabel)}
    for n in graph.find(nodes).values():
        rows.update(graph.out(n))
        for row in slicer.backwards(n):
            if p[row] in slicer.objects_of:
                rows.add(row)
                rows.update(r for r in graph.out(s[row]) if p[r] in labels)
    context = rdflib.Graph()
    for row in rows:
        context.add((terms[s[row]], terms[p[row]], terms[o[row]]))
    return context


def validate_files(
    files: list[Path], shapes: rdflib.Graph, tell: Callable[[str], None] = lambda step: None
) -> ValidationReport:
    """The files (ontology included) against ``shapes``: from SLICED_FROM_BYTES of input one
    slice of the graph at a time where the shapes allow it (validate_sliced), else the whole
    graph at once, parsed by pyoxigraph (strict, and fast on large data)."""

    if sum(path.stat().st_size for path in files) >= SLICED_FROM_BYTES:
        sliced = validate_sliced(files, shapes, tell)
        if sliced is not None:
            return sliced
    tell("reading the graph")
    graph = load_rdflib_strict(files)
    tell("pyshacl is checking the shapes")
    return validate(graph, shapes)
