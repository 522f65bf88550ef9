"""OWL 2 reasoning with owlready2 and HermiT, in a child process bounded by a timeout.

HermiT accepts only the datatypes of the OWL 2 datatype map; ``xsd:date``, ``xsd:gYearMonth`` and
``xsd:gYear`` are not in it (HAZARDS 15). hkit's ontology gives date-valued properties the range
``rdfs:Literal`` and SHACL checks their datatypes, so no OWL axiom depends on those values: before
reasoning, every literal outside the datatype map is *set aside* (removed from the copy handed to
HermiT) and reported, never silently dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from hkit.core.errors import HkitError, ReasonerError
from hkit.core.formats import Report
from hkit.core.vocab import compact
from hkit.quality.ontology import Hierarchy, disjoint_pairs
from hkit.quality.profile import dl_violation_messages
from hkit.store.child import spawned_main
from hkit.store.runner import Spawned, Wording

#: The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4).
OWL2_DATATYPES = frozenset(
    [OWL.real, OWL.rational, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger "
            "negativeInteger long int short byte unsignedLong unsignedInt unsignedShort "
            "unsignedByte double float string normalizedString token language Name NCName "
            "NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)

DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class SetAside:
    """A triple left out of the reasoner's copy because HermiT cannot read its literal."""

    subject: str
    predicate: str
    value: str
    datatype: str


@dataclass
class ReasonerReport(Report):
    """What HermiT concluded about a graph.

    ``memberships`` are (individual, class) and ``subclasses`` (class, superclass) pairs that the
    reasoner inferred and that the asserted types and rdfs:subClassOf hierarchy do not already
    give. ``clashes`` explain an inconsistency where hkit can: individuals that belong, by their
    stated types and the domains and ranges of the properties they use, to two disjoint classes.
    ``render`` gives ``text`` or ``json`` (the format registry's formats for ``reason``).
    """

    report = "reason"

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    seconds: float = 0.0
    memberships: list[tuple[str, str]] = field(default_factory=list)
    subclasses: list[tuple[str, str]] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    imports_not_followed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Consistent, and every named class satisfiable."""
        return self.consistent and not self.unsatisfiable

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (the JSON format)."""
        return {
            "reasoner": "HermiT (owlready2)",
            "consistent": self.consistent,
            "unsatisfiableClasses": self.unsatisfiable,
            "clashes": self.clashes,
            "inferredMemberships": [{"individual": i, "class": c} for i, c in self.memberships],
            "inferredSubclasses": [{"class": a, "superclass": b} for a, b in self.subclasses],
            "setAside": [
                {
                    "subject": s.subject,
                    "predicate": s.predicate,
                    "value": s.value,
                    "datatype": s.datatype,
                }
                for s in self.set_aside
            ],
            "importsNotFollowed": self.imports_not_followed,
            "seconds": round(self.seconds, 3),
        }

    def as_text(self) -> str:
        """The reasoner's verdict for people."""
        lines = [f"reasoner:     HermiT (owlready2), {self.seconds:.1f} s"]
        if not self.consistent:
            lines.append("consistent:   no, the graph is inconsistent")
            if self.clashes:
                lines += [f"  cause: {c}" for c in self.clashes]
            else:
                lines.append(
                    "  cause: not found by hkit (no individual is in two disjoint classes by its "
                    "stated types, domains and ranges); look at the axioms the new data uses"
                )
        else:
            lines.append("consistent:   yes")
            unsat = ", ".join(compact(c) for c in self.unsatisfiable) or "none"
            lines.append(f"unsatisfiable classes: {unsat}")
            lines.append(f"inferred class memberships not asserted: {len(self.memberships)}")
            lines += [f"  {compact(i)} a {compact(c)}" for i, c in self.memberships]
            lines.append(f"inferred subclass axioms not asserted: {len(self.subclasses)}")
            lines += [f"  {compact(a)} subClassOf {compact(b)}" for a, b in self.subclasses]
        counts: dict[tuple[str, str], int] = {}
        for s in self.set_aside:
            key = (compact(s.datatype), compact(s.predicate))
            counts[key] = counts.get(key, 0) + 1
        lines.append(
            f"set aside:    {len(self.set_aside)} literal(s) outside the OWL 2 datatype map, "
            "left out of the copy given to HermiT (SHACL checks them)"
        )
        lines += [
            f"  {n:>4} {datatype} values of {predicate}"
            for (datatype, predicate), n in sorted(counts.items())
        ]
        if self.imports_not_followed:
            lines.append(
                "owl:imports not followed (hkit reads no ontology from the network): "
                + ", ".join(f"<{iri}>" for iri in self.imports_not_followed)
            )
        return "\n".join(lines) + "\n"


def prepare_for_owl(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[SetAside]]:
    """A copy of ``graph`` without literals outside the OWL 2 datatype map, and what was removed.

    The copy has no ``owl:imports`` either: owlready2 would fetch the imported ontology from the
    network when the importing ontology is the first one it meets in the file."""
    kept = rdflib.Graph()
    set_aside: list[SetAside] = []
    for s, p, o in graph:
        if p == OWL.imports:
            continue
        if (
            isinstance(o, rdflib.Literal)
            and o.datatype is not None
            and o.datatype not in OWL2_DATATYPES
        ):
            set_aside.append(SetAside(str(s), str(p), str(o), str(o.datatype)))
            continue
        kept.add((s, p, o))
    set_aside.sort(key=lambda x: (x.subject, x.predicate, x.value))
    return kept, set_aside


class _Reasoner(Wording):
    """How the reasoner's failures are said: each as a ReasonerError, in one line."""

    def translate(self, exc: BaseException) -> BaseException:
        """In the worker: an error of owlready2 or HermiT (Java's, among them) as the last line
        Python would print for it."""
        if isinstance(exc, HkitError):
            return exc
        printed = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return ReasonerError(f"the reasoner failed: {(printed.splitlines() or ['no output'])[-1]}")

    def timeout(self, seconds: float) -> BaseException:
        return ReasonerError(
            f"the reasoner did not finish within {seconds:g} seconds", hint="raise --timeout"
        )

    def crashed(self, signal_name: str, said: str) -> BaseException:
        return ReasonerError(f"the reasoner failed: {said or f'it was ended by {signal_name}'}")

    def no_answer(self, said: str) -> BaseException:
        return ReasonerError(f"the reasoner failed: {said or 'no output'}")

    def bug(self, text: str) -> BaseException:
        return ReasonerError(f"the reasoner failed: {text}")


_REASONER = _Reasoner()


def _run_worker(prepared: rdflib.Graph, timeout: float, job: str = "check") -> dict[str, Any]:
    """Run the reasoner's worker (``python -m hkit.quality.reason``, a fresh interpreter in a
    session of its own: :class:`hkit.store.runner.Spawned`) on ``prepared``, its ``job`` ("check"
    or "realise", :data:`_JOBS`), bounded by
    ``timeout``; its answer as a dict. The worker and its Java are killed on a timeout or a
    signal, before the temporary folder is removed. No memory limit of hkit's: the JVM bounds
    its own heap (owlready2's -Xmx; see Spawned for why a limit of the address space cannot)."""
    with tempfile.TemporaryDirectory(prefix="hkit-reason-") as tmp:
        nt_path = Path(tmp) / "graph.nt"
        prepared.serialize(nt_path, format="nt", encoding="utf-8")
        with Spawned(
            "hkit.quality.reason",
            [str(nt_path), job],
            timeout,
            cwd=tmp,
            # the child's own temporary files go where they are removed with it
            env={"TMPDIR": tmp},
            stderr=str(Path(tmp) / "stderr.txt"),
            wording=_REASONER,
        ) as worker:
            _, answer = worker.receive()
    found: dict[str, Any] = answer
    return found


def run_hermit(graph: rdflib.Graph, timeout: float = DEFAULT_TIMEOUT) -> ReasonerReport:
    """Check ``graph`` with HermiT: consistency and unsatisfiable classes.

    An ontology outside OWL 2 DL (a non-simple property in a functional or cardinality axiom,
    :mod:`hkit.quality.profile`) is refused first, naming the axiom. Runs owlready2 in a child
    process (in a session of its own, so that the Java process it
    starts is stopped too) and raises :class:`ReasonerError` when Java is missing, the time is up,
    or the reasoner fails for another reason.
    """
    _check_runnable(graph)
    prepared, set_aside = prepare_for_owl(graph)
    started = time.monotonic()
    answer = _run_worker(prepared, timeout)
    hierarchy = Hierarchy(graph)
    types = _asserted_types(graph, hierarchy)
    memberships = sorted(
        (i, c)
        for i, c in {tuple(pair) for pair in answer.get("memberships", [])}
        if rdflib.URIRef(c) not in types.get(rdflib.URIRef(i), set())
    )
    subclasses = sorted(
        (a, b)
        for a, b in {tuple(pair) for pair in answer.get("subclasses", [])}
        if rdflib.URIRef(b) not in hierarchy.ancestors(rdflib.URIRef(a))
    )
    return ReasonerReport(
        consistent=answer["consistent"],
        unsatisfiable=answer["unsatisfiable"],
        set_aside=set_aside,
        seconds=time.monotonic() - started,
        memberships=memberships,
        subclasses=subclasses,
        clashes=[] if answer["consistent"] else disjoint_clashes(graph),
        imports_not_followed=sorted({str(o) for o in graph.objects(None, OWL.imports)}),
    )


def _check_runnable(graph: rdflib.Graph) -> None:
    """Raise :class:`ReasonerError` when HermiT cannot reason over ``graph`` (outside OWL 2 DL,
    named by its first axiom) or cannot run at all (no Java)."""
    # HermiT's command line reports an OWL 2 DL violation as a Java stack line, not by axiom
    violations = dl_violation_messages(graph)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise ReasonerError(
            f"the ontology is not in OWL 2 DL, so HermiT cannot reason over it: "
            f"{violations[0]}{more}",
            hint="hkit review lists every such axiom (owl2_dl_violation)",
        )
    if shutil.which(os.environ.get("HKIT_JAVA", "java")) is None:
        raise ReasonerError(
            "the reasoner needs Java, and there is no 'java' on PATH",
            hint="install a Java runtime (Debian: apt-get install default-jre-headless)",
        )


def _asserted_types(
    graph: rdflib.Graph, hierarchy: Hierarchy
) -> dict[rdflib.term.Node, set[rdflib.term.Node]]:
    """Each node's stated classes with their asserted superclasses."""
    types: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
    for node, cls in graph.subject_objects(RDF.type):
        types.setdefault(node, set()).update(hierarchy.ancestors(cls))
    return types


def disjoint_clashes(graph: rdflib.Graph) -> list[str]:
    """Individuals that belong to two disjoint classes, by their stated types and the domains and
    ranges of the properties they use, each with how it came to belong to both. (Longer than
    most functions: the three ways of belonging are three short loops over one table.)"""

    hierarchy = Hierarchy(graph)
    why: dict[rdflib.term.Node, dict[rdflib.term.Node, str]] = {}

    def add(node: rdflib.term.Node, cls: rdflib.term.Node, reason: str) -> None:
        for c in hierarchy.ancestors(cls):
            why.setdefault(node, {}).setdefault(c, reason)

    schema_kinds = {
        OWL.Class,
        RDFS.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.Ontology,
        OWL.AllDisjointClasses,
        OWL.Restriction,
    }
    for node, cls in graph.subject_objects(RDF.type):
        if cls not in schema_kinds:
            add(node, cls, f"stated to be a {compact(str(cls))}")
    for prop, domain in graph.subject_objects(RDFS.domain):
        for node in graph.subjects(prop, None):
            add(
                node,
                domain,
                f"the subject of {compact(str(prop))}, whose domain is {compact(str(domain))}",
            )
    for prop, range_ in graph.subject_objects(RDFS.range):
        if (prop, RDF.type, OWL.ObjectProperty) not in graph:
            continue
        for node in graph.objects(None, prop):
            add(
                node,
                range_,
                f"the value of {compact(str(prop))}, whose range is {compact(str(range_))}",
            )
    pairs = [(a, b) for pair in disjoint_pairs(graph) for a in pair for b in pair if a != b]
    clashes = set()
    for node, classes in why.items():
        for a, b in pairs:
            if a in classes and b in classes and str(a) < str(b):
                clashes.add(
                    f"{compact(str(node))} is in both {compact(str(a))} and {compact(str(b))}, "
                    f"which are disjoint: {classes[a]}, and {classes[b]}"
                )
    return sorted(clashes)


def _worker(nt_path: str) -> dict[str, object]:
    """Child-process side: load the N-Triples file into owlready2 and run HermiT."""
    import owlready2

    owlready2.JAVA_EXE = os.environ.get("HKIT_JAVA", "java")
    world = owlready2.World()
    world.get_ontology(Path(nt_path).resolve().as_uri()).load()
    # The reasoner's conclusions go into an ontology of their own, so they can be listed.
    inferred = world.get_ontology("urn:hkit:inferred#")
    try:
        with inferred:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return {"consistent": False, "unsatisfiable": []}
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))

    def named(storid: object) -> str | None:
        if not isinstance(storid, int) or storid <= 0:
            return None
        iri = world._unabbreviate(storid)
        return None if iri in (str(OWL.Thing), str(OWL.NamedIndividual), str(OWL.Ontology)) else iri

    found: dict[str, list[list[str]]] = {"memberships": [], "subclasses": []}
    for key, predicate in (("memberships", RDF.type), ("subclasses", RDFS.subClassOf)):
        storid = world._abbreviate(str(predicate))
        for s, _p, o in inferred.get_triples(None, storid, None):
            subject, obj = named(s), named(o)
            if subject and obj:
                found[key].append([subject, obj])
    return {"consistent": True, "unsatisfiable": unsatisfiable, **found}


# -- realisation: every named individual's types and property values ------------

_HERMIT_TERM = re.compile(r"ObjectInverseOf\(\s*(<[^>]*>|[^\s()]+)\s*\)|(<[^>]*>|[^\s()]+)")
_HERMIT_AXIOM = re.compile(r"^(\w+)\((.*)\)\s*$")
_HERMIT_INSTANCES = re.compile(
    r"^(<[^>]*>|\S+) \(known instances:(.*?)\|\s*possible instances:(.*)\)\s*$"
)
_HERMIT_PAIR = re.compile(r"\(<([^>]*)>, <([^>]*)>\)")


@dataclass(frozen=True)
class Realisation:
    """What HermiT entails about a graph's named individuals, in full.

    ``types`` gives each named individual every named class it belongs to, stated or entailed
    (owl:Thing left out); ``relations`` every (subject, property, object) between named
    individuals that the graph entails, for each object property of ``properties``;
    ``subclasses`` each named class's named superclasses and ``subproperties`` each named
    property's named superproperties, stated or entailed (owl:Thing and the top properties left
    out). ``undecided`` holds the pairs HermiT lists as possible instances of a property, neither
    entailed nor ruled out (none once it has realised the properties in full). An inconsistent
    graph entails everything, so it has none of them."""

    consistent: bool
    types: dict[str, frozenset[str]] = field(default_factory=dict)
    relations: frozenset[tuple[str, str, str]] = frozenset()
    properties: frozenset[str] = frozenset()
    subclasses: dict[str, frozenset[str]] = field(default_factory=dict)
    subproperties: dict[str, frozenset[str]] = field(default_factory=dict)
    undecided: frozenset[tuple[str, str, str]] = frozenset()
    set_aside: list[SetAside] = field(default_factory=list)
    seconds: float = 0.0


def realise(graph: rdflib.Graph, timeout: float = DEFAULT_TIMEOUT) -> Realisation:
    """HermiT's realisation of ``graph``: every named individual's named types and object
    property values, each closed under HermiT's own class and property hierarchies.

    HermiT names only an individual's most specific classes, and lists each pair of individuals
    under the most specific properties that relate them (an inverse property among them); the
    rest follows from its hierarchies, which this closes. Literals outside the OWL 2 datatype
    map are set aside as :func:`run_hermit` does, and the same errors are raised."""
    _check_runnable(graph)
    prepared, set_aside = prepare_for_owl(graph)
    started = time.monotonic()
    answer = _run_worker(prepared, timeout, job="realise")
    if not answer["consistent"]:
        return Realisation(False, set_aside=set_aside, seconds=time.monotonic() - started)
    found = read_realisation(answer["output"])
    return replace(found, set_aside=set_aside, seconds=time.monotonic() - started)


def read_realisation(output: str) -> Realisation:
    """A :class:`Realisation` from the text of HermiT's command line asked to classify classes,
    properties and individuals and to list object property instances (``-c -O -D -I -Y``)."""
    text = _HermitText(output)
    thing, top = str(OWL.Thing), str(OWL.topObjectProperty)
    tops = {top, str(OWL.topDataProperty)}
    types = {i: frozenset(_upwards(c, text.class_up) - {thing}) for i, c in text.direct.items()}
    relations: set[tuple[str, str, str]] = set()
    for prop, pairs, _ in text.instances:
        for name, inverse in _upwards({(prop, False)}, text.property_up):
            if name != top:
                relations.update((o, name, s) if inverse else (s, name, o) for s, o in pairs)
    subclasses = {c: frozenset(_upwards({c}, text.class_up) - {c, thing}) for c in text.class_up}
    subproperties = {
        name: frozenset(n for n, inv in _upwards({(name, False)}, text.property_up) if not inv)
        - {name, *tops}
        for name, inverse in text.property_up
        if not inverse
    }
    return Realisation(
        True,
        {i: t for i, t in types.items() if t},
        frozenset(relations),
        frozenset(prop for prop, _, _ in text.instances if prop != top),
        {c: s for c, s in subclasses.items() if s and c != thing},
        {p: s for p, s in subproperties.items() if s and p not in tops},
        frozenset((s, prop, o) for prop, _, possible in text.instances for s, o in possible),
    )


class _HermitText:
    """HermiT's command-line answer, read line by line: each individual's ``direct`` (most
    specific) classes, the edges of its class hierarchy (``class_up``) and of its property
    hierarchy (``property_up``, a property as its name and whether it is the inverse), and the
    pairs it lists under each object property, known and possible (``instances``)."""

    def __init__(self, output: str) -> None:
        self.direct: dict[str, set[str]] = {}
        self.class_up: dict[str, set[str]] = {}
        self.property_up: dict[tuple[str, bool], set[tuple[str, bool]]] = {}
        self.instances: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = []
        for line in output.splitlines():
            listed = _HERMIT_INSTANCES.match(line)
            axiom = _HERMIT_AXIOM.match(line)
            if listed:
                known, possible = (_HERMIT_PAIR.findall(listed[i]) for i in (2, 3))
                self.instances.append((_iri(listed[1]), known, possible))
            elif axiom:
                terms = [
                    (_iri(inverse), True) if inverse else (_iri(plain), False)
                    for inverse, plain in _HERMIT_TERM.findall(axiom[2])
                ]
                self._axiom(axiom[1], terms)

    def _axiom(self, kind: str, terms: list[tuple[str, bool]]) -> None:
        names = [name for name, _ in terms]
        if kind == "Type" and len(names) == 2:
            self.direct.setdefault(names[0], set()).add(names[1])
        elif kind == "SubClassOf" and len(names) == 2:
            self.class_up.setdefault(names[0], set()).add(names[1])
        elif kind == "EquivalentClasses":
            for a in names:
                self.class_up.setdefault(a, set()).update(b for b in names if b != a)
        elif kind.endswith(("PropertyOf", "Properties")):
            if kind.startswith("Sub"):
                edges = [(terms[0], terms[1])] if len(terms) == 2 else []
            else:
                edges = [(x, y) for x in terms for y in terms if x != y]
            for (p, inverse), (q, q_inverse) in edges:
                # P below Q is the inverse of P below the inverse of Q
                self.property_up.setdefault((p, inverse), set()).add((q, q_inverse))
                self.property_up.setdefault((p, not inverse), set()).add((q, not q_inverse))


def _iri(term: str) -> str:
    """A term of HermiT's answer as an IRI: it abbreviates owl: terms, whatever it is told."""
    if term.startswith("<"):
        return term[1:-1]
    prefix, _, name = term.partition(":")
    return str(OWL) + name if prefix == "owl" else term


def _upwards(start: set[Any], up: dict[Any, set[Any]]) -> set[Any]:
    """``start`` and everything above it in ``up``."""
    seen: set[Any] = set()
    todo = list(start)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(up.get(node, ()))
    return seen


def _realise_worker(nt_path: str) -> dict[str, object]:
    """Child-process side of :func:`realise`: HermiT's command line on the N-Triples file.

    owlready2 keeps from that command line's answer only what it can file under named terms
    (its reading drops every line about an inverse property) and only what is not stated
    already; the full text is needed, so the worker runs the HermiT that owlready2 bundles, with
    owlready2's class path and heap, itself."""
    import subprocess

    from owlready2 import reasoning

    command = [
        os.environ.get("HKIT_JAVA", "java"),
        f"-Xmx{reasoning.JAVA_MEMORY}M",
        "-cp",
        reasoning._HERMIT_CLASSPATH,
        "org.semanticweb.HermiT.cli.CommandLine",
        "-c",
        "-O",
        "-D",
        "-I",
        "-Y",
        "-N",
        Path(nt_path).resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        said = done.stderr + done.stdout
        if "InconsistentOntologyException" in said:
            return {"consistent": False}
        raise ReasonerError(
            f"the reasoner failed: {(said.strip().splitlines() or ['no output'])[0]}"
        )
    return {"consistent": True, "output": done.stdout}


_JOBS = {"check": _worker, "realise": _realise_worker}

if __name__ == "__main__":
    spawned_main(
        lambda send: send(("answer", _JOBS[sys.argv[2]](sys.argv[1]))), _REASONER.translate
    )
