"""SHACL validation with pyshacl: the data, checked against the shapes, with the ontology mixed in
so that instances of subclasses are targets of their superclasses' shapes."""

from __future__ import annotations

from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, SH


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    source_shape: str
    node_shapes: tuple[str, ...]
    component: str


@dataclass
class ValidationReport:
    """The outcome of a SHACL validation."""

    conforms: bool
    violations: list[Violation]
    text: str


def _node_shapes_of(shapes: rdflib.Graph, shape: rdflib.term.Node) -> tuple[str, ...]:
    """The named node shapes that a result's source shape belongs to: the shape itself, or the
    node shapes that use it as an sh:property (a shared property shape has several)."""
    if (shape, RDF.type, SH.NodeShape) in shapes and isinstance(shape, rdflib.URIRef):
        return (str(shape),)
    return tuple(sorted(str(owner) for owner in shapes.subjects(SH.property, shape)))


def validate(
    data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None
) -> ValidationReport:
    """Validate ``data`` (plus ``ontology``) against ``shapes``."""
    import pyshacl

    # Merge the ontology in ourselves: pyshacl's own ont_graph mixing deep-copies the graphs and
    # took minutes on a few thousand triples where a plain union takes milliseconds.
    merged = data + ontology if ontology is not None else data
    conforms, results_graph, text = pyshacl.validate(
        merged,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    violations = []
    # Only the report's own results: nested sh:detail results (from sh:node) explain them.
    top_level = [
        result
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for result in results_graph.objects(report, SH.result)
    ]
    for result in top_level:

        def one(pred: rdflib.URIRef, result: rdflib.term.Node = result) -> str | None:
            value = results_graph.value(result, pred)
            return None if value is None else str(value)

        source_shape = results_graph.value(result, SH.sourceShape)
        violations.append(
            Violation(
                severity=(one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
                focus=one(SH.focusNode) or "",
                path=one(SH.resultPath),
                value=one(SH.value),
                message=one(SH.resultMessage) or "",
                source_shape=str(source_shape),
                node_shapes=_node_shapes_of(shapes, source_shape),
                component=(one(SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
            )
        )
    violations.sort(key=lambda v: (v.focus, v.source_shape, v.message))
    return ValidationReport(conforms=bool(conforms), violations=violations, text=text)
