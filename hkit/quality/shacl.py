"""pyshacl, run: the shapes flattened per focus node, validation in one process or shared
with a second, and the reports of the parts merged."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import rdflib
from rdflib.namespace import RDF, RDFS, SH

from hkit.core.errors import InputError
from hkit.quality.shacl_sparql import _CheckedSparql
from hkit.store.channel import pickled, unpickle
from hkit.store.runner import Child, Wording

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


class _SecondProcess(Wording):
    """How a failure of the second validation process is said: hkit's own errors cross as they
    are (the shapes cannot be used, say), anything else is a bug of hkit's."""

    def translate(self, exc: BaseException) -> BaseException:
        return exc

    def bug(self, text: str) -> BaseException:
        return RuntimeError(f"SHACL validation failed in the second process: {text}")

    def crashed(self, signal_name: str, said: str) -> BaseException:
        return RuntimeError(
            f"SHACL validation failed in the second process: it was ended by {signal_name}"
        )

    def no_answer(self, said: str) -> BaseException:
        return RuntimeError(
            "SHACL validation failed in the second process: the second process ended early"
        )


def in_two_processes(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(0)`` ... ``work(count - 1)``, shared between this process and a forked copy of it
    (a :class:`hkit.store.runner.Child`, which shares what is loaded): each takes the next
    number left from a pipe, read one byte at a time so that each number goes to exactly one
    process. The answers, in number order; an error in the copy is raised here (hkit's as they
    are). pyshacl is pure Python, so one process uses one CPU."""
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

    try:
        # no memory limit or timeout of its own: the copy does this process's work, bounded as
        # this process is (a validation with the user's shapes runs in an offline child already)
        with Child(pickled(take), memory=None, keep_stderr=True, wording=_SecondProcess()) as copy:
            mine = take()
            theirs = unpickle(copy.receive())
    finally:
        os.close(queue)
    return [result for _, result in sorted(mine + theirs, key=lambda done: done[0])]


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
