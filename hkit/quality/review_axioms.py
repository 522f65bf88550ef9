"""The review's checks of axioms (registered after those of :mod:`hkit.quality.review_terms`):

- an inverse whose domain and range are not the other property's range and domain swapped
  (OOPS! P05), with ``schema:domainIncludes`` and ``schema:rangeIncludes`` read as the open
  domain and range they are elsewhere in the review;
- OWL 2 DL violations, named by axiom: a non-simple property (transitive, the head of a
  property chain, or above or the inverse of one) in a functional, inverse-functional,
  irreflexive, asymmetric, disjointness, cardinality or self axiom
  (:mod:`hkit.quality.profile`).
"""

from __future__ import annotations

from collections.abc import Iterator

import rdflib
from rdflib.namespace import OWL, RDFS

from hkit.core.vocab import compact
from hkit.quality.profile import dl_violations
from hkit.quality.review_checks import SCHEMA, Ontology, _check

#: A property's domain and range: the closed (rdfs) and the open (schema.org) predicates.
DOMAIN = (RDFS.domain, SCHEMA.domainIncludes)
RANGE = (RDFS.range, SCHEMA.rangeIncludes)


def _values(o: Ontology, prop: rdflib.term.Node, predicates: tuple) -> frozenset[str]:
    return frozenset(compact(str(v)) for p in predicates for v in o.g.objects(prop, p))


def _show(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


@_check(
    "inverse_mismatch",
    "OOPS! P05",
    "warn",
    "the inverse of {other}, but its {mine} is {ours} where {other}'s {theirs} is {their}; "
    "swap them so each property's domain is the other's range",
)
def _inverse_mismatch(o: Ontology) -> Iterator[tuple]:
    """Both properties of an owl:inverseOf pair are reported, each from its own side; a side with
    no domain (or range) stated is not compared."""
    pairs = {(p, q) for p, q in o.g.subject_objects(OWL.inverseOf)}
    pairs |= {(q, p) for p, q in pairs}
    terms = set(o.terms)
    for prop, other in sorted(pairs, key=str):
        if prop not in terms or prop == other:
            continue
        for mine, theirs in (("domain", "range"), ("range", "domain")):
            ours = _values(o, prop, DOMAIN if mine == "domain" else RANGE)
            their = _values(o, other, RANGE if mine == "domain" else DOMAIN)
            if ours and their and ours != their:
                yield (
                    prop,
                    {
                        "other": compact(str(other)),
                        "mine": mine,
                        "theirs": theirs,
                        "ours": _show(ours),
                        "their": _show(their),
                    },
                )


@_check(
    "owl2_dl_violation",
    "OWL 2 DL",
    "error",
    "{axiom}, which OWL 2 DL forbids and HermiT refuses; drop the characteristic or the "
    "restriction, or make the property simple",
)
def _owl2_dl_violation(o: Ontology) -> Iterator[tuple]:
    for prop, message in dl_violations(o.g):
        yield prop, {"axiom": message}
