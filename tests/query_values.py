"""Values for every parameter of every saved query, for the tests that compare the saved queries
beyond their examples: each value of a parameter's ``allowed`` list (its ``#+ enumerate:``), or,
for a free parameter, two values taken from the data by a query on the embedded store (the first
and the last it finds), which must give rows.
"""

from __future__ import annotations

import functools
import json

from helpers import ROOT

import hkit
from hkit.core.vocab import PROLOGUE

KG = hkit.open(root=ROOT, timeout=60)
QUERIES = KG.queries

#: (saved query, free parameter) -> a query on the embedded store whose ?v are values that give
#: the saved query rows, ordered.
FREE = {
    # the first word (of four letters or more) of each editorial note
    ("editorial-notes", "text"): """SELECT DISTINCT ?v WHERE {
        ?x skos:editorialNote ?n
        BIND (LCASE(STRBEFORE(CONCAT(STR(?n), " "), " ")) AS ?v)
        FILTER (STRLEN(?v) >= 4 && REGEX(?v, "^[a-z]+$")) } ORDER BY ?v""",
    ("entity-provenance", "entity"): """SELECT DISTINCT ?v WHERE {
        ?v a/rdfs:subClassOf* hkit:Organisation ; prov:wasDerivedFrom ?d ; rdfs:label ?l }
        ORDER BY ?v""",
    ("figures-by-measure", "measure"): """SELECT DISTINCT ?v WHERE {
        ?o hkit:measure/skos:prefLabel ?l ; hkit:observedEntity ?e .
        BIND (STR(?l) AS ?v) } ORDER BY ?v""",
    ("organisations-by-economy", "economy"): """SELECT DISTINCT ?v WHERE {
        ?v a hkit:Economy . ?org hkit:basedIn/hkit:locatedIn* ?v } ORDER BY ?v""",
    ("people-and-posts", "organisation"): """SELECT DISTINCT ?v WHERE {
        ?a a hkit:Appointment ; hkit:organisationOfAppointment ?v } ORDER BY ?v""",
    ("schemes-by-kind", "kind"): """SELECT DISTINCT ?v WHERE {
        ?x a ?class . ?class rdfs:subClassOf+ hkit:Initiative ; rdfs:label ?l .
        FILTER (?class IN (hkit:FundingScheme, hkit:TalentAdmissionScheme, hkit:Fund))
        BIND (STR(?l) AS ?v) } ORDER BY ?v""",
    ("unicorns-by-sector", "sector"): """SELECT DISTINCT ?v WHERE {
        ?c a hkit:Unicorn ; hkit:focusArea/skos:prefLabel ?l . BIND (STR(?l) AS ?v) }
        ORDER BY ?v""",
    ("who-works-in-sector", "sector"): """SELECT DISTINCT ?v WHERE {
        ?s skos:inScheme hkit:Sectors ; skos:prefLabel ?l . ?e hkit:focusArea/skos:broader* ?s
        BIND (STR(?l) AS ?v) } ORDER BY ?v""",
}


def parameter_cases() -> list[tuple[str, str, int]]:
    """(saved query, parameter, index of the value) for every parameter of every saved query."""
    cases = []
    for name, query in sorted(QUERIES.items()):
        for param in query.params:
            count = len(param.allowed) if param.allowed else 2
            cases += [(name, param.name, i) for i in range(count)]
    return cases


@functools.cache
def parameter_values(name: str, param: str) -> tuple[str, ...]:
    """The values a test binds to ``param`` of saved query ``name``."""
    (found,) = [p for p in QUERIES[name].params if p.name == param]
    if found.allowed:
        return tuple(found.allowed)
    answer = json.loads(KG.run(PROLOGUE + FREE[name, param]).render("json"))
    values = [row["v"]["value"] for row in answer["results"]["bindings"]]
    assert len(values) >= 2, f"fewer than two values of {param} for {name}"
    return values[0], values[-1]


def every_binding(name: str) -> list[dict[str, list[str]]]:
    """The bindings a test runs saved query ``name`` with: none (when no parameter is required),
    each example, and each value of each parameter."""
    query = QUERIES[name]
    bindings: list[dict[str, list[str]]] = []
    if not any(p.required for p in query.params):
        bindings.append({})
    bindings += query.examples
    for param in query.params:
        bindings += [{param.name: [value]} for value in parameter_values(name, param.name)]
    return bindings
