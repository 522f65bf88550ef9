"""SHACL validation with pyshacl: the data, checked against the shapes, with the ontology mixed in
so that instances of subclasses are targets of their superclasses' shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

from hkit.core.formats import Report
from hkit.core.vocab import compact
from hkit.quality.shacl import _run, _run_forked, flatten, parallel_jobs
from hkit.quality.shacl_report import turtle
from hkit.quality.shacl_sparql import _refuse_unsafe_queries


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
    focus_kind: str = "uri"  # a value shape's focus node can be a literal or a blank node
    focus_datatype: str | None = None  # a literal focus node's datatype IRI, or "@" + its language
    # for a value shape's focus node: (node, property) for each node whose property has the value
    used_by: tuple[tuple[str, str], ...] = ()


@dataclass
class ValidationReport(Report):
    """The outcome of a SHACL validation: the results, pyshacl's report graph, and the labels of
    the nodes and shapes the results mention (for reports a person reads). ``render`` gives
    ``text``, ``json`` or ``ttl`` (the format registry's formats for ``validate``)."""

    report = "validate"

    conforms: bool
    violations: list[Violation]
    text: str
    graph: rdflib.Graph | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, iri: str | None) -> str:
        """A node's or shape's label, or its compact IRI."""

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
                    "focusKind": v.focus_kind,
                    "focusDatatype": v.focus_datatype,
                    "focusLabel": self.label(v.focus) if v.focus_kind == "uri" else None,
                    "usedBy": [{"node": n, "property": p} for n, p in v.used_by],
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

    def as_turtle(self) -> str:
        """pyshacl's W3C SHACL validation report graph, in Turtle."""
        if self.graph is None:
            raise ValueError("this report has no results graph")
        return turtle(self.graph)

    def as_text(self) -> str:
        """The results for people: grouped by shape, then focus node, with labels."""
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
                lines.append(f"  {_show_focus(by_shape[shape][focus][0], self)}")
                for v in by_shape[shape][focus]:
                    itself = "(the node itself)" if v.focus_kind == "uri" else "(the value itself)"
                    where = _show_path(v.path) if v.path else itself
                    shown = v.value is not None and (v.path or v.value != v.focus)
                    value = f" = {_show_value(v, self)}" if shown else ""
                    lines.append(f"    {v.severity}: {where}{value}: {v.message}")
        return "\n".join(lines) + "\n"


#: How many of the nodes that use a bad value the text report names.
USED_BY_SHOWN = 5


def _show_focus(v: Violation, report: ValidationReport) -> str:
    """A focus node: a node by its label and compact IRI, a literal in Turtle syntax; for a value
    shape's focus node, also the nodes that use it."""

    if v.focus_kind == "uri":
        name = report.labels.get(v.focus)
        shown = f"{name}  <{compact(v.focus)}>" if name else f"<{compact(v.focus)}>"
    elif v.focus_kind == "bnode":
        shown = "a blank node"
    else:
        shown = json.dumps(v.focus, ensure_ascii=False)
        if v.focus_datatype and v.focus_datatype.startswith("@"):
            shown += v.focus_datatype
        elif v.focus_datatype and v.focus_datatype != str(XSD.string):
            shown += f"^^{compact(v.focus_datatype)}"
    by_property: dict[str, list[str]] = {}
    for node, prop in v.used_by:
        by_property.setdefault(prop, []).append(node)
    for prop, nodes in sorted(by_property.items()):
        users = [
            f"{report.labels[n]} <{compact(n)}>" if n in report.labels else f"<{compact(n)}>"
            for n in nodes[:USED_BY_SHOWN]
        ]
        if len(nodes) > USED_BY_SHOWN:
            users.append(f"{len(nodes) - USED_BY_SHOWN:,} more")
        shown += f", the {compact(prop)} of {', '.join(users)}"
    return shown


def _show_path(path: str) -> str:
    """A result path with compact IRIs: ``hkit:value``, or ``hkit:value|hkit:amount``."""
    import re

    if not path.startswith(("<", "^", "(")):
        return compact(path)
    return re.sub(r"<([^<>]*)>", lambda m: compact(m.group(1)), path)


def _path_text(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """A SHACL property path in SPARQL syntax: an IRI as itself, anything else with ``<IRI>``."""
    if isinstance(node, rdflib.URIRef):
        return str(node)

    def part(n: rdflib.term.Node) -> str:
        if isinstance(n, rdflib.URIRef):
            return f"<{n}>"
        items = list(graph.items(n)) if graph.value(n, RDF.first) is not None else None
        if items is not None:
            return "(" + "/".join(part(i) for i in items) + ")"
        for predicate, suffix in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = graph.value(n, predicate)
            if inner is not None:
                return f"{part(inner)}{suffix}"
        inner = graph.value(n, SH.inversePath)
        if inner is not None:
            return f"^{part(inner)}"
        inner = graph.value(n, SH.alternativePath)
        if inner is not None:
            return "(" + "|".join(part(i) for i in graph.items(inner)) + ")"
        return "(an unknown path)"

    return part(node)


def _show_value(v: Violation, report: ValidationReport) -> str:
    """An offending value: a node by its label, a literal quoted."""

    if v.value_kind == "uri" and v.value is not None:
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
                values = [v for v in g.objects(node, predicate) if isinstance(v, rdflib.Literal)]
                # English before untagged, and the least of several: the same label however the
                # graph orders its triples (a slice of the graph orders them differently)
                for language in ("en", None):
                    found = sorted(str(v) for v in values if v.language == language)
                    if found:
                        labels.setdefault(iri, found[0])
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


def _kind(node: rdflib.term.Node | None) -> str | None:
    """'uri', 'literal' or 'bnode'; None for no node."""
    if node is None:
        return None
    if isinstance(node, rdflib.Literal):
        return "literal"
    return "bnode" if isinstance(node, rdflib.BNode) else "uri"


def _datatype(node: rdflib.term.Node | None) -> str | None:
    """A literal's datatype IRI, or ``@`` and its language tag."""
    if not isinstance(node, rdflib.Literal):
        return None
    if node.language:
        return f"@{node.language}"
    return str(node.datatype or XSD.string)


def _used_by(
    graph: rdflib.Graph,
    shapes: rdflib.Graph,
    node_shapes: tuple[str, ...],
    focus: rdflib.term.Node | None,
) -> tuple[tuple[str, str], ...]:
    """For a focus node of a value shape (``sh:targetObjectsOf``): (node, property) for each
    node whose property has it as value."""
    if focus is None:
        return ()
    users = {
        (str(subject), str(predicate))
        for shape in node_shapes
        for predicate in shapes.objects(rdflib.URIRef(shape), SH.targetObjectsOf)
        for subject in graph.subjects(predicate, focus)
        if isinstance(subject, rdflib.URIRef)
    }
    return tuple(sorted(users))


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


def _violations(
    results_graph: rdflib.Graph,
    origins: dict[rdflib.URIRef, tuple[rdflib.term.Node, rdflib.term.Node]],
    merged: rdflib.Graph,
    shapes: rdflib.Graph,
) -> list[Violation]:
    """The report's own results (nested sh:detail results from sh:node explain them), naming the
    shapes as written rather than flatten()'s copies, sorted."""
    top_level = [
        result
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for result in results_graph.objects(report, SH.result)
    ]
    owner_of: dict[rdflib.term.Node, rdflib.term.Node] = {}
    for copy, (original, owner) in origins.items():
        for result in list(results_graph.subjects(SH.sourceShape, copy)):
            results_graph.remove((result, SH.sourceShape, copy))
            results_graph.add((result, SH.sourceShape, original))
            owner_of[result] = owner
    violations = [
        _violation(results_graph, result, owner_of.get(result), merged, shapes)
        for result in top_level
    ]
    violations.sort(
        key=lambda v: (v.focus, v.source_shape, v.message, v.path or "", v.component, v.value or "")
    )
    return violations


def _violation(
    results_graph: rdflib.Graph,
    result: rdflib.term.Node,
    owner: rdflib.term.Node | None,
    merged: rdflib.Graph,
    shapes: rdflib.Graph,
) -> Violation:
    """One result of the report as a :class:`Violation`."""

    def one(pred: rdflib.URIRef) -> str | None:
        value = results_graph.value(result, pred)
        return None if value is None else str(value)

    source_shape = results_graph.value(result, SH.sourceShape)
    focus = results_graph.value(result, SH.focusNode)
    if isinstance(owner, rdflib.URIRef):
        node_shapes: tuple[str, ...] = (str(owner),)
    else:
        node_shapes = _node_shapes_of(shapes, source_shape, _types_of(merged, focus))
    path = results_graph.value(result, SH.resultPath)
    return Violation(
        severity=(one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
        focus=one(SH.focusNode) or "",
        path=None if path is None else _path_text(results_graph, path),
        value=one(SH.value),
        message=one(SH.resultMessage) or "",
        source_shape=str(source_shape) if isinstance(source_shape, rdflib.URIRef) else "",
        node_shapes=node_shapes,
        component=(one(SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
        value_kind=_kind(results_graph.value(result, SH.value)),
        focus_kind=_kind(focus) or "uri",
        focus_datatype=_datatype(focus),
        used_by=_used_by(merged, shapes, node_shapes, focus),
    )


def validate(
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    ontology: rdflib.Graph | None = None,
    jobs: int | None = None,
) -> ValidationReport:
    """Validate ``data`` (plus ``ontology``) against ``shapes``, in ``jobs`` processes (1 or 2;
    by default 2 for large graphs where the machine allows: see parallel_jobs())."""
    _refuse_unsafe_queries(shapes)
    # Merge the ontology in ourselves: pyshacl's own ont_graph mixing deep-copies the graphs and
    # took minutes on a few thousand triples where a plain union takes milliseconds. (Callers
    # with large data pass ontology=None and data that already holds the ontology.)
    merged = data + ontology if ontology is not None else data
    flat, origins = flatten(shapes)
    if jobs is None:
        jobs = parallel_jobs(merged)
    if jobs > 1:
        conforms, results_graph, text = _run_forked(merged, flat)
    else:
        conforms, results_graph, text = _run(merged, flat)
    return report(conforms, results_graph, text, origins, merged, shapes)


def report(
    conforms: bool,
    results_graph: rdflib.Graph,
    text: str,
    origins: dict[rdflib.URIRef, tuple[rdflib.term.Node, rdflib.term.Node]],
    data: rdflib.Graph,
    shapes: rdflib.Graph,
) -> ValidationReport:
    """The ValidationReport of pyshacl's results on (at least the results' nodes of) ``data``."""
    violations = _violations(results_graph, origins, data, shapes)
    # SHACL: a report conforms when it has no results at all, of any severity. pyshacl, told to
    # allow warnings (so that hkit's exit code stays 0 for warnings and infos), says true
    # beside a warning; the W3C report graph says false whenever it holds a result.
    for node in list(results_graph.subjects(RDF.type, SH.ValidationReport)):
        has_result = (node, SH.result, None) in results_graph
        results_graph.set((node, SH.conforms, rdflib.Literal(not has_result)))
    mentioned = {v.focus for v in violations if v.focus_kind == "uri"}
    mentioned |= {v.value for v in violations if v.value_kind == "uri" and v.value is not None}
    mentioned |= {node for v in violations for node, _ in v.used_by}
    mentioned |= {s for v in violations for s in (v.source_shape, *v.node_shapes)}
    return ValidationReport(
        conforms=bool(conforms),
        violations=violations,
        text=text,
        graph=results_graph,
        labels=_labels(data, shapes, mentioned),
    )
