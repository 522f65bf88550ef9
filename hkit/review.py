"""The ontology quality report (``hkit review``).

Checks, each with a severity (error, warn, info) and a message that says how to fix the finding:

- ROBOT ``report``'s default profile: missing_label, multiple_labels, duplicate_label,
  missing_definition, multiple_definitions, duplicate_definition, annotation_whitespace,
  lowercase_definition, missing_superclass, and the ontology's own title, description, license
  and version;
- the OOPS! pitfalls that apply to an OWL ontology of this kind: P04 unconnected elements,
  P08 missing annotations (terms with no rdfs:isDefinedBy; labels and definitions are the checks
  above), P10 missing disjointness, P11 missing domain or range, P13 missing inverses,
  P19 multiple domains or ranges, P22 inconsistent naming, P24 recursive definitions,
  P30 equivalent classes not declared;
- what the data and the saved queries use: terms used but not declared, declared terms that
  nothing uses;
- alignment: terms with no mapping to a standard vocabulary, and the share that have one.

Reviewed explanations of findings live in ``ontology/review-notes.tsv`` (check, term, reason); an
explained finding is reported as such and does not fail ``--fail-on``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hkit.errors import InputError
from hkit.export import compact
from hkit.graph import english_label

SEVERITIES = ("error", "warn", "info")
NOTES_FILE = Path("ontology/review-notes.tsv")
SCHEMA = rdflib.Namespace("https://schema.org/")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
TERM_TYPES = (OWL.Class, *PROPERTY_TYPES, OWL.NamedIndividual, SKOS.ConceptScheme, SKOS.Concept)
MAPPING_PREDICATES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
STANDARD_NAMESPACES = (
    "http://www.w3.org/ns/org#",
    "https://schema.org/",
    "http://purl.org/cerif/frapo/",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
)
BUILT_IN = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)
#: The check names, in report order, with the anchor each comes from.
CHECKS = {
    "missing_label": "ROBOT",
    "multiple_labels": "ROBOT",
    "duplicate_label": "ROBOT",
    "missing_definition": "ROBOT, OOPS! P08",
    "multiple_definitions": "ROBOT",
    "duplicate_definition": "ROBOT",
    "annotation_whitespace": "ROBOT",
    "lowercase_definition": "ROBOT",
    "missing_superclass": "ROBOT",
    "missing_ontology_title": "ROBOT",
    "missing_ontology_description": "ROBOT",
    "missing_ontology_license": "ROBOT",
    "missing_ontology_version": "ROBOT",
    "unconnected_element": "OOPS! P04",
    "missing_is_defined_by": "OOPS! P08",
    "missing_disjointness": "OOPS! P10",
    "missing_domain_or_range": "OOPS! P11",
    "missing_inverse": "OOPS! P13",
    "multiple_domains_or_ranges": "OOPS! P19",
    "inconsistent_naming": "OOPS! P22",
    "recursive_definition": "OOPS! P24",
    "equivalent_classes_not_declared": "OOPS! P30",
    "undeclared_term": "hkit",
    "unused_term": "hkit",
    "not_aligned": "hkit",
    "alignment_coverage": "hkit",
}


@dataclass(frozen=True)
class Finding:
    """One finding: what is wrong with which term, and how to fix it."""

    severity: str
    check: str
    term: str
    label: str
    message: str
    explanation: str | None = None  # from review-notes.tsv, when the finding is explained

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


@dataclass
class Review:
    """All findings about an ontology, with its alignment coverage."""

    findings: list[Finding]
    aligned: int = 0
    alignable: int = 0
    stale_notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        """The findings no reviewed note explains."""
        return [f for f in self.findings if f.explanation is None]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.open if f.severity == s) for s in SEVERITIES}

    def fails(self, fail_on: str) -> bool:
        """Whether a finding at ``fail_on`` or worse is open, or a note explains nothing."""
        worst = SEVERITIES.index(fail_on)
        return bool(self.stale_notes) or any(
            SEVERITIES.index(f.severity) <= worst for f in self.open
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "findings": [f.as_dict() for f in self.open],
            "explained": [f.as_dict() for f in self.findings if f.explanation is not None],
            "staleNotes": [{"check": c, "term": t} for c, t in self.stale_notes],
            "summary": {
                **self.counts(),
                "explained": len(self.findings) - len(self.open),
                "aligned": self.aligned,
                "alignable": self.alignable,
            },
        }

    def render(self, fmt: str = "text") -> str:
        """The report as ``text``, ``md`` or ``json``."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"
        counts = self.counts()
        share = self.aligned / self.alignable if self.alignable else 1.0
        head = (
            f"{counts['error']} error(s), {counts['warn']} warning(s), {counts['info']} info; "
            f"{len(self.findings) - len(self.open)} explained in {NOTES_FILE}; "
            f"{self.aligned} of {self.alignable} classes and properties aligned ({share:.0%})"
        )
        if fmt == "md":
            lines = ["# hkit ontology review", "", head + ".", ""]
            lines += ["| severity | check | term | label | message |", "|---|---|---|---|---|"]
            for f in self.open:
                lines.append(
                    f"| {f.severity} | {f.check} | `{_md(f.term)}` | {_md(f.label)} | "
                    f"{_md(f.message)} |"
                )
            explained = [f for f in self.findings if f.explanation is not None]
            if explained:
                lines += ["", "## Explained", "", "| check | term | reason |", "|---|---|---|"]
                lines += [
                    f"| {f.check} | `{_md(f.term)}` | {_md(f.explanation or '')} |"
                    for f in explained
                ]
            lines += ["", *(f"Stale note: {c} {t}" for c, t in self.stale_notes)]
            return "\n".join(lines).rstrip("\n") + "\n"
        lines = [head]
        for severity in SEVERITIES:
            group = [f for f in self.open if f.severity == severity]
            if not group:
                continue
            lines += ["", f"{severity.upper()} ({len(group)})"]
            for f in group:
                lines.append(f"  [{f.check}] {f.label} <{f.term}>: {f.message}")
        for check, term in self.stale_notes:
            lines.append(
                f"  [stale note] {NOTES_FILE} explains {check} for {term}, which no "
                "longer has that finding; remove the row"
            )
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def read_notes(path: Path) -> dict[tuple[str, str], str]:
    """Reviewed explanations: (check, term IRI or compact name) -> reason."""
    from hkit.checks import read_reasons

    notes = {}
    for number, check, term, reason in read_reasons(path, "term"):
        if check not in CHECKS:
            raise InputError(f"{path}: row {number} names no check called '{check}'")
        notes[(check, term)] = reason
    return notes


class _Reviewer:
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
        self.findings: list[Finding] = []
        self.terms = sorted(
            {
                s
                for t in TERM_TYPES
                for s in onto.subjects(RDF.type, t)
                if isinstance(s, rdflib.URIRef) and str(s).startswith(namespace)
            },
            key=str,
        )
        self.classes = [t for t in self.terms if (t, RDF.type, OWL.Class) in onto]
        self.properties = [
            t for t in self.terms if any((t, RDF.type, p) in onto for p in PROPERTY_TYPES)
        ]
        self.object_properties = [
            t for t in self.terms if (t, RDF.type, OWL.ObjectProperty) in onto
        ]

    # -- helpers ------------

    def label(self, term: rdflib.term.Node) -> str:
        return english_label(self.g, term) or self.compact(term)

    @staticmethod
    def compact(term: rdflib.term.Node) -> str:
        return compact(str(term))

    def add(self, severity: str, check: str, term: rdflib.term.Node | str, message: str) -> None:
        iri = str(term)
        label = self.label(rdflib.URIRef(iri)) if iri.startswith(("http", "urn")) else iri
        self.findings.append(Finding(severity, check, iri, label, message))

    def english(self, term: rdflib.term.Node, predicate: rdflib.URIRef) -> list[str]:
        return [
            str(o)
            for o in self.g.objects(term, predicate)
            if isinstance(o, rdflib.Literal) and (o.language or "en").lower().startswith("en")
        ]

    # -- ROBOT report ------------

    def robot(self) -> None:
        g = self.g
        by_label: dict[str, list[rdflib.term.Node]] = {}
        by_definition: dict[str, list[rdflib.term.Node]] = {}
        for term in self.terms:
            labels = self.english(term, RDFS.label) + self.english(term, SKOS.prefLabel)
            if not labels:
                self.add(
                    "error",
                    "missing_label",
                    term,
                    "no English rdfs:label (skos:prefLabel for a concept); add one",
                )
            for predicate in (RDFS.label, SKOS.prefLabel):
                per_lang: dict[str, int] = {}
                for o in g.objects(term, predicate):
                    if isinstance(o, rdflib.Literal):
                        key = (o.language or "").lower()
                        per_lang[key] = per_lang.get(key, 0) + 1
                for lang, n in per_lang.items():
                    if n > 1:
                        self.add(
                            "error",
                            "multiple_labels",
                            term,
                            f"{n} values of {self.compact(predicate)} in language "
                            f"'{lang or 'none'}'; keep one, move the others to skos:altLabel",
                        )
            for text in set(labels):
                by_label.setdefault(text.strip().lower(), []).append(term)
            definitions = self.english(term, SKOS.definition)
            if not definitions and (term, RDF.type, OWL.NamedIndividual) not in g:
                self.add(
                    "warn",
                    "missing_definition",
                    term,
                    "no skos:definition; add one sentence a newcomer can act on",
                )
            if len(definitions) > 1:
                self.add(
                    "error",
                    "multiple_definitions",
                    term,
                    f"{len(definitions)} English skos:definition values; merge them into one",
                )
            for text in definitions:
                by_definition.setdefault(text.strip().lower(), []).append(term)
                if text[:1].islower():
                    self.add(
                        "info",
                        "lowercase_definition",
                        term,
                        "the definition starts with a lowercase letter; begin with a capital",
                    )
            for text in labels + definitions:
                if text != text.strip() or "  " in text or ("\n" in text and text in labels):
                    self.add(
                        "warn",
                        "annotation_whitespace",
                        term,
                        f"'{text[:40]}' has leading, trailing, doubled or line-break "
                        "whitespace; tidy it",
                    )
        for check, shared, fix in (
            ("duplicate_label", by_label, "give each a label a reader can tell apart"),
            ("duplicate_definition", by_definition, "say what sets each apart"),
        ):
            for text, terms in sorted(shared.items()):
                if len(set(terms)) < 2:
                    continue
                names = ", ".join(self.compact(t) for t in sorted(set(terms), key=str))
                what = f"the label '{text}'" if check == "duplicate_label" else "its definition"
                for term in sorted(set(terms), key=str):
                    self.add("error", check, term, f"shares {what} with {names}; {fix}")
        for cls in self.classes:
            if not any(isinstance(o, rdflib.URIRef) for o in g.objects(cls, RDFS.subClassOf)):
                self.add(
                    "info",
                    "missing_superclass",
                    cls,
                    "no named superclass; place it in the hierarchy or align it with "
                    "rdfs:subClassOf a standard class",
                )
        self.ontology_metadata()

    def ontology_metadata(self) -> None:
        g = self.g
        ontologies = [
            o for o in g.subjects(RDF.type, OWL.Ontology) if str(o).startswith(self.ns.rstrip("#/"))
        ]
        if not ontologies:
            self.add(
                "error",
                "missing_ontology_title",
                self.ns,
                "no owl:Ontology header for this namespace; declare one with a title, "
                "description and license",
            )
            return
        onto = ontologies[0]
        for predicate, check, severity, hint in (
            (DCTERMS.title, "missing_ontology_title", "error", "dcterms:title"),
            (DCTERMS.description, "missing_ontology_description", "warn", "dcterms:description"),
            (DCTERMS.license, "missing_ontology_license", "error", "dcterms:license (an IRI)"),
        ):
            if g.value(onto, predicate) is None:
                self.add(severity, check, onto, f"the ontology has no {hint}; add it")
        if g.value(onto, OWL.versionInfo) is None and g.value(onto, OWL.versionIRI) is None:
            self.add(
                "info",
                "missing_ontology_version",
                onto,
                "no owl:versionInfo or owl:versionIRI; add one so that users can cite a version",
            )

    # -- OOPS! ------------

    def oops(self) -> None:
        g = self.g
        axiom_predicates = (
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
        in_lists = set(g.objects(None, RDF.first))
        for cls in self.classes:
            used = any((cls, p, None) in g or (None, p, cls) in g for p in axiom_predicates)
            if not used and cls not in in_lists:
                self.add(
                    "warn",
                    "unconnected_element",
                    cls,
                    "the class takes part in no axiom (no superclass, subclass, "
                    "disjointness, domain or range); connect it or remove it",
                )
        for prop in self.properties:
            if not any((prop, p, None) in g for p in axiom_predicates):
                self.add(
                    "warn",
                    "unconnected_element",
                    prop,
                    "the property has no domain, range, super-property or inverse; "
                    "connect it or remove it",
                )
        for term in self.terms:
            if (term, RDFS.isDefinedBy, None) not in g and (
                (term, RDF.type, OWL.Class) in g or term in self.properties
            ):
                self.add(
                    "info",
                    "missing_is_defined_by",
                    term,
                    "no rdfs:isDefinedBy; point it at the ontology IRI",
                )
        self.disjointness()
        for prop in self.properties:
            if (prop, RDF.type, OWL.AnnotationProperty) in g:
                continue
            for hard, soft, what in (
                (RDFS.domain, SCHEMA.domainIncludes, "domain"),
                (RDFS.range, SCHEMA.rangeIncludes, "range"),
            ):
                if (prop, hard, None) not in g:
                    if (prop, soft, None) in g:
                        self.add(
                            "info",
                            "missing_domain_or_range",
                            prop,
                            f"no rdfs:{what}, only {self.compact(soft)} (an open {what}); "
                            f"fine when deliberate, else state rdfs:{what}",
                        )
                    else:
                        self.add(
                            "warn",
                            "missing_domain_or_range",
                            prop,
                            f"no rdfs:{what}; state one (or {self.compact(soft)} when the "
                            f"{what} is open)",
                        )
                values = list(g.objects(prop, hard))
                if len(values) > 1:
                    self.add(
                        "warn",
                        "multiple_domains_or_ranges",
                        prop,
                        f"{len(values)} rdfs:{what} values, which OWL reads as their "
                        f"intersection; use one class, or owl:unionOf for 'any of'",
                    )
        for prop in self.object_properties:
            symmetric = (prop, RDF.type, OWL.SymmetricProperty) in g
            inverse = (prop, OWL.inverseOf, None) in g or (None, OWL.inverseOf, prop) in g
            if not symmetric and not inverse:
                self.add(
                    "info",
                    "missing_inverse",
                    prop,
                    "no owl:inverseOf; declare the inverse if users navigate the relation "
                    "both ways",
                )
        for term in self.terms:
            local = re.split(r"[#/]", str(term))[-1]
            if (term, RDF.type, OWL.Class) in g or (term, RDF.type, SKOS.ConceptScheme) in g:
                if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", local):
                    self.add(
                        "warn",
                        "inconsistent_naming",
                        term,
                        "class and scheme names are UpperCamelCase; rename it",
                    )
            elif not re.fullmatch(r"[a-z][A-Za-z0-9]*", local):
                self.add(
                    "warn",
                    "inconsistent_naming",
                    term,
                    "property and individual names are lowerCamelCase; rename it",
                )
        for cls in self.classes:
            if (cls, RDFS.subClassOf, cls) in g or cls in self._mentions(
                list(g.objects(cls, OWL.equivalentClass))
            ):
                self.add(
                    "error",
                    "recursive_definition",
                    cls,
                    "the class is defined in terms of itself; define it by other classes",
                )
        self.equivalents()

    def _mentions(self, nodes: list[rdflib.term.Node]) -> set[rdflib.term.Node]:
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

    def disjointness(self) -> None:
        g = self.g
        disjoint: set[frozenset[rdflib.term.Node]] = set()
        for a, b in g.subject_objects(OWL.disjointWith):
            disjoint.add(frozenset((a, b)))
        for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
            members = list(rdflib.collection.Collection(g, g.value(axiom, OWL.members)))
            disjoint.update(frozenset((a, b)) for a in members for b in members if a != b)
        for parent in sorted({o for o in g.objects(None, RDFS.subClassOf)}, key=str):
            children = sorted(
                (c for c in g.subjects(RDFS.subClassOf, parent) if c in self.classes), key=str
            )
            if len(children) < 2:
                continue
            pairs = [frozenset((a, b)) for i, a in enumerate(children) for b in children[i + 1 :]]
            if not any(p in disjoint for p in pairs):
                names = ", ".join(self.compact(c) for c in children)
                self.add(
                    "info",
                    "missing_disjointness",
                    parent,
                    f"its subclasses {names} have no disjointness axiom between them; "
                    "declare owl:AllDisjointClasses if nothing can be two of them",
                )

    def equivalents(self) -> None:
        g = self.g
        targets: dict[rdflib.term.Node, list[rdflib.term.Node]] = {}
        for cls in self.classes:
            for p in (OWL.equivalentClass, SKOS.exactMatch):
                for o in g.objects(cls, p):
                    if isinstance(o, rdflib.URIRef):
                        targets.setdefault(o, []).append(cls)
        for target, classes in sorted(targets.items(), key=lambda kv: str(kv[0])):
            classes = sorted(set(classes), key=str)
            for i, a in enumerate(classes):
                for b in classes[i + 1 :]:
                    if (a, OWL.equivalentClass, b) not in g and (
                        b,
                        OWL.equivalentClass,
                        a,
                    ) not in g:
                        self.add(
                            "warn",
                            "equivalent_classes_not_declared",
                            a,
                            f"both it and {self.compact(b)} match {self.compact(target)} "
                            "exactly but are not declared equivalent; declare it, or "
                            "weaken one match to skos:closeMatch",
                        )

    # -- use in the data and the saved queries ------------

    def usage(self) -> None:
        g, data = self.g, self.data
        declared = set(g.subjects(RDF.type, None))
        described = set(data.subjects())
        used_by: dict[str, set[str]] = {}
        problems: dict[str, set[str]] = {}
        for s, p, o in data:
            for term in (s, p, o):
                if isinstance(term, rdflib.URIRef):
                    used_by.setdefault(str(term), set()).add("data")
            schema_terms = [p] + ([o] if p == RDF.type else [])
            namespace_terms = [x for x in (s, o) if str(x).startswith(self.ns)]
            for term in schema_terms + namespace_terms:
                if isinstance(term, rdflib.URIRef) and term not in declared:
                    problems.setdefault(str(term), set()).add("data")
        for name, iris in self.queries.items():
            for iri in iris:
                used_by.setdefault(iri, set()).add(f"saved query {name}")
                term = rdflib.URIRef(iri)
                if term not in declared and (iri.startswith(self.ns) or term not in described):
                    problems.setdefault(iri, set()).add(f"saved query {name}")
        for iri, where in sorted(problems.items()):
            if iri.startswith(BUILT_IN) or iri.startswith("urn:hkit:"):
                continue
            self.add(
                "error",
                "undeclared_term",
                iri,
                f"used in {', '.join(sorted(where)[:3])} but declared nowhere in the "
                "ontology; declare it (or fix the spelling)",
            )
        axiom_objects = {o for _, p, o in g if p not in (RDF.type, RDFS.isDefinedBy)}
        for term in self.classes + self.properties:
            if str(term) in used_by:
                continue
            if any(str(sub) in used_by for sub in g.transitive_subjects(RDFS.subClassOf, term)):
                continue  # a superclass of something in use
            if any(str(sub) in used_by for sub in g.transitive_subjects(RDFS.subPropertyOf, term)):
                continue
            note = " (other terms' axioms mention it)" if term in axiom_objects else ""
            self.add(
                "info",
                "unused_term",
                term,
                f"no data and no saved query uses it{note}; fine for a term meant for data "
                "to come, else remove it",
            )

    # -- alignment ------------

    def alignment(self) -> tuple[int, int]:
        g = self.g
        alignable = self.classes + [
            p for p in self.properties if (p, RDF.type, OWL.AnnotationProperty) not in g
        ]
        aligned = 0
        for term in alignable:
            if self._aligned(term, set()):
                aligned += 1
            else:
                self.add(
                    "info",
                    "not_aligned",
                    term,
                    "no mapping to W3C ORG, schema.org, FRAPO, FOAF, PROV-O, SKOS or DCTERMS, "
                    "directly or through its parents; add rdfs:subClassOf, "
                    "rdfs:subPropertyOf or skos:closeMatch",
                )
        if alignable and aligned / len(alignable) < 0.8:
            self.add(
                "warn",
                "alignment_coverage",
                self.ns,
                f"only {aligned} of {len(alignable)} classes and properties are aligned "
                "(below 80%); align more of them",
            )
        return aligned, len(alignable)

    def _aligned(self, term: rdflib.term.Node, seen: set[rdflib.term.Node]) -> bool:
        """A mapping to a standard vocabulary, directly or through an hkit parent."""
        if term in seen:
            return False
        seen.add(term)
        for p in MAPPING_PREDICATES:
            for o in self.g.objects(term, p):
                if isinstance(o, rdflib.URIRef):
                    if str(o).startswith(STANDARD_NAMESPACES):
                        return True
                    if str(o).startswith(self.ns) and self._aligned(o, seen):
                        return True
        return False


def review(
    ontology: rdflib.Graph,
    data: rdflib.Graph | None = None,
    query_iris: dict[str, set[str]] | None = None,
    notes: dict[tuple[str, str], str] | None = None,
    namespace: str = "https://w3id.org/hkit/ontology#",
) -> Review:
    """Review ``ontology`` (with the data and the IRIs each saved query uses)."""
    reviewer = _Reviewer(ontology, data, query_iris or {}, namespace)
    reviewer.robot()
    reviewer.oops()
    reviewer.usage()
    aligned, alignable = reviewer.alignment()
    notes = notes or {}
    order = {name: i for i, name in enumerate(CHECKS)}
    findings = sorted(
        {
            Finding(f.severity, f.check, f.term, f.label, f.message, notes.get((f.check, f.term)))
            for f in reviewer.findings
        },
        key=lambda f: (
            SEVERITIES.index(f.severity),
            order[f.check],
            f.label.lower(),
            f.term,
            f.message,
        ),
    )
    used = {(f.check, f.term) for f in findings}
    stale = sorted(key for key in notes if key not in used)
    return Review(findings, aligned, alignable, stale)


def review_root(root: Path, extra: Iterable[Path] = ()) -> Review:
    """Review the ontology of a project root, with its data, saved queries and notes."""
    from hkit.checks import query_iris, saved_query_files
    from hkit.graph import ONTOLOGY, graph_files, load_rdflib

    files = graph_files(root, extra)
    ontology = load_rdflib([root / ONTOLOGY])
    data = load_rdflib(files[1:])
    iris = {
        path.name: query_iris(path.read_text(encoding="utf-8"), str(path))
        for path in saved_query_files(root)
    }
    return review(ontology, data, iris, read_notes(root / NOTES_FILE))
