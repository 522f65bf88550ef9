"""Saved queries written for the embedded engine's planner (Oxigraph 0.5), whose traps cost
seconds at a million triples without changing a row: it does not push a ``VALUES`` block into a
``UNION`` beside it in the same group, so the union is read whole and joined afterwards; hkit's
parameters are pushed into each branch by ``with_values``, and the saved queries' own ``VALUES``
blocks must not sit beside a ``UNION`` either. (../shared/HAZARDS.md, performance, round three.)"""

from __future__ import annotations

import re

import pytest
from helpers import ROOT

import hkit
from hkit.core.sparql import blank, closing, with_values

QUERIES = hkit.open(root=ROOT).queries


def _groups_with_a_union(plain: str, start: int) -> bool:
    """Whether the group that opens just before ``start`` (in :func:`blank` text) joins two of
    its own sub-groups by ``UNION`` (a union at its top, not one nested deeper)."""
    end = closing(plain, start, "{}")
    depth, at = 0, start
    while at < end - 1:
        char = plain[at]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and re.match(r"\s*UNION\b", plain[at + 1 :], re.I):
                return True
        at += 1
    return False


def values_beside_a_union(text: str) -> list[str]:
    """Each ``VALUES`` block of the query text that shares its group with a ``UNION`` of that
    group's own sub-groups: a binding the embedded engine joins only after reading every
    branch whole. Named by the variables it binds."""
    plain = blank(text, expand=False)
    found = []
    for match in re.finditer(r"\bVALUES\s*(\(?[^{]*)\{", plain, re.I):
        # the group the VALUES block is in: the nearest "{" before it left open
        depth, at = 0, match.start() - 1
        while at >= 0:
            if plain[at] == "}":
                depth += 1
            elif plain[at] == "{":
                if depth == 0:
                    break
                depth -= 1
            at -= 1
        if at >= 0 and _groups_with_a_union(plain, at + 1):
            found.append(" ".join(match.group(1).split()))
    return found


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_saved_query_puts_values_beside_a_union(name):
    """A saved query's own VALUES block is never a sibling of a top-level UNION: each branch
    that needs the values names them itself (as innohk-partners starts each branch from its
    cluster)."""
    assert values_beside_a_union(QUERIES[name].text) == []


def test_the_check_finds_values_beside_a_union():
    """The check above, on innohk-partners with its clusters given once, before the union of
    its three branches (the form the engine reads whole)."""
    text = QUERIES["innohk-partners"].text
    before = re.sub(r"WHERE\s*\{", "WHERE { VALUES ?w { <https://w3id.org/hkit/id/innohk> }", text)
    assert before != text
    assert values_beside_a_union(before) == ["?w"]
    # a VALUES block inside one branch, or in a group whose union is nested deeper, is fine
    in_a_branch = "SELECT * { { VALUES ?s { 1 } ?s ?p ?o } UNION { ?s ?p 2 } }"
    deeper = "SELECT * { VALUES ?s { 1 } { { ?s ?p 1 } UNION { ?s ?p 2 } } }"
    assert values_beside_a_union(in_a_branch) == values_beside_a_union(deeper) == []


def test_parameters_reach_every_branch_and_keep_the_rows():
    """hkit's own parameters go first in the group and again first in each branch of a top-level
    UNION and in each subquery that names them: the same rows as the binding given once (a join
    distributes over a union), on the embedded engine."""
    kg = hkit.open(root=ROOT, timeout=60)
    text = QUERIES["innohk-partners"].text
    cluster = "<https://w3id.org/hkit/id/innohk>"
    pushed = with_values(text, {"w": [cluster]})
    # the group, its three branches, and the two nested subqueries that name ?w
    assert pushed.count(f"VALUES ?w {{ {cluster} }}") == 6
    once = re.sub(r"WHERE\s*\{", f"WHERE {{ VALUES ?w {{ {cluster} }}", text, count=1)
    rows = kg.sparql(pushed).rows
    assert len(rows) == 8, "the institutions the shipped graph links to InnoHK itself"
    assert rows == kg.sparql(once).rows
