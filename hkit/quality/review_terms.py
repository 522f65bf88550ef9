"""The review's checks of terms against each other and against other vocabularies (registered
after those of :mod:`hkit.quality.review_checks`, in this order):

- names: two terms in use whose IRIs differ only in case; a label that is another term's
  alternative label (ROBOT's duplicate_label_synonym); a deprecated term that the data, a saved
  query or another term's axiom still uses (ROBOT's deprecated class and property references);
- mappings (the SKOS matches, which reasoners ignore): a class mapped to a property or the
  reverse, a term both logically aligned with and mapped to the same external term, an external
  term that its vocabulary does not have (for the vocabularies whose term lists rdflib ships), and
  a mapping that the ontology and ``ontology/mappings.sssom.tsv`` do not both state;
- alignment: terms neither logically aligned (a sub-class, sub-property or equivalent of a
  standard term, directly or through an hkit parent) nor mapped, and the share that are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import rdflib
import yaml
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, SDO, SKOS, VANN

from hkit.core.errors import InputError
from hkit.core.vocab import compact
from hkit.quality.review_checks import (
    AXIOM_PREDICATES,
    MATCH_PREDICATES,
    PROPERTY_TYPES,
    STANDARD_NAMESPACES,
    Ontology,
    _check,
    _used_by,
)

MAPPINGS_FILE = Path("ontology/mappings.sssom.tsv")
#: The columns of the mapping table, in their order (SSSOM's names).
SSSOM_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "comment")
#: The vocabularies whose term lists rdflib ships (closed namespaces), so that a term can be
#: looked up offline.
OFFLINE_VOCABULARIES = (SDO, PROV, ORG, FOAF, SKOS, DCTERMS, VANN)


class Mapping(NamedTuple):
    """One row of the mapping table, its CURIEs expanded."""

    subject: str
    predicate: str
    target: str
    justification: str
    comment: str


def read_mappings(path: Path) -> list[Mapping]:
    """The rows of an SSSOM TSV file (a YAML header in ``#`` lines, whose ``curie_map`` expands the
    CURIEs, then a header row and one mapping a row); none when the file does not exist."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    meta_lines = [line[1:] for line in lines if line.startswith("#")]
    try:
        meta = yaml.safe_load("\n".join(meta_lines)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the metadata header is not YAML ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("curie_map"), dict):
        raise InputError(f"{path}: the metadata header has no curie_map")
    curies: dict[str, str] = {str(k): str(v) for k, v in meta["curie_map"].items()}
    for key in ("mapping_set_id", "license"):
        if not meta.get(key):
            raise InputError(f"{path}: the metadata header has no {key}")
    rows = list(csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t"))
    if not rows or tuple(rows[0]) != SSSOM_COLUMNS:
        raise InputError(f"{path}: the header row is not {' '.join(SSSOM_COLUMNS)}")

    def expand(curie: str, number: int) -> str:
        prefix, _, local = curie.partition(":")
        if prefix not in curies:
            raise InputError(f"{path}: row {number}: the prefix of '{curie}' is not in curie_map")
        return curies[prefix] + local

    mappings = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(SSSOM_COLUMNS) or not all(cell.strip() for cell in row[:4]):
            raise InputError(f"{path}: row {number} does not have the {len(SSSOM_COLUMNS)} columns")
        subject, predicate, target, justification = (expand(c, number) for c in row[:4])
        if rdflib.URIRef(predicate) not in MATCH_PREDICATES:
            raise InputError(f"{path}: row {number}: '{row[1]}' is not a SKOS match property")
        if not justification.startswith(curies.get("semapv", "https://w3id.org/semapv/vocab/")):
            raise InputError(f"{path}: row {number}: the justification is not a semapv term")
        mappings.append(Mapping(subject, predicate, target, justification, row[4]))
    return mappings


# -- names ------------


@_check(
    "case_collision",
    "OOPS! P22",
    "error",
    "its IRI differs only in case from {names}; mint a new IRI for one and deprecate the old "
    "(owl:deprecated, dcterms:isReplacedBy)",
)
def _case_collision(o: Ontology) -> Iterator[tuple]:
    by_folded: dict[str, list[rdflib.term.Node]] = {}
    for term in o.terms:
        by_folded.setdefault(str(term).lower(), []).append(term)
    for terms in by_folded.values():
        for term in terms if len(terms) > 1 else ():
            others = ", ".join(compact(str(t)) for t in terms if t != term)
            yield term, {"names": others}


@_check(
    "duplicate_label_synonym",
    "ROBOT",
    "error",
    "its label '{text}' is an alternative label of {names}; drop that alternative label or relabel "
    "one of them",
)
def _duplicate_label_synonym(o: Ontology) -> Iterator[tuple]:
    synonyms: dict[str, set[rdflib.term.Node]] = {}
    for term in o.terms:
        for text in o.english(term, SKOS.altLabel):
            synonyms.setdefault(text.strip().lower(), set()).add(term)
    for term in o.terms:
        for text in {t.strip().lower() for t in o.labels(term)}:
            others = sorted(synonyms.get(text, set()) - {term}, key=str)
            if others:
                yield term, {"text": text, "names": ", ".join(compact(str(t)) for t in others)}


@_check(
    "deprecated_reference",
    "ROBOT",
    "error",
    "deprecated, yet {where} still uses it; use {replacement} instead",
)
def _deprecated_reference(o: Ontology) -> Iterator[tuple]:
    deprecated = set(o.deprecated)
    used = _used_by(o)
    for s, p, obj in o.g:
        if obj in deprecated and s not in deprecated and p not in (RDF.type, DCTERMS.isReplacedBy):
            what = compact(str(s)) if isinstance(s, rdflib.URIRef) else "an axiom"
            used.setdefault(str(obj), set()).add(f"the ontology ({compact(str(p))} of {what})")
    for term in o.deprecated:
        if str(term) in used:
            replacement = o.g.value(term, DCTERMS.isReplacedBy)
            yield (
                term,
                {
                    "where": ", ".join(sorted(used[str(term)])[:3]),
                    "replacement": compact(str(replacement)) if replacement else "its successor",
                },
            )


# -- mappings ------------


def _kind(o: Ontology, term: rdflib.term.Node) -> str | None:
    """'class' or 'property' (by the ontology's declaration, else by the naming convention every
    vocabulary named here follows: classes UpperCamelCase, properties lowerCamelCase); None for
    individuals and concepts, which may be mapped to either."""
    types = set(o.g.objects(term, RDF.type))
    if OWL.Class in types:
        return "class"
    if types & set(PROPERTY_TYPES):
        return "property"
    if types:
        return None
    local = re.split(r"[#/]", str(term))[-1]
    return "class" if local[:1].isupper() else "property" if local[:1].islower() else None


def _matches(o: Ontology) -> Iterator[tuple[rdflib.URIRef, rdflib.URIRef, rdflib.URIRef]]:
    """The ontology's SKOS mappings of its own terms: (term, predicate, external term)."""
    for predicate in MATCH_PREDICATES:
        for s, target in o.g.subject_objects(predicate):
            if isinstance(s, rdflib.URIRef) and isinstance(target, rdflib.URIRef):
                yield s, predicate, target


@_check(
    "mapping_category_error",
    "hkit",
    "error",
    "a {kind} mapped by {predicate} to {target}, a {other}; map classes to classes and properties "
    "to properties",
)
def _mapping_category_error(o: Ontology) -> Iterator[tuple]:
    for term, predicate, target in _matches(o):
        kind, other = _kind(o, term), _kind(o, target)
        if kind and other and kind != other and (term, RDF.type, OWL.NamedIndividual) not in o.g:
            fields = {"kind": kind, "predicate": compact(str(predicate)), "other": other}
            yield term, {**fields, "target": compact(str(target))}


@_check(
    "mapping_duplicates_axiom",
    "hkit",
    "error",
    "both {axiom} and {predicate} {target}; keep the axiom and drop the mapping",
)
def _mapping_duplicates_axiom(o: Ontology) -> Iterator[tuple]:
    for term, predicate, target in _matches(o):
        for axiom in AXIOM_PREDICATES:
            if (term, axiom, target) in o.g:
                fields = {"axiom": compact(str(axiom)), "predicate": compact(str(predicate))}
                yield term, {**fields, "target": compact(str(target))}


def _vocabulary(iri: str) -> Any:
    """The offline term list (an rdflib ``DefinedNamespace``, which ``in`` asks about a term) whose
    namespace ``iri`` is in, the longest namespace winning; None when there is none."""
    found = [ns for ns in OFFLINE_VOCABULARIES if iri.startswith(str(ns))]
    return max(found, key=lambda ns: len(str(ns))) if found else None


@_check(
    "unknown_external_term",
    "hkit",
    "error",
    "names {target}, which {vocabulary} does not have (by the term list rdflib ships); fix the "
    "spelling, or explain in ontology/review-notes.tsv a term newer than that list",
)
def _unknown_external_term(o: Ontology) -> Iterator[tuple]:
    seen: set[str] = set()
    named = {t for triple in o.g for t in triple if isinstance(t, rdflib.URIRef)}
    named |= {rdflib.URIRef(m.target) for m in o.mappings}
    for term in sorted(named, key=str):
        vocabulary = _vocabulary(str(term))
        if vocabulary is not None and term not in vocabulary and str(term) not in seen:
            seen.add(str(term))
            yield term, {"target": compact(str(term)), "vocabulary": str(vocabulary)}


@_check(
    "mapping_table_differs",
    "hkit",
    "error",
    "the ontology states {predicate} {target} but {file} has no such row; add the row with its "
    "justification, or remove the triple",
)
def _mapping_table_differs(o: Ontology) -> Iterator[tuple]:
    if not o.mappings_file:
        return
    stated = {(str(s), str(p), str(t)) for s, p, t in _matches(o) if str(s).startswith(o.ns)}
    table = {(m.subject, m.predicate, m.target) for m in o.mappings}
    for s, p, t in sorted(stated - table):
        fields = {"predicate": compact(p), "target": compact(t), "file": o.mappings_file}
        yield s, fields
    for s, p, t in sorted(table - stated):
        fields = {"predicate": compact(p), "target": compact(t), "file": o.mappings_file}
        yield (
            s,
            fields,
            "error",
            "{file} maps it by {predicate} to {target} but the ontology does not say so; add "
            "the triple, or remove the row",
        )


# -- alignment ------------


def alignment(o: Ontology) -> tuple[list[rdflib.term.Node], list[rdflib.term.Node], list]:
    """The classes and properties that can be aligned; those of them logically aligned (an axiom
    relates them, or an hkit term above them, to a standard term); and those only mapped (a SKOS
    match does so, and no axiom)."""
    cached = o.cache.get("alignment")
    if cached is None:
        alignable = o.classes + [
            p for p in o.properties if (p, RDF.type, OWL.AnnotationProperty) not in o.g
        ]
        aligned, mapped = [], []
        for term in alignable:
            above = _hkit_ancestors(o, term)
            if _to_standard(o, above, AXIOM_PREDICATES):
                aligned.append(term)
            elif _to_standard(o, above, MATCH_PREDICATES):
                mapped.append(term)
        cached = o.cache["alignment"] = (alignable, aligned, mapped)
    return cached  # type: ignore[return-value]


def _hkit_ancestors(o: Ontology, term: rdflib.term.Node) -> set[rdflib.term.Node]:
    """The term and the hkit terms that axioms place above it."""
    found, todo = {term}, [term]
    while todo:
        node = todo.pop()
        for p in AXIOM_PREDICATES:
            for parent in o.g.objects(node, p):
                if str(parent).startswith(o.ns) and parent not in found:
                    found.add(parent)
                    todo.append(parent)
    return found


def _to_standard(
    o: Ontology, terms: set[rdflib.term.Node], predicates: tuple[rdflib.URIRef, ...]
) -> bool:
    """Whether one of ``predicates`` relates one of ``terms`` to a standard vocabulary's term."""
    return any(
        str(target).startswith(STANDARD_NAMESPACES)
        for term in terms
        for p in predicates
        for target in o.g.objects(term, p)
        if isinstance(target, rdflib.URIRef)
    )


@_check(
    "not_aligned",
    "hkit",
    "info",
    "neither aligned (rdfs:subClassOf, rdfs:subPropertyOf) nor mapped (skos:closeMatch) to W3C "
    "ORG, schema.org, FRAPO, FOAF, PROV-O, SKOS or DCTERMS, directly or through its parents; add "
    "one",
)
def _not_aligned(o: Ontology) -> Iterator[tuple]:
    alignable, aligned, mapped = alignment(o)
    for term in alignable:
        if term not in aligned and term not in mapped:
            yield term, {}


@_check(
    "alignment_coverage",
    "hkit",
    "warn",
    "only {covered} of {alignable} classes and properties are aligned or mapped (below 80%); "
    "align or map more of them",
)
def _alignment_coverage(o: Ontology) -> Iterator[tuple]:
    alignable, aligned, mapped = alignment(o)
    covered = len(aligned) + len(mapped)
    if alignable and covered / len(alignable) < 0.8:
        yield o.ns, {"covered": covered, "alignable": len(alignable)}
