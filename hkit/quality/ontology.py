"""What several reports ask of an ontology, computed in one place: the pairs of disjoint classes
and the walks up and down a hierarchy (review, reason and docs use them)."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS


def disjoint_pairs(graph: rdflib.Graph) -> set[frozenset[rdflib.term.Node]]:
    """Every pair of classes declared disjoint, by ``owl:disjointWith`` or as two members of an
    ``owl:AllDisjointClasses``.

    >>> g = rdflib.Graph().parse(data='''
    ...   @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix : <urn:x:> .
    ...   :A owl:disjointWith :B . [] a owl:AllDisjointClasses ; owl:members (:B :C) .
    ... ''', format="turtle")
    >>> sorted(sorted(str(c)[-1] for c in pair) for pair in disjoint_pairs(g))
    [['A', 'B'], ['B', 'C']]
    """
    pairs = {frozenset((a, b)) for a, b in graph.subject_objects(OWL.disjointWith) if a != b}
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(rdflib.collection.Collection(graph, graph.value(axiom, OWL.members)))
        pairs.update(frozenset((a, b)) for a in members for b in members if a != b)
    return pairs


def disjoint_with(pairs: set[frozenset[rdflib.term.Node]], cls: rdflib.term.Node) -> set:
    """The classes that ``pairs`` (from :func:`disjoint_pairs`) declare disjoint with ``cls``."""
    return {other for pair in pairs if cls in pair for other in pair if other != cls}


class Hierarchy:
    """The asserted hierarchy of a graph along ``predicate`` (``rdfs:subClassOf`` by default),
    with memoised walks up (ancestors) and down (descendants); each includes the node itself."""

    def __init__(self, graph: rdflib.Graph, predicate: rdflib.URIRef = RDFS.subClassOf) -> None:
        self._up: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
        self._down: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
        for sub, sup in graph.subject_objects(predicate):
            self._up.setdefault(sub, set()).add(sup)
            self._down.setdefault(sup, set()).add(sub)
        self._memo: dict[tuple[bool, rdflib.term.Node], frozenset[rdflib.term.Node]] = {}

    def _walk(self, node: rdflib.term.Node, up: bool) -> frozenset[rdflib.term.Node]:
        key = (up, node)
        if key not in self._memo:
            edges = self._up if up else self._down
            found: set[rdflib.term.Node] = {node}
            todo = list(edges.get(node, ()))
            while todo:
                other = todo.pop()
                if other not in found:
                    found.add(other)
                    todo.extend(edges.get(other, ()))
            self._memo[key] = frozenset(found)
        return self._memo[key]

    def ancestors(self, node: rdflib.term.Node) -> frozenset[rdflib.term.Node]:
        """The node and everything above it."""
        return self._walk(node, up=True)

    def descendants(self, node: rdflib.term.Node) -> frozenset[rdflib.term.Node]:
        """The node and everything below it."""
        return self._walk(node, up=False)
