"""SHACL validation with pyshacl: the data, checked against the shapes, with the ontology mixed in
so that instances of subclasses are targets of their superclasses' shapes."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

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
    focus_kind: str = "uri"  # a value shape's focus node can be a literal or a blank node
    focus_datatype: str | None = None  # a literal focus node's datatype IRI, or "@" + its language
    # for a value shape's focus node: (node, property) for each node whose property has the value
    used_by: tuple[tuple[str, str], ...] = ()


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
        from hkit.vocab import compact

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

    def render(self, fmt: str = "text") -> str:
        """The report as ``text`` (grouped by shape, then focus node, with labels), ``json``, or
        ``ttl`` (pyshacl's W3C SHACL validation report graph)."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "ttl":
            if self.graph is None:
                raise ValueError("this report has no results graph")
            return turtle(self.graph)
        return self._text()

    def _text(self) -> str:
        from hkit.vocab import compact

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


#: The literals that Turtle may write without quotes, by datatype: the grammar's INTEGER,
#: DECIMAL, DOUBLE and BOOLEAN, which give back exactly that lexical form and datatype.
_SHORTHAND = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(
        r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)"
    ),
    str(XSD.boolean): re.compile(r"true|false"),
}


def turtle(graph: rdflib.Graph) -> str:
    """The graph as Turtle, laid out as rdflib lays it out, with every literal written so that a
    strict parser reads back the same term: rdflib writes a typed literal without quotes from
    its Python value, which is not Turtle for an ill-typed one (``"none"^^xsd:boolean`` came
    out as ``none``) and another term for some others (``"1"^^xsd:boolean`` as the integer
    ``1``, ``"1.0E0"^^xsd:double`` as ``1e+00``). Here a literal goes without quotes only when its
    lexical form is what Turtle's own shorthand for its datatype reads; every other one is
    quoted, escaped, with its datatype or language tag."""
    import io

    from rdflib.plugins.serializers.turtle import TurtleSerializer

    class Serializer(TurtleSerializer):
        def label(self, node: Any, position: int) -> str:
            if not isinstance(node, rdflib.Literal):
                return str(super().label(node, position))
            return _turtle_literal(node, lambda iri: self.get_pname(iri, False))

    out = io.BytesIO()
    Serializer(graph).serialize(out, encoding="utf-8")
    return out.getvalue().decode("utf-8")


def _turtle_literal(literal: rdflib.Literal, pname: Callable[[Any], str | None]) -> str:
    """One literal in Turtle: see :func:`turtle`."""
    text = str(literal)
    datatype = None if literal.datatype is None else str(literal.datatype)
    pattern = _SHORTHAND.get(datatype or "")
    if pattern is not None and pattern.fullmatch(text):
        return text
    quoted = '"{}"'.format(
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if literal.language:
        return f"{quoted}@{literal.language}"
    if datatype is None:
        return quoted
    return f"{quoted}^^{pname(literal.datatype) or f'<{datatype}>'}"


#: How many of the nodes that use a bad value the text report names.
USED_BY_SHOWN = 5


def _show_focus(v: Violation, report: ValidationReport) -> str:
    """A focus node: a node by its label and compact IRI, a literal in Turtle syntax; for a value
    shape's focus node, also the nodes that use it."""
    from hkit.vocab import compact

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

    from hkit.vocab import compact

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
    from hkit.vocab import compact

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


TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
#: The IRIs of flatten()'s copies of property shapes: urn:hkit:shape-copy:1, 2...
COPY = "urn:hkit:shape-copy:"


def flatten(shapes: rdflib.Graph) -> tuple[rdflib.Graph, dict[rdflib.URIRef, tuple]]:
    """An equivalent shapes graph that pyshacl validates far faster, and where each of its new
    property shapes came from: ``{new: (property shape, node shape)}``.

    pyshacl checks a node shape's ``sh:property`` shapes one focus node at a time, rebuilding each
    constraint for every node; a property shape that has targets of its own is checked once for
    all its focus nodes. So each property shape of a node shape that has targets (and that no
    other shape refers to) becomes a copy carrying those targets. SHACL gives the same results
    either way (a focus node of the node shape is one of the copy and the other way round), and
    a result's source shape is mapped back to the original by the caller. The copy also has
    the prefix declarations SHACL gives SPARQL constraints (:func:`declare_imported_prefixes`)."""
    flat = rdflib.Graph()
    for triple in shapes:
        flat.add(triple)
    declare_imported_prefixes(flat)
    origins: dict[rdflib.URIRef, tuple] = {}
    for node_shape in set(shapes.subjects(SH.property, None)):
        targets = [(p, o) for p in TARGETS for o in shapes.objects(node_shape, p)]
        if (node_shape, RDF.type, RDFS.Class) in shapes:
            targets.append((SH.targetClass, node_shape))
        if (
            not targets
            or (None, None, node_shape) in shapes
            or shapes.value(node_shape, SH.deactivated) is not None
            # qualifiedValueShapesDisjoint reads the sibling property shapes of the same node
            # shape, which a copy would no longer have
            or any(
                (p, SH.qualifiedValueShapesDisjoint, None) in shapes
                for p in shapes.objects(node_shape, SH.property)
            )
        ):
            continue
        for prop_shape in shapes.objects(node_shape, SH.property):
            copy = rdflib.URIRef(f"{COPY}{len(origins) + 1}")
            for predicate, obj in shapes.predicate_objects(prop_shape):
                if predicate not in TARGETS:  # its own targets stay with the original
                    flat.add((copy, predicate, obj))
            flat.add((copy, RDF.type, SH.PropertyShape))
            for predicate, obj in targets:
                flat.add((copy, predicate, obj))
            flat.remove((node_shape, SH.property, prop_shape))
            origins[copy] = (prop_shape, node_shape)
    return flat, origins


def declare_imported_prefixes(shapes: rdflib.Graph) -> None:
    """Give each value of ``sh:prefixes`` the prefix declarations of what it imports: SHACL
    (5.2.1) takes a SPARQL constraint's or validator's prefixes from the values of
    ``sh:prefixes/owl:imports*/sh:declare``, where pyshacl reads ``sh:prefixes/sh:declare``
    alone (and found the rest only in the prefixes that rdflib's own Turtle parser had bound,
    which hkit's parser does not bind). Nothing is fetched: only ``owl:imports`` between nodes
    of the shapes graph are followed. The declarations are those of the shapes graph, each
    already checked (:func:`_check_declarations`)."""
    from rdflib.namespace import OWL

    for holder in set(shapes.objects(None, SH.prefixes)):
        reached, todo = {holder}, [holder]
        while todo:
            for imported in shapes.objects(todo.pop(), OWL.imports):
                if imported not in reached:
                    reached.add(imported)
                    todo.append(imported)
        for node in reached - {holder}:
            for declaration in list(shapes.objects(node, SH.declare)):
                shapes.add((holder, SH.declare, declaration))


#: From this many triples, validation runs in two processes where the machine allows.
PARALLEL_FROM = 20_000
#: How many parts the targeted shapes are dealt into; each process takes the next part left.
PARTS = 16


def parallel_jobs(graph: rdflib.Graph) -> int:
    """2 for a graph of PARALLEL_FROM triples or more on a machine with two CPUs and fork(),
    else 1."""
    return 2 if len(graph) >= PARALLEL_FROM and two_cpus() else 1


def two_cpus() -> bool:
    """Whether this process may use two CPUs or more, and can fork()."""
    if not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return cpus >= 2


def _run(
    graph: rdflib.Graph, shapes: rdflib.Graph, use: list[str] | None = None
) -> tuple[bool, rdflib.Graph, str]:
    """pyshacl's (conforms, results graph, text) for all the shapes' targets, or for those of
    the shapes named in ``use`` only; its errors as one-line InputErrors."""
    import pyshacl

    try:
        with _CheckedSparql():
            conforms, results, text = pyshacl.validate(
                graph,
                shacl_graph=shapes,
                inference="none",
                allow_warnings=True,
                advanced=False,
                use_shapes=use,
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
    except NotImplementedError as exc:  # pyshacl's own refusal ($shapesGraph, for one)
        first = str(exc.args[0] if exc.args else exc).splitlines()[0]
        raise InputError(
            f"the shapes use what pyshacl does not support: {first}",
            hint="pyshacl validates hkit's shapes; rewrite the constraint without it",
        ) from exc
    except Exception as exc:
        # rdflib names a prefix that a SPARQL constraint uses but does not declare only as the
        # query runs (its prefixes come from sh:prefixes, which differ from constraint to
        # constraint): a mistake in the shapes, said in one line. Anything else is hkit's bug.
        unknown = re.fullmatch(r"Unknown namespace prefix : (\S*)", str(exc))
        if unknown is None:
            raise
        raise InputError(
            f"a SPARQL constraint in the shapes uses the prefix '{unknown.group(1)}:', which "
            "its sh:prefixes do not declare",
            hint="declare it with sh:declare on a value of the constraint's sh:prefixes",
        ) from exc
    if not isinstance(results, rdflib.Graph):  # pyshacl's ValidationFailure, returned not raised
        first = str(getattr(results, "message", results)).splitlines()[0]
        raise InputError(f"SHACL validation failed: {first}")
    return conforms, results, text


def in_two_processes(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(0)`` ... ``work(count - 1)``, shared between this process and a forked copy of it
    (which shares what is loaded): each takes the next number left from a pipe, read one byte at
    a time so that each number goes to exactly one process. The answers, in number order.
    pyshacl is pure Python, so one process uses one CPU."""
    import pickle

    if count > 255:
        raise ValueError("at most 255 parts")
    queue, feed = os.pipe()
    os.write(feed, bytes(range(count)))
    os.close(feed)

    def take() -> list[tuple[int, Any]]:
        done = []
        while number := os.read(queue, 1):
            done.append((number[0], work(number[0])))
        return done

    answer, reply = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the forked copy; its work is checked through its answer
        try:
            os.close(answer)
            payload: tuple = ("ok", take())
        except InputError as exc:
            payload = ("error", exc.message, exc.hint)
        except BaseException as exc:  # reported to the parent, which raises it
            payload = ("crash", f"{type(exc).__name__}: {exc}", None)
        try:
            with os.fdopen(reply, "wb") as out:
                pickle.dump(payload, out)
        finally:
            os._exit(0)
    os.close(reply)
    try:
        mine = take()
    finally:
        with os.fdopen(answer, "rb") as received:
            data = received.read()
        os.waitpid(child, 0)
        os.close(queue)
    theirs: tuple[Any, ...] = (
        pickle.loads(data) if data else ("crash", "the second process ended early", None)
    )
    if theirs[0] == "error":
        raise InputError(theirs[1], hint=theirs[2])
    if theirs[0] != "ok":
        raise RuntimeError(f"SHACL validation failed in the second process: {theirs[1]}")
    return [result for _, result in sorted(mine + theirs[1], key=lambda done: done[0])]


def _run_forked(graph: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, rdflib.Graph, str]:
    """_run() in two processes: the targeted shapes are dealt into PARTS parts, which this
    process and a forked copy of it validate (in_two_processes). (Shapes that pyshacl cannot be
    told to use by IRI, such as a blank node with a target, are validated in one process.)"""
    targeted = sorted({str(s) for t in TARGETS for s in shapes.subjects(t, None)})
    if any(not s.lower().startswith(("http:", "https:", "urn:", "file:")) for s in targeted):
        return _run(graph, shapes)
    parts = [targeted[number::PARTS] for number in range(min(PARTS, len(targeted)))]

    def work(number: int) -> tuple:
        conforms, results, text = _run(graph, shapes, parts[number])
        return conforms, list(results), text

    return _merge_reports(in_two_processes(len(parts), work), graph, shapes)


def _merge_reports(
    parts: list[tuple], graph: rdflib.Graph, shapes: rdflib.Graph
) -> tuple[bool, rdflib.Graph, str]:
    """One SHACL validation report from the parts' reports. The forked process made its blank
    nodes from the same sequence as this one, so the results' own blank nodes get new names;
    those of the shapes and of the data keep theirs."""
    merged = rdflib.Graph()
    report = rdflib.BNode()
    conforms = all(part[0] for part in parts)
    merged.add((report, RDF.type, SH.ValidationReport))
    merged.add((report, SH.conforms, rdflib.Literal(conforms)))
    shape_nodes = {n for triple in shapes for n in triple if isinstance(n, rdflib.BNode)}
    for _, triples, _ in parts:
        renamed: dict[rdflib.BNode, rdflib.BNode] = {}

        def name(node: rdflib.term.Node, renamed: dict = renamed) -> rdflib.term.Node:
            if not isinstance(node, rdflib.BNode) or node in shape_nodes:
                return node
            if (node, None, None) in graph or (None, None, node) in graph:
                return node
            return renamed.setdefault(node, rdflib.BNode())

        reports = {s for s, p, o in triples if p == RDF.type and o == SH.ValidationReport}
        for s, p, o in triples:
            if s in reports:
                if p == SH.result:
                    merged.add((report, SH.result, name(o)))
                continue
            merged.add((name(s), p, name(o)))
    text = "\n".join(part[2] for part in parts)
    return conforms, merged, text


def _check_parses(query: str, shapes: rdflib.Graph) -> None:
    """A SHACL-SPARQL constraint must be SPARQL that pyshacl's parser (rdflib's) reads, with the
    shapes graph's prefixes; else a one-line error instead of pyshacl's raw parser exception."""
    from rdflib.plugins.sparql import prepareQuery

    namespaces = {prefix: str(ns) for prefix, ns in shapes.namespaces() if prefix}
    for declared in shapes.objects(None, SH.declare):  # the prefixes pyshacl adds (sh:prefixes)
        prefix, namespace = shapes.value(declared, SH.prefix), shapes.value(declared, SH.namespace)
        if prefix is not None and namespace is not None:
            namespaces[str(prefix)] = str(namespace)
    try:
        prepareQuery(query, initNs=namespaces)
    except Exception as exc:
        text = " ".join(str(exc).split())[:200]
        raise InputError(
            f"a SPARQL constraint in the shapes is not valid SPARQL: {text}",
            hint="check the sh:select or sh:ask text of the shape",
        ) from None


#: SPARQL's PN_PREFIX (ASCII letters, digits, '_', '-', '.' inside, and the letters beyond
#: ASCII that SPARQL names may hold), as a prefix declaration must spell it.
_PN_PREFIX = re.compile(r"(?:[^\W\d_](?:[\w.\-\u00b7\u0300-\u036f\u203f\u2040]*[\w\-\u00b7])?)?")
_IRI_CHARS = re.compile(r"[^\x00-\x20<>\"{}|^`\\]*")


def _check_declarations(shapes: rdflib.Graph) -> None:
    """Every prefix declaration (``sh:declare``) must be a SPARQL prefix and an absolute IRI:
    pyshacl pastes both into ``PREFIX p: <namespace>`` as they are, so a namespace that closes
    the IRI could append any query text (SERVICE included)."""
    import pyoxigraph

    for declaration in shapes.objects(None, SH.declare):
        for prefix in shapes.objects(declaration, SH.prefix):
            if not (isinstance(prefix, rdflib.Literal) and _PN_PREFIX.fullmatch(str(prefix))):
                raise InputError(
                    f"the shapes declare the prefix '{_short(prefix)}', which is not a SPARQL "
                    "prefix name",
                    hint="sh:prefix takes a name such as \"ex\" (letters, digits, '_', '-')",
                )
        for namespace in shapes.objects(declaration, SH.namespace):
            text = str(namespace)
            try:
                pyoxigraph.NamedNode(text)
                valid = _IRI_CHARS.fullmatch(text) is not None
            except ValueError:
                valid = False
            if not valid:
                raise InputError(
                    f"the shapes declare the namespace '{_short(namespace)}', which is not an "
                    "absolute IRI",
                    hint='sh:namespace takes an IRI, such as "http://example.org/ns#"^^xsd:anyURI',
                )


def _short(node: object) -> str:
    text = " ".join(str(node).split())
    return text if len(text) <= 80 else text[:79] + "…"


def _refuse_unsafe_queries(shapes: rdflib.Graph) -> None:
    """SHACL-SPARQL constraints are queries too: pyshacl would run a SERVICE in one (HAZARDS 6,
    16). Updates are refused, prefix declarations checked, and every query is checked as an
    ad-hoc query is (and again as pyshacl assembles it: see :class:`_CheckedSparql`)."""
    from hkit.sparql import check_query

    _check_declarations(shapes)
    for predicate in (SH.select, SH.ask, SH.construct, SH.update):
        for query in shapes.objects(None, predicate):
            if predicate == SH.update:
                raise InputError("the shapes contain a SPARQL update (sh:update), which is refused")
            check_query(str(query), "a SPARQL constraint in the shapes")
            _check_parses(str(query), shapes)


# -- every SPARQL text pyshacl runs ------------------------------------------------------------
#
# pyshacl assembles the text it runs itself (prefix declarations pasted before sh:select, values
# substituted into constraint components' validators, SPARQL targets): while hkit validates, each
# text rdflib's SPARQL parser is handed passes hkit's read-only check first. pyshacl reports
# some errors in a constraint as a failed constraint rather than raising them (HAZARDS 16), so a
# refusal is also recorded, and raised once pyshacl returns.

_guarding = 0
_local = threading.local()  # each thread's refusals: validations in two threads keep theirs


def _refusals() -> list[str]:
    if not hasattr(_local, "refusals"):
        _local.refusals = []
    refusals: list[str] = _local.refusals
    return refusals


def _install_guard() -> None:
    """Wrap the parser functions that rdflib's SPARQL processor calls (once per process)."""
    from rdflib.plugins.sparql import processor

    if getattr(processor.parseQuery, "_hkit_guard", False):
        return
    parse_query, parse_update = processor.parseQuery, processor.parseUpdate

    def guarded_query(text: Any) -> Any:
        if _guarding > 0 and isinstance(text, str):
            from hkit.errors import QueryError
            from hkit.sparql import check_query

            try:
                check_query(text, "a SPARQL query that the shapes make")
            except QueryError as exc:
                _refusals().append(exc.message)
                raise
        return parse_query(text)

    def guarded_update(text: Any) -> Any:
        if _guarding > 0:
            message = "the shapes make a SPARQL update, which is refused"
            _refusals().append(message)
            raise InputError(message)
        return parse_update(text)

    guarded_query._hkit_guard = True  # type: ignore[attr-defined]
    processor.parseQuery = guarded_query
    processor.parseUpdate = guarded_update


class _CheckedSparql:
    """While active, every SPARQL text rdflib parses in this process is checked; on leaving,
    a refused text is raised as an InputError, whatever pyshacl made of it."""

    def __enter__(self) -> None:
        global _guarding
        _install_guard()
        _guarding += 1
        self.before = len(_refusals())

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        global _guarding
        _guarding -= 1
        refused = _refusals()[self.before :]
        del _refusals()[self.before :]
        if refused:
            raise InputError(refused[0], hint="queries are read-only and run on hkit's graph only")


def _violations(
    results_graph: rdflib.Graph,
    origins: dict,
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


def validate_files(
    files: list[Path], shapes: rdflib.Graph, tell: Callable[[str], None] = lambda step: None
) -> ValidationReport:
    """The files (ontology included) against ``shapes``: from SLICED_FROM_BYTES of input one
    slice of the graph at a time where the shapes allow it (hkit.slices), else the whole graph
    at once, parsed by pyoxigraph (strict, and fast on large data)."""
    from hkit import slices
    from hkit.graph import load_rdflib_strict

    if sum(path.stat().st_size for path in files) >= slices.SLICED_FROM_BYTES:
        sliced = slices.validate_sliced(files, shapes, tell)
        if sliced is not None:
            return sliced
    tell("reading the graph")
    graph = load_rdflib_strict(files)
    tell("pyshacl is checking the shapes")
    return validate(graph, shapes)


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
    origins: dict,
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
