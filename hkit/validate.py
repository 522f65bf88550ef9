"""SHACL validation with pyshacl: the data, checked against the shapes, with the ontology mixed in
so that instances of subclasses are targets of their superclasses' shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from hkit.errors import InputError


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    source_shape: str  # "" when the source shape is a blank node
    node_shapes: tuple[str, ...]
    component: str
    value_kind: str | None = None  # 'uri', 'literal' or 'bnode', when there is a value


@dataclass
class ValidationReport:
    """The outcome of a SHACL validation: the results, pyshacl's report graph, and the labels of
    the nodes and shapes the results mention (for reports a person reads)."""

    conforms: bool
    violations: list[Violation]
    text: str
    graph: rdflib.Graph | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, iri: str | None) -> str:
        """A node's or shape's label, or its compact IRI."""
        from hkit.results import compact

        if iri is None:
            return ""
        return self.labels.get(iri) or compact(iri)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (the JSON format)."""
        return {
            "conforms": self.conforms,
            "violations": len([v for v in self.violations if v.severity == "Violation"]),
            "results": [
                {
                    "severity": v.severity,
                    "focus": v.focus,
                    "focusLabel": self.label(v.focus),
                    "path": v.path,
                    "value": v.value,
                    "valueKind": v.value_kind,
                    "message": v.message,
                    "sourceShape": v.source_shape or None,
                    "nodeShapes": list(v.node_shapes),
                    "component": v.component,
                }
                for v in self.violations
            ],
        }

    def render(self, fmt: str = "text") -> str:
        """The report as ``text`` (grouped by shape, then focus node, with labels), ``json``, or
        ``ttl`` (pyshacl's W3C SHACL validation report graph)."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "ttl":
            if self.graph is None:
                raise ValueError("this report has no results graph")
            return self.graph.serialize(format="turtle")
        return self._text()

    def _text(self) -> str:
        from hkit.results import compact

        if not self.violations:
            return "SHACL: the graph conforms to the shapes.\n"
        by_shape: dict[str, dict[str, list[Violation]]] = {}
        for v in self.violations:
            for shape in v.node_shapes or (v.source_shape or "(an unnamed shape)",):
                by_shape.setdefault(shape, {}).setdefault(v.focus, []).append(v)
        focus_count = len({v.focus for v in self.violations})
        severities = sorted({v.severity for v in self.violations})
        lines = [
            f"SHACL: {len(self.violations)} result(s) ({', '.join(severities)}) on "
            f"{focus_count} node(s), from {len(by_shape)} shape(s)."
        ]
        for shape in sorted(by_shape, key=lambda s: (self.label(s).lower(), s)):
            lines.append("")
            lines.append(f"{self.label(shape)}  [{compact(shape)}]")
            for focus in sorted(by_shape[shape], key=lambda f: (self.label(f).lower(), f)):
                name = self.labels.get(focus)
                lines.append(f"  {name}  <{compact(focus)}>" if name else f"  <{compact(focus)}>")
                for v in by_shape[shape][focus]:
                    where = compact(v.path) if v.path else "(the node itself)"
                    value = f" = {_show_value(v, self)}" if v.value is not None else ""
                    lines.append(f"    {v.severity}: {where}{value}: {v.message}")
        return "\n".join(lines) + "\n"


def _show_value(v: Violation, report: ValidationReport) -> str:
    """An offending value: a node by its label, a literal quoted."""
    from hkit.results import compact

    if v.value_kind == "uri":
        label = report.labels.get(v.value)
        return f"{label} <{compact(v.value)}>" if label else f"<{compact(v.value)}>"
    if v.value_kind == "bnode":
        return "a blank node"
    return json.dumps(v.value, ensure_ascii=False)


def _labels(graph: rdflib.Graph, shapes: rdflib.Graph, iris: set[str]) -> dict[str, str]:
    """English labels (rdfs:label, skos:prefLabel, sh:name) of the given IRIs."""
    labels: dict[str, str] = {}
    for iri in iris:
        node = rdflib.URIRef(iri)
        for g, predicates in (
            (graph, (RDFS.label, SKOS.prefLabel)),
            (shapes, (SH.name, RDFS.label)),
        ):
            for predicate in predicates:
                for value in g.objects(node, predicate):
                    if isinstance(value, rdflib.Literal) and value.language in (None, "en"):
                        labels.setdefault(iri, str(value))
    return labels


def _node_shapes_of(
    shapes: rdflib.Graph, shape: rdflib.term.Node, focus_types: set[rdflib.term.Node]
) -> tuple[str, ...]:
    """The named node shapes that a result came from: the shape itself, or, for a property shape
    shared by several node shapes, those of its owners that target the focus node's classes."""
    if (shape, RDF.type, SH.NodeShape) in shapes and isinstance(shape, rdflib.URIRef):
        return (str(shape),)
    owners = sorted(str(o) for o in shapes.subjects(SH.property, shape))
    targeting = [
        o
        for o in owners
        if set(shapes.objects(rdflib.URIRef(o), SH.targetClass)) & focus_types
        or (rdflib.URIRef(o), SH.targetNode, None) in shapes
    ]
    return tuple(targeting or owners)


def _types_of(graph: rdflib.Graph, node: rdflib.term.Node) -> set[rdflib.term.Node]:
    """The node's classes and all their superclasses."""
    found: set[rdflib.term.Node] = set()
    todo = list(graph.objects(node, RDF.type))
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(graph.objects(cls, RDFS.subClassOf))
    return found


def validate(
    data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None
) -> ValidationReport:
    """Validate ``data`` (plus ``ontology``) against ``shapes``."""
    import pyshacl

    from hkit.catalog import check_read_only

    # SHACL-SPARQL constraints are queries too: pyshacl would run a SERVICE in one (HAZARDS 6, 16).
    for predicate in (SH.select, SH.ask, SH.construct, SH.update):
        for query in shapes.objects(None, predicate):
            if predicate == SH.update:
                raise InputError("the shapes contain a SPARQL update (sh:update), which is refused")
            check_read_only(str(query), "a SPARQL constraint in the shapes")
    # Merge the ontology in ourselves: pyshacl's own ont_graph mixing deep-copies the graphs and
    # took minutes on a few thousand triples where a plain union takes milliseconds. (Callers
    # with large data pass ontology=None and data that already holds the ontology.)
    merged = data + ontology if ontology is not None else data
    try:
        conforms, results_graph, text = pyshacl.validate(
            merged,
            shacl_graph=shapes,
            inference="none",
            allow_warnings=True,
            advanced=False,
        )
    except (
        pyshacl.errors.ShapeLoadError,
        pyshacl.errors.ConstraintLoadError,
        pyshacl.errors.RuleLoadError,
    ) as exc:
        first = str(exc.args[0] if exc.args else exc).splitlines()[0]
        raise InputError(f"the shapes cannot be used: {first}") from exc
    except pyshacl.errors.ReportableRuntimeError as exc:
        first = str(exc.args[0] if exc.args else exc).splitlines()[0]
        raise InputError(f"SHACL validation failed: {first}") from exc
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
        value = results_graph.value(result, SH.value)
        kind = None
        if value is not None:
            kind = "uri" if isinstance(value, rdflib.URIRef) else "literal"
            kind = "bnode" if isinstance(value, rdflib.BNode) else kind
        violations.append(
            Violation(
                severity=(one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
                focus=one(SH.focusNode) or "",
                path=one(SH.resultPath),
                value=one(SH.value),
                message=one(SH.resultMessage) or "",
                source_shape=str(source_shape) if isinstance(source_shape, rdflib.URIRef) else "",
                node_shapes=_node_shapes_of(
                    shapes,
                    source_shape,
                    _types_of(merged, results_graph.value(result, SH.focusNode)),
                ),
                component=(one(SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
                value_kind=kind,
            )
        )
    violations.sort(key=lambda v: (v.focus, v.source_shape, v.message))
    mentioned = {v.focus for v in violations} | {v.value for v in violations if v.value}
    mentioned |= {s for v in violations for s in (v.source_shape, *v.node_shapes)}
    return ValidationReport(
        conforms=bool(conforms),
        violations=violations,
        text=text,
        graph=results_graph,
        labels=_labels(merged, shapes, mentioned),
    )
