"""Why a saved query answered nothing, in words: each value the user gave held against the
values of its kind (the parameter's range, ``#+ range:`` in the query's header), and the nearest
values of that kind when it names nothing or names something with no rows.

The same notes serve every surface: the command line prints them on standard error, the library
warns with them (:class:`hkit.core.errors.UnmatchedWarning`) and the server can show them on
its pages. The nearest values are those whose names hold the value, then those that share its
words (so that "Science Park" finds "Hong Kong Science and Technology Parks Corporation"), then
the closest by difflib's ratio, the distance ``hkit`` uses for query names.
"""

from __future__ import annotations

import re
from collections import namedtuple

from hkit.core.catalog import bind_values
from hkit.core.errors import HkitError
from hkit.core.sparql import with_values
from hkit.core.vocab import ID, compact, expand
from hkit.core.vocab import PROLOGUE as PREFIXES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable

    from hkit.core.answers import Result
    from hkit.core.catalog import Param, SavedQuery

#: How many nearest values a note names.
NEAREST = 5


class Note(namedtuple("Note", "param value nearest text")):
    """Why one value gave no rows: the parameter, the value, the nearest values of its kind
    (up to five), and the sentence that says so (``str(note)``)."""

    __slots__ = ()

    def __str__(self) -> str:
        return str(self.text)


def range_names(param: Param, run: Callable[[str], Result]) -> dict[str, tuple[str, str]]:
    """The names of the nodes in ``param``'s range: each name, casefolded, to (the name, the
    node's IRI); its labels and alternative labels (abbreviations among them), the labels first,
    so that a node's first name is its label."""

    query = (
        f"{PREFIXES}SELECT ?x ?name ?label WHERE {{ ?x {param.range} . "
        "{ ?x rdfs:label|skos:prefLabel ?name BIND (true AS ?label) } UNION "
        "{ ?x skos:altLabel ?name } }"
    )
    names: dict[str, tuple[str, str]] = {}
    rows = run(query).rows
    for row in sorted(rows, key=lambda r: ("label" not in r, r["name"].value, r["x"].value)):
        names.setdefault(row["name"].value.casefold(), (row["name"].value, row["x"].value))
    return names


def nearest(value: str, names: list[str], n: int = NEAREST) -> list[str]:
    """Up to ``n`` of ``names`` nearest ``value``, ignoring case: those that contain it first,
    then those that share more of its words (the first five letters of each word of four or
    more), then by difflib's ratio (the distance ``hkit`` uses for query names; 0.5 at least
    for a name that neither contains the value nor shares a word with it, and only when no name
    does)."""
    import difflib  # only when a note is written

    key = value.casefold()
    stems = {w[:5] for w in re.findall(r"\w{4,}", key)}
    scored = []
    for name in dict.fromkeys(names):
        folded = name.casefold()
        if folded == key:
            continue
        shared = len(stems & {w[:5] for w in re.findall(r"\w{4,}", folded)})
        ratio = difflib.SequenceMatcher(None, key, folded).ratio()
        if key in folded or shared or ratio >= 0.5:
            scored.append((-(key in folded), -shared, -ratio, name))
    if any(contains or shared for contains, shared, *_ in scored):  # the near by spelling alone
        scored = [s for s in scored if s[0] or s[1]]  # are noise beside names that hold it
    return [name for *_, name in sorted(scored)[:n]]


def nearest_nodes(
    value: str, names: dict[str, tuple[str, str]], exclude: str = "", n: int = NEAREST
) -> list[str]:
    """As :func:`nearest`, over the names of a range (:func:`range_names`), one name per node
    (the nearest of its names), leaving out the node ``exclude``."""
    node_of = {name: node for name, node in names.values() if node != exclude}
    chosen: dict[str, str] = {}
    for name in nearest(value, list(node_of), n=len(node_of)):
        chosen.setdefault(node_of[name], name)
        if len(chosen) == n:
            break
    return list(chosen.values())


def explain(
    saved: SavedQuery, given: dict[str, list[str]], run: Callable[[str], Result]
) -> list[Note]:
    """Why ``saved`` with the values ``given`` (texts by parameter name, IRIs already resolved)
    answered nothing: one note per value that names nothing of its kind, or that names something
    no row has. A parameter with no range is held against the query's own column of its name, or,
    enumerated, against its allowed values. When each value names something of its kind, one
    note says that no row has them together."""

    notes: list[Note] = []
    for param in saved.params:
        values = given.get(param.name)
        if not values:
            continue
        if param.range.startswith("?"):
            others = {k: v for k, v in given.items() if k != param.name}
            words = _column_words(saved, others, param.range[1:], run)
            for value in values:
                if words is not None and not any(value.casefold() in w for w in words):
                    close = nearest(value, sorted(words))
                    notes.append(_note(param, value, close, f"occurs in no {param.range[1:]}"))
            continue
        if param.range:
            names = range_names(param, run)
            for value in values:
                iri = expand(value.removeprefix("<").removesuffix(">"))
                shown = compact(iri) if param.suffix == "iri" else value
                if param.suffix != "iri":
                    iri = names[value.casefold()][1] if value.casefold() in names else ""
                own = [name for name, node in names.values() if node == iri]
                if not own:
                    close = nearest_nodes(shown, names)
                    notes.append(_note(param, shown, close, "names nothing of its kind"))
                    continue
                # values of its kind that do answer, where the query shows them in a column
                others = {k: v for k, v in given.items() if k != param.name}
                answering = _column(saved, others, param.name, run) if not param.required else None
                close = (
                    nearest(own[0], answering) or answering[:NEAREST]
                    if answering
                    else nearest_nodes(own[0], names, exclude=iri)
                )
                notes.append(_note(param, shown, close, f"names {own[0]}, which no row has here"))
            continue
        if param.allowed:
            for value in values:
                others_allowed = [a for a in param.allowed if a.casefold() != value.casefold()]
                notes.append(
                    _note(
                        param,
                        value,
                        others_allowed[:NEAREST],
                        "gives no rows here",
                        "it also takes",
                    )
                )
            continue
        if param.suffix == "iri" or param.type not in ("text", "text@en"):
            continue
        others = {k: v for k, v in given.items() if k != param.name}
        column = _column(saved, others, param.name, run)
        if column is None:
            continue
        folded = {k.casefold() for k in column}
        for value in values:
            if value.casefold() not in folded:
                notes.append(
                    _note(
                        param,
                        value,
                        nearest(value, column) or column[:NEAREST],
                        "matches nothing",
                    )
                )
    if not notes:  # each value names something of its kind: it is the values together
        shown = ", ".join(f"{k}={v!r}" for k, vs in given.items() for v in vs)
        notes.append(Note("", "", [], f"no row has {shown}"))
    return notes


def _note(param: Param, value: str, close: list[str], what: str, lead: str = "nearest") -> Note:
    tail = f"; {lead}: {', '.join(close)}" if close else ""
    return Note(param.name, value, close, f"{param.name}={value!r} {what}{tail}")


def _column(
    saved: SavedQuery,
    others: dict[str, list[str]],
    column: str,
    run: Callable[[str], Result],
) -> list[str] | None:
    """The distinct values of ``column`` in the query's answer without the parameter (the other
    values kept); None when it has no such column or cannot be asked without it."""
    try:
        everything = run(with_values(saved.text, bind_values(saved, others)))
    except HkitError:
        return None  # a courtesy: never let it fail
    if column not in everything.variables:
        return None
    return sorted({row[column].value for row in everything.rows if column in row})


def _column_words(
    saved: SavedQuery,
    others: dict[str, list[str]],
    column: str,
    run: Callable[[str], Result],
) -> set[str] | None:
    """The words (casefolded) of ``column`` in the query's answer without the parameter."""
    texts = _column(saved, others, column, run)
    if texts is None:
        return None
    return {w for text in texts for w in re.findall(r"[\w'-]+", text.casefold())}


def in_range(param: Param, value: str, run: Callable[[str], Result]) -> list[tuple[str, str]]:
    """The nodes of ``param``'s range that a name given for an IRI parameter names, as (IRI,
    label) pairs: those called ``value`` (a label, an alternative label, ignoring case), else
    the one whose IRI ends in it (``cuhk``), else those whose names contain it."""

    names = range_names(param, run)
    key = value.casefold()
    if key in names:
        return [(names[key][1], names[key][0])]
    labels: dict[str, str] = {}
    for name, iri in names.values():
        labels.setdefault(iri, name)
    slug = ID + value.lower()
    if slug in labels:
        return [(slug, labels[slug])]
    found = {iri for folded, (_, iri) in names.items() if key in folded}
    return sorted(((iri, labels[iri]) for iri in found), key=lambda pair: pair[1])


def outside_range(found: list[tuple[str, str]]) -> str:
    """The words of an error for a name that names nothing of its parameter's kind: what it
    names elsewhere (``found``: IRI and label pairs), when it names something."""
    if not found:
        return ""
    what = "; ".join(f"{label} <{compact(iri)}>" for iri, label in found[:3])
    return f" (it names {what}, which is not one)"
