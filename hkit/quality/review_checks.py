"""The ontology quality report (``hkit review``).

Checks, each with a severity (error, warn, info) and a message that says how to fix the finding:

- ROBOT ``report``'s default profile: missing_label, multiple_labels, duplicate_label,
  missing_definition, multiple_definitions, duplicate_definition, annotation_whitespace,
  lowercase_definition, missing_superclass, and the ontology's own title, description, license
  and version;
- the OOPS! pitfalls that apply to an OWL ontology of this kind: P04 unconnected elements,
  P08 missing annotations (terms with no rdfs:isDefinedBy; labels and definitions are the checks
  above), P10 missing disjointness, P11 missing domain or range,
  P19 multiple domains or ranges, P22 inconsistent naming, P24 recursive definitions,
  P30 equivalent classes not declared;
- what the data and the saved queries use: terms used but not declared, declared terms that
  nothing uses;
- names: IRIs that differ only in case, a label that is another term's alternative label,
  deprecated terms still in use (ROBOT's duplicate_label_synonym and deprecated references);
- alignment and mappings (:mod:`hkit.quality.review_alignment`).

Deprecated terms (``owl:deprecated true``) are left out of every check but the last kind: they
keep their IRIs so that old data still resolves, and nothing may use them.

Reviewed explanations of findings live in ``ontology/review-notes.tsv`` (check, term, reason); an
explained finding is reported as such and does not fail ``--fail-on``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hkit.core.vocab import PREFIXES, compact
from hkit.quality.ontology import Hierarchy, disjoint_pairs
from hkit.store.rdf import english_label


@dataclass(frozen=True)
class Finding:
    """One finding: what is wrong with which term, and how to fix it."""

    severity: str
    check: str
    term: str
    label: str
    message: str
    explanation: str | None = None  # from review-notes.tsv, when the finding is explained

    def explained(self, explanation: str | None) -> Finding:
        """The finding with the reviewed note that explains it (or none)."""
        return Finding(self.severity, self.check, self.term, self.label, self.message, explanation)

    def as_dict(self) -> dict[str, str]:
        """The finding as JSON: ``{severity, check, term, label, message}``."""
        out = {
            "severity": self.severity,
            "check": self.check,
            "term": self.term,
            "label": self.label,
            "message": self.message,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


SCHEMA = rdflib.Namespace("https://schema.org/")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
TERM_TYPES = (OWL.Class, *PROPERTY_TYPES, OWL.NamedIndividual, SKOS.ConceptScheme, SKOS.Concept)
#: Logical alignments: axioms a reasoner uses.
AXIOM_PREDICATES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
)
#: Mappings: SKOS match properties, annotations that reasoners ignore (kept, with their
#: justifications, in ontology/mappings.sssom.tsv).
MATCH_PREDICATES = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
MAPPING_PREDICATES = AXIOM_PREDICATES + MATCH_PREDICATES
#: The standard vocabularies hkit aligns with (W3C ORG, schema.org, FRAPO, FOAF, PROV-O, SKOS,
#: DCTERMS), and the built-in ones every ontology may use undeclared.
STANDARD_NAMESPACES = tuple(
    PREFIXES[p] for p in ("org", "schema", "frapo", "foaf", "prov", "skos", "dcterms")
)
BUILT_IN = tuple(PREFIXES[p] for p in ("rdf", "rdfs", "owl", "xsd"))


class ReviewCheck(NamedTuple):
    """One check of the review (a line of ROBOT's profile table): its name, the checklist it
    comes from (its anchor), the severity of its findings, its message (a ``str.format``
    template that also says how to fix the finding), and the function that finds them. The
    function is given the :class:`Ontology` under review and yields ``(term, fields)``, or
    ``(term, fields, severity, template)`` for a finding that differs from the check's own."""

    name: str
    anchor: str
    severity: str
    message: str
    find: Callable[[Ontology], Iterator[tuple]]


#: The checks by name, in report order (the order in which they are registered below).
CHECKS: dict[str, ReviewCheck] = {}


def _check(name: str, anchor: str, severity: str, message: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the check ``name``."""

    def register(function: Callable[[Ontology], Iterator[tuple]]) -> Callable:
        CHECKS[name] = ReviewCheck(name, anchor, severity, message, function)
        return function

    return register


class Ontology:
    """The ontology under review, with what the checks ask of it computed once: its terms by
    kind, its English labels and definitions, its hierarchies and disjoint pairs, and the IRIs
    the data and the saved queries use."""

    def __init__(
        self,
        onto: rdflib.Graph,
        data: rdflib.Graph | None,
        query_iris: dict[str, set[str]],
        namespace: str,
    ) -> None:
        self.g = onto
        self.data = data if data is not None else rdflib.Graph()
        self.queries = query_iris
        self.ns = namespace
        declared = {
            s
            for t in TERM_TYPES
            for s in onto.subjects(RDF.type, t)
            if isinstance(s, rdflib.URIRef) and str(s).startswith(namespace)
        }
        self.deprecated = sorted(
            (s for s in declared if (s, OWL.deprecated, rdflib.Literal(True)) in onto), key=str
        )
        self.terms = sorted(declared - set(self.deprecated), key=str)
        self.classes = [t for t in self.terms if (t, RDF.type, OWL.Class) in onto]
        self.properties = [
            t for t in self.terms if any((t, RDF.type, p) in onto for p in PROPERTY_TYPES)
        ]
        self.object_properties = [
            t for t in self.terms if (t, RDF.type, OWL.ObjectProperty) in onto
        ]
        self.disjoint = disjoint_pairs(onto)
        self.subclasses = Hierarchy(onto, RDFS.subClassOf)
        self.subproperties = Hierarchy(onto, RDFS.subPropertyOf)
        #: What checks compute once and share (the alignment, for example).
        self.cache: dict[str, object] = {}
        #: The mapping table's rows (:class:`hkit.quality.review_terms.Mapping`) and its name;
        #: no name when the review has no table to compare the ontology's mappings with.
        self.mappings: list[Any] = []
        self.mappings_file = ""

    def label(self, term: rdflib.term.Node) -> str:
        """The term's English label, else its compact IRI."""
        return english_label(self.g, term) or compact(str(term))

    def english(self, term: rdflib.term.Node, predicate: rdflib.URIRef) -> list[str]:
        """The term's English (or untagged) values of ``predicate``."""
        return [
            str(o)
            for o in self.g.objects(term, predicate)
            if isinstance(o, rdflib.Literal) and (o.language or "en").lower().startswith("en")
        ]

    def labels(self, term: rdflib.term.Node) -> list[str]:
        """Its English rdfs:label and skos:prefLabel values."""
        return self.english(term, RDFS.label) + self.english(term, SKOS.prefLabel)

    def definitions(self, term: rdflib.term.Node) -> list[str]:
        """Its English skos:definition values."""
        return self.english(term, SKOS.definition)

    def finding(
        self, severity: str, check: str, term: rdflib.term.Node | str, message: str
    ) -> Finding:
        """A finding about ``term``, with its label."""
        iri = str(term)
        label = self.label(rdflib.URIRef(iri)) if iri.startswith(("http", "urn")) else iri
        return Finding(severity, check, iri, label, message)

    def mentions(self, nodes: list[rdflib.term.Node]) -> set[rdflib.term.Node]:
        """The named terms inside class expressions (blank-node structures)."""
        found: set[rdflib.term.Node] = set()
        seen: set[rdflib.term.Node] = set()
        todo = list(nodes)
        while todo:
            node = todo.pop()
            if isinstance(node, rdflib.BNode):
                if node in seen:
                    continue
                seen.add(node)
                todo.extend(o for _, o in self.g.predicate_objects(node))
            elif isinstance(node, rdflib.URIRef):
                found.add(node)
        return found


# -- ROBOT report's default profile ------------


@_check(
    "missing_label",
    "ROBOT",
    "error",
    "no English rdfs:label (skos:prefLabel for a concept); add one",
)
def _missing_label(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        if not o.labels(term):
            yield term, {}


@_check(
    "multiple_labels",
    "ROBOT",
    "error",
    "{n} values of {predicate} in language '{lang}'; keep one, move the others to skos:altLabel",
)
def _multiple_labels(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        for predicate in (RDFS.label, SKOS.prefLabel):
            per_lang: dict[str, int] = {}
            for value in o.g.objects(term, predicate):
                if isinstance(value, rdflib.Literal):
                    key = (value.language or "").lower()
                    per_lang[key] = per_lang.get(key, 0) + 1
            for lang, n in per_lang.items():
                if n > 1:
                    yield (
                        term,
                        {"n": n, "predicate": compact(str(predicate)), "lang": lang or "none"},
                    )


def _shared(o: Ontology, texts: Callable[[rdflib.term.Node], list[str]]) -> Iterator[tuple]:
    """Terms that share a text (a label, a definition) with another term."""
    by_text: dict[str, list[rdflib.term.Node]] = {}
    for term in o.terms:
        for text in set(texts(term)):
            by_text.setdefault(text.strip().lower(), []).append(term)
    for text, terms in sorted(by_text.items()):
        distinct = sorted(set(terms), key=str)
        if len(distinct) > 1:
            names = ", ".join(compact(str(t)) for t in distinct)
            yield from ((term, {"text": text, "names": names}) for term in distinct)


@_check(
    "duplicate_label",
    "ROBOT",
    "error",
    "shares the label '{text}' with {names}; give each a label a reader can tell apart",
)
def _duplicate_label(o: Ontology) -> Iterator[tuple]:
    yield from _shared(o, o.labels)


@_check(
    "missing_definition",
    "ROBOT, OOPS! P08",
    "warn",
    "no skos:definition; add one sentence a newcomer can act on",
)
def _missing_definition(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        named_individual = (term, RDF.type, OWL.NamedIndividual) in o.g
        if not o.definitions(term) and not named_individual:
            yield term, {}


@_check(
    "multiple_definitions",
    "ROBOT",
    "error",
    "{n} English skos:definition values; merge them into one",
)
def _multiple_definitions(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        if len(o.definitions(term)) > 1:
            yield term, {"n": len(o.definitions(term))}


@_check(
    "duplicate_definition",
    "ROBOT",
    "error",
    "shares its definition with {names}; say what sets each apart",
)
def _duplicate_definition(o: Ontology) -> Iterator[tuple]:
    yield from _shared(o, o.definitions)


@_check(
    "annotation_whitespace",
    "ROBOT",
    "warn",
    "'{start}' has leading, trailing, doubled or line-break whitespace; tidy it",
)
def _annotation_whitespace(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        labels = o.labels(term)
        for text in labels + o.definitions(term):
            if text != text.strip() or "  " in text or ("\n" in text and text in labels):
                yield term, {"start": text[:40]}


@_check(
    "lowercase_definition",
    "ROBOT",
    "info",
    "the definition starts with a lowercase letter; begin with a capital",
)
def _lowercase_definition(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        for text in o.definitions(term):
            if text[:1].islower():
                yield term, {}


@_check(
    "missing_superclass",
    "ROBOT",
    "info",
    "no named superclass; place it in the hierarchy or align it with rdfs:subClassOf a standard "
    "class",
)
def _missing_superclass(o: Ontology) -> Iterator[tuple]:
    for cls in o.classes:
        if not any(isinstance(s, rdflib.URIRef) for s in o.g.objects(cls, RDFS.subClassOf)):
            yield cls, {}


def _ontology_header(o: Ontology) -> rdflib.term.Node | None:
    prefix = o.ns.rstrip("#/")
    return next(
        (s for s in o.g.subjects(RDF.type, OWL.Ontology) if str(s).startswith(prefix)), None
    )


def _header_lacks(o: Ontology, *predicates: rdflib.URIRef) -> Iterator[tuple]:
    """The ontology's header, when it has none of ``predicates``."""
    header = _ontology_header(o)
    if header is not None and all(o.g.value(header, p) is None for p in predicates):
        yield header, {}


@_check(
    "missing_ontology_title",
    "ROBOT",
    "error",
    "the ontology has no dcterms:title; add it",
)
def _missing_ontology_title(o: Ontology) -> Iterator[tuple]:
    if _ontology_header(o) is None:
        yield (
            o.ns,
            {},
            "error",
            (
                "no owl:Ontology header for this namespace; declare one with a title, description "
                "and license"
            ),
        )
    yield from _header_lacks(o, DCTERMS.title)


@_check(
    "missing_ontology_description",
    "ROBOT",
    "warn",
    "the ontology has no dcterms:description; add it",
)
def _missing_ontology_description(o: Ontology) -> Iterator[tuple]:
    yield from _header_lacks(o, DCTERMS.description)


@_check(
    "missing_ontology_license",
    "ROBOT",
    "error",
    "the ontology has no dcterms:license (an IRI); add it",
)
def _missing_ontology_license(o: Ontology) -> Iterator[tuple]:
    yield from _header_lacks(o, DCTERMS.license)


@_check(
    "missing_ontology_version",
    "ROBOT",
    "info",
    "no owl:versionInfo or owl:versionIRI; add one so that users can cite a version",
)
def _missing_ontology_version(o: Ontology) -> Iterator[tuple]:
    yield from _header_lacks(o, OWL.versionInfo, OWL.versionIRI)


# -- OOPS! pitfalls ------------

_AXIOM_PREDICATES = (
    RDFS.subClassOf,
    OWL.equivalentClass,
    OWL.disjointWith,
    RDFS.domain,
    RDFS.range,
    SCHEMA.domainIncludes,
    SCHEMA.rangeIncludes,
    RDFS.subPropertyOf,
    OWL.inverseOf,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.onClass,
    OWL.unionOf,
    OWL.members,
)


@_check(
    "unconnected_element",
    "OOPS! P04",
    "warn",
    "the {kind} {lacks}; connect it or remove it",
)
def _unconnected_element(o: Ontology) -> Iterator[tuple]:
    g = o.g
    in_lists = set(g.objects(None, RDF.first))
    for cls in o.classes:
        used = any((cls, p, None) in g or (None, p, cls) in g for p in _AXIOM_PREDICATES)
        if not used and cls not in in_lists:
            lacks = (
                "takes part in no axiom (no superclass, subclass, disjointness, domain or range)"
            )
            yield cls, {"kind": "class", "lacks": lacks}
    for prop in o.properties:
        if not any((prop, p, None) in g for p in _AXIOM_PREDICATES):
            lacks = "has no domain, range, super-property or inverse"
            yield prop, {"kind": "property", "lacks": lacks}


@_check(
    "missing_is_defined_by",
    "OOPS! P08",
    "info",
    "no rdfs:isDefinedBy; point it at the ontology IRI",
)
def _missing_is_defined_by(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        if (term, RDFS.isDefinedBy, None) not in o.g and (
            (term, RDF.type, OWL.Class) in o.g or term in o.properties
        ):
            yield term, {}


@_check(
    "missing_disjointness",
    "OOPS! P10",
    "info",
    "its subclasses {names} have no disjointness axiom between them; declare "
    "owl:AllDisjointClasses if nothing can be two of them",
)
def _missing_disjointness(o: Ontology) -> Iterator[tuple]:
    g = o.g
    for parent in sorted(set(g.objects(None, RDFS.subClassOf)), key=str):
        children = sorted(
            (c for c in g.subjects(RDFS.subClassOf, parent) if c in o.classes), key=str
        )
        pairs = [frozenset((a, b)) for i, a in enumerate(children) for b in children[i + 1 :]]
        if pairs and not any(p in o.disjoint for p in pairs):
            yield parent, {"names": ", ".join(compact(str(c)) for c in children)}


@_check(
    "missing_domain_or_range",
    "OOPS! P11",
    "warn",
    "no rdfs:{what}; state one (or {soft} when the {what} is open)",
)
def _missing_domain_or_range(o: Ontology) -> Iterator[tuple]:
    """An open domain or range (schema:domainIncludes) is only information."""
    for prop in o.properties:
        if (prop, RDF.type, OWL.AnnotationProperty) in o.g:
            continue
        for hard, soft, what in (
            (RDFS.domain, SCHEMA.domainIncludes, "domain"),
            (RDFS.range, SCHEMA.rangeIncludes, "range"),
        ):
            fields = {"what": what, "soft": compact(str(soft))}
            if (prop, hard, None) in o.g:
                continue
            if (prop, soft, None) in o.g:
                yield (
                    prop,
                    fields,
                    "info",
                    (
                        "no rdfs:{what}, only {soft} (an open {what}); fine when deliberate, else "
                        "state rdfs:{what}"
                    ),
                )
            else:
                yield prop, fields


@_check(
    "multiple_domains_or_ranges",
    "OOPS! P19",
    "warn",
    "{n} rdfs:{what} values, which OWL reads as their intersection; use one class, or "
    "owl:unionOf for 'any of'",
)
def _multiple_domains_or_ranges(o: Ontology) -> Iterator[tuple]:
    for prop in o.properties:
        if (prop, RDF.type, OWL.AnnotationProperty) in o.g:
            continue
        for hard, what in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            n = len(list(o.g.objects(prop, hard)))
            if n > 1:
                yield prop, {"n": n, "what": what}


@_check(
    "inconsistent_naming",
    "OOPS! P22",
    "warn",
    "{kind} names are {case}; rename it",
)
def _inconsistent_naming(o: Ontology) -> Iterator[tuple]:
    for term in o.terms:
        local = re.split(r"[#/]", str(term))[-1]
        if (term, RDF.type, OWL.Class) in o.g or (term, RDF.type, SKOS.ConceptScheme) in o.g:
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", local):
                yield term, {"kind": "class and scheme", "case": "UpperCamelCase"}
        elif not re.fullmatch(r"[a-z][A-Za-z0-9]*", local):
            yield term, {"kind": "property and individual", "case": "lowerCamelCase"}


@_check(
    "recursive_definition",
    "OOPS! P24",
    "error",
    "the class is defined in terms of itself; define it by other classes",
)
def _recursive_definition(o: Ontology) -> Iterator[tuple]:
    for cls in o.classes:
        equivalents = list(o.g.objects(cls, OWL.equivalentClass))
        if (cls, RDFS.subClassOf, cls) in o.g or cls in o.mentions(equivalents):
            yield cls, {}


@_check(
    "equivalent_classes_not_declared",
    "OOPS! P30",
    "warn",
    "both it and {other} match {target} exactly but are not declared equivalent; declare it, or "
    "weaken one match to skos:closeMatch",
)
def _equivalent_classes_not_declared(o: Ontology) -> Iterator[tuple]:
    g = o.g
    targets: dict[rdflib.term.Node, list[rdflib.term.Node]] = {}
    for cls in o.classes:
        for p in (OWL.equivalentClass, SKOS.exactMatch):
            for target in g.objects(cls, p):
                if isinstance(target, rdflib.URIRef):
                    targets.setdefault(target, []).append(cls)
    for target, found in sorted(targets.items(), key=lambda kv: str(kv[0])):
        classes = sorted(set(found), key=str)
        for i, a in enumerate(classes):
            for b in classes[i + 1 :]:
                if (a, OWL.equivalentClass, b) not in g and (b, OWL.equivalentClass, a) not in g:
                    yield a, {"other": compact(str(b)), "target": compact(str(target))}


# -- what the data and the saved queries use ------------


def _used_by(o: Ontology) -> dict[str, set[str]]:
    """Each IRI the data or a saved query uses, with where."""
    used: dict[str, set[str]] = {}
    for triple in o.data:
        for term in triple:
            if isinstance(term, rdflib.URIRef):
                used.setdefault(str(term), set()).add("data")
    for name, iris in o.queries.items():
        for iri in iris:
            used.setdefault(iri, set()).add(f"saved query {name}")
    return used


@_check(
    "undeclared_term",
    "hkit",
    "error",
    "used in {where} but declared nowhere in the ontology; declare it (or fix the spelling)",
)
def _undeclared_term(o: Ontology) -> Iterator[tuple]:
    declared = set(o.g.subjects(RDF.type, None))
    described = set(o.data.subjects())
    problems: dict[str, set[str]] = {}
    for s, p, obj in o.data:
        schema_terms = [p] + ([obj] if p == RDF.type else [])
        namespace_terms = [x for x in (s, obj) if str(x).startswith(o.ns)]
        for term in schema_terms + namespace_terms:
            if isinstance(term, rdflib.URIRef) and term not in declared:
                problems.setdefault(str(term), set()).add("data")
    for name, iris in o.queries.items():
        for iri in iris:
            term = rdflib.URIRef(iri)
            if term not in declared and (iri.startswith(o.ns) or term not in described):
                problems.setdefault(iri, set()).add(f"saved query {name}")
    for iri, where in sorted(problems.items()):
        if not iri.startswith(BUILT_IN) and not iri.startswith("urn:hkit:"):
            yield iri, {"where": ", ".join(sorted(where)[:3])}


@_check(
    "unused_term",
    "hkit",
    "info",
    "no data and no saved query uses it{note}; fine for a term meant for data to come, else "
    "remove it",
)
def _unused_term(o: Ontology) -> Iterator[tuple]:
    used = _used_by(o)
    axiom_objects = {obj for _, p, obj in o.g if p not in (RDF.type, RDFS.isDefinedBy)}
    for term in o.classes + o.properties:
        below = o.subclasses.descendants(term) | o.subproperties.descendants(term)
        if not any(str(t) in used for t in below):  # nor a super-term of something in use
            note = " (other terms' axioms mention it)" if term in axiom_objects else ""
            yield term, {"note": note}
