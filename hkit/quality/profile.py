"""The OWL 2 DL restriction on non-simple properties (OWL 2 Structural Specification, section
11.2), checked on an RDF graph and reported by axiom.

A property is *composite* when it is transitive or the head of a property chain; it is
*non-simple* when it is composite, a super-property or an equivalent of a non-simple property,
or the inverse of one. OWL 2 DL forbids a non-simple property in a functional,
inverse-functional, irreflexive or asymmetric property axiom, a disjointness of properties, a
cardinality restriction or a self restriction. HermiT's command line reports such an ontology
only as a Java stack line; this check names the axiom, so that ``hkit review`` reports it and
``hkit reason`` refuses it in one line before starting the reasoner.

This is the common violation the OWL API's profile checker finds in an ontology of hkit's kind,
not the whole profile: the global restrictions on the property hierarchy's regularity, and the
typing constraints on punned names, are not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from hkit.core.vocab import compact

#: Characteristics OWL 2 DL allows only on simple properties, by the name of their axiom.
SIMPLE_ONLY_TYPES = {
    OWL.FunctionalProperty: "FunctionalObjectProperty",
    OWL.InverseFunctionalProperty: "InverseFunctionalObjectProperty",
    OWL.IrreflexiveProperty: "IrreflexiveObjectProperty",
    OWL.AsymmetricProperty: "AsymmetricObjectProperty",
}
#: Restrictions that count, by the name of their class expression.
CARDINALITIES = {
    OWL.cardinality: "ObjectExactCardinality",
    OWL.qualifiedCardinality: "ObjectExactCardinality",
    OWL.minCardinality: "ObjectMinCardinality",
    OWL.minQualifiedCardinality: "ObjectMinCardinality",
    OWL.maxCardinality: "ObjectMaxCardinality",
    OWL.maxQualifiedCardinality: "ObjectMaxCardinality",
    OWL.hasSelf: "ObjectHasSelf",
}


def _name(node: rdflib.term.Node) -> str:
    text = compact(str(node))
    return text if text != str(node) else f"<{node}>"


def non_simple(graph: rdflib.Graph) -> dict[rdflib.term.Node, str]:
    """The non-simple properties of ``graph``, each with why (its composite origin)."""
    why: dict[rdflib.term.Node, str] = {}
    for p in graph.subjects(RDF.type, OWL.TransitiveProperty):
        why[p] = f"{_name(p)} is transitive"
    for p in graph.subjects(OWL.propertyChainAxiom, None):
        why.setdefault(p, f"{_name(p)} has a property chain")
    changed = True
    while changed:
        changed = False
        for p, reason in list(why.items()):
            reached = set(graph.objects(p, RDFS.subPropertyOf))
            reached |= set(graph.objects(p, OWL.equivalentProperty))
            reached |= set(graph.subjects(OWL.equivalentProperty, p))
            reached |= set(graph.objects(p, OWL.inverseOf))
            reached |= set(graph.subjects(OWL.inverseOf, p))
            for q in reached:
                if q not in why:
                    why[q] = reason
                    changed = True
    return why


def dl_violations(graph: rdflib.Graph) -> Iterator[tuple[rdflib.term.Node, str]]:
    """Each axiom that puts a non-simple property where OWL 2 DL wants a simple one, as
    ``(property, message)``; the message names the axiom in the functional syntax."""
    why = non_simple(graph)
    for kind, axiom in SIMPLE_ONLY_TYPES.items():
        for p in sorted(graph.subjects(RDF.type, kind), key=str):
            if p in why:
                yield p, f"{axiom}({_name(p)}) on a non-simple property ({why[p]})"
    for p, q in sorted(graph.subject_objects(OWL.propertyDisjointWith), key=str):
        for bad in (p, q):
            if bad in why:
                yield (
                    bad,
                    f"DisjointObjectProperties({_name(p)} {_name(q)}) names a non-simple "
                    f"property ({why[bad]})",
                )
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointProperties):
        members = graph.value(axiom, OWL.members)
        items = list(Collection(graph, members)) if members else []
        for bad in items:
            if bad in why:
                names = " ".join(_name(i) for i in items)
                yield (
                    bad,
                    f"DisjointObjectProperties({names}) names a non-simple property ({why[bad]})",
                )
    for restriction, p in graph.subject_objects(OWL.onProperty):
        if p not in why:
            continue
        for predicate, expression in CARDINALITIES.items():
            value = graph.value(restriction, predicate)
            if value is not None:
                yield p, f"{expression}({value} {_name(p)}) on a non-simple property ({why[p]})"


def dl_violation_messages(graph: rdflib.Graph) -> list[str]:
    """The violations of :func:`dl_violations` as sorted, distinct one-line messages."""
    return sorted({message for _, message in dl_violations(graph)})
