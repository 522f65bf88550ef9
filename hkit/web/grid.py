"""A saved query's answer as a query page shows it: the person's table (the query's view, with
citation keys and their legend) or, for a query with no view, every variable; sorted by any
column, filtered by facets and cut into pages on the server, as Datasette's table pages are.

The request's controls start with ``_`` so that they never meet a query's own parameters:
``_sort=COLUMN`` and ``_sort_desc=COLUMN``, ``_size=N`` rows a page from ``_next=N`` (the row
to start from), and ``_facet_COLUMN=VALUE`` to keep the rows whose cell reads ``VALUE``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Container, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from hkit.core.answers import Result, Term
from hkit.present.results import readable
from hkit.present.view import PersonView, cited, person_table
from hkit.web.links import href

#: Rows a page shows unless ``_size`` says otherwise, and the most it may ask for.
DEFAULT_SIZE = 100
MAX_SIZE = 1000
#: A column is offered as a facet when it has at least two and at most this many distinct values,
#: fewer than three in four of them in one row alone.
MAX_FACET_VALUES = 20
#: The prefix of a facet's filter in the query string.
FACET = "_facet_"
#: The page's own controls (never a query's parameter).
CONTROLS = ("_sort", "_sort_desc", "_size", "_next")


class Cell:
    """One cell: its text, where it links (or None), the key it sorts by, and the citation keys
    it shows (each its number, the file it cites and where that links), or None."""

    __slots__ = ("key", "keys", "link", "text")

    def __init__(
        self,
        text: str,
        link: str | None,
        key: tuple[int, Any],
        keys: list[dict[str, Any]] | None = None,
    ) -> None:
        self.text = text
        self.link = link
        self.key = key
        self.keys = keys


#: Where a citation of a source document links to, from its file name and the IRIs of the row
#: that cites it (None: nowhere).
SourceLink = Callable[[str, list[str]], str | None]


def _key(term: Term | None, text: str) -> tuple[int, Any]:
    """Numbers before text, in order of value; empty cells last."""
    if term is None or text == "":
        return (2, "")
    if term.kind == "literal":
        try:
            number = Decimal(term.value)
            if number.is_finite():
                return (0, number)
        except InvalidOperation:
            pass
    return (1, text.casefold())


def cells(
    result: Result, classes: Container[str] = (), source_link: SourceLink | None = None
) -> dict[str, Any]:
    """The answer's header, rows of :class:`Cell`, which columns are numbers, and the legend of
    its citation keys (``legend``, its lines; ``cited``, each key's file and link). With a view,
    its columns (each linked when it shows one IRI, a column of citation keys each key to where
    ``source_link`` says); else each variable, read as :func:`hkit.present.results.readable`
    writes it."""
    table = person_table(result)
    if table is None:
        columns = list(result.variables)
        rows = []
        for row in result.rows:
            line = []
            for var in columns:
                term = row.get(var)
                text = readable(term) if term is not None else ""
                link = (
                    href(term.value, classes) if term is not None and term.kind == "uri" else None
                )
                line.append(Cell(text, link, _key(term, text)))
            rows.append(line)
        numeric = [bool(rows) and all(r[i].key[0] != 1 for r in rows) for i in range(len(columns))]
        return {"columns": columns, "rows": rows, "numeric": numeric, "legend": [], "cited": []}
    view = result.view
    assert isinstance(view, PersonView)  # person_table gave a table: the answer has a view
    columns_by_name = {c.name: c for c in view.for_answer(result).columns}
    by_name = {name: c.variables() for name, c in columns_by_name.items()}
    numbers = {file: n for n, file in enumerate(table.sources, start=1)}

    def keys(name: str, source: dict[str, Term]) -> list[dict[str, Any]] | None:
        column = columns_by_name.get(name)
        files = [f for f in cited(column, source) if f in numbers] if column else []
        if not files:
            return None
        iris = [t.value for t in source.values() if t.kind == "uri"]
        return [
            {"key": numbers[f], "source": f, "link": source_link(f, iris) if source_link else None}
            for f in files
        ]

    # the query's variables in order: a label (?name) follows the thing it names (?university),
    # which the view does not show as a column of its own
    shown = {v for variables in by_name.values() for v in variables}
    order = list(result.variables)
    named = {after: before for before, after in itertools.pairwise(order) if before not in shown}
    rows = []
    for source, texts in zip(result.rows, table.rows, strict=True):
        line = []
        for name, text in zip(table.header, texts, strict=True):
            variables = by_name.get(name, [])
            term = source.get(variables[0]) if variables else None
            # a column that shows one IRI links to it; one that combines several terms does not
            link = None
            if len(set(variables)) == 1 and term is not None:
                if term.kind != "uri":  # a name links to the thing it names: the IRI before it
                    term = source.get(named.get(variables[0], ""))
                if term is not None and term.kind == "uri":
                    link = href(term.value, classes)
            line.append(Cell(text, link, _key(term, text), keys(name, source) if text else None))
        rows.append(line)
    legend = [
        {"key": n, "source": f, "link": source_link(f, []) if source_link else None}
        for f, n in numbers.items()
    ]
    return {
        "columns": table.header,
        "rows": rows,
        "numeric": table.numeric,
        "legend": table.legend,
        "cited": legend,
    }


def arrange(grid: dict[str, Any], query: Mapping[str, str], base: str) -> dict[str, Any]:
    """The grid filtered by the request's facets, sorted and cut to one page, with the links a
    page needs: to sort by each column, to the pages before and after, and each facet's values
    (with counts) as links that filter. ``base`` is the query string the links keep (the query's
    own parameters)."""
    columns: list[str] = grid["columns"]
    rows: list[list[Cell]] = grid["rows"]
    chosen = {k[len(FACET) :]: v for k, v in query.items() if k.startswith(FACET)}
    chosen = {k: v for k, v in chosen.items() if k in columns}
    for name, value in chosen.items():
        i = columns.index(name)
        rows = [r for r in rows if r[i].text == value]
    sort, descending = query.get("_sort", ""), False
    if query.get("_sort_desc", "") in columns:
        sort, descending = query["_sort_desc"], True
    if sort in columns:
        i = columns.index(sort)
        filled = sorted((r for r in rows if r[i].key[0] != 2), key=lambda r: r[i].key)
        if descending:
            filled.reverse()
        rows = filled + [r for r in rows if r[i].key[0] == 2]  # empty cells last either way
    else:
        sort = ""
    size = _number(query.get("_size"), DEFAULT_SIZE, 1, MAX_SIZE)
    start = _number(query.get("_next"), 0, 0, max(len(rows) - 1, 0))
    kept = {f"{FACET}{k}": v for k, v in chosen.items()}
    order = {"_sort_desc" if descending else "_sort": sort} if sort else {}
    sized = {"_size": str(size)} if "_size" in query else {}

    def link(**changes: str | None) -> str:
        pairs = {**kept, **order, **sized, **changes}
        tail = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs.items() if v is not None)
        return "?" + "&".join(filter(None, [base, tail]))

    headers = []
    for name in columns:
        asc = sort == name and not descending
        headers.append(
            {
                "name": name,
                "sorted": ("desc" if descending else "asc") if sort == name else "",
                "href": link(_sort=None if asc else name, _sort_desc=name if asc else None)
                if order
                else link(_sort=name),
            }
        )
    facets = []
    for i, name in enumerate(columns):
        counts: dict[str, int] = {}
        for r in rows:
            if r[i].text:
                counts[r[i].text] = counts.get(r[i].text, 0) + 1
        # a facet groups rows: fewer than three in four of its values are in one row alone (a
        # column of names, nearly one per row, would list the rows again)
        alone = sum(1 for n in counts.values() if n == 1)
        groups = len(counts) < sum(counts.values()) and 4 * alone < 3 * len(counts)
        if name in chosen or (groups and 2 <= len(counts) <= MAX_FACET_VALUES):
            values = [
                {"value": v, "count": n, "href": link(**{FACET + name: v}, _next=None)}
                for v, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            ]
            drop = link(**{FACET + name: None}) if name in chosen else None
            facets.append(
                {"column": name, "chosen": chosen.get(name), "values": values, "clear": drop}
            )
    end = min(start + size, len(rows))
    return {
        "columns": columns,
        "headers": headers,
        "numeric": grid["numeric"],
        "rows": rows[start:end],
        "legend": grid["legend"],
        "cited": grid["cited"],
        "count": len(rows),
        "total": len(grid["rows"]),
        "first": start + 1 if rows else 0,
        "last": end,
        "previous": link(_next=str(max(start - size, 0)) if start > size else None)
        if start
        else None,
        "next": link(_next=str(end)) if end < len(rows) else None,
        "facets": facets,
        "sort": sort,
        "descending": descending,
        "size": size,
    }


def _number(text: str | None, default: int, low: int, high: int) -> int:
    if text is None or not text.strip().isdigit():
        return default
    return min(max(int(text), low), high)


def _quote(text: str) -> str:
    return re.sub(
        r"[^A-Za-z0-9_.~-]", lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), text
    )


#: ``-p NAME=VALUE`` in a saved query's description or a message: the command line's words.
_FLAG = re.compile(r"(?:add )?-p (\w+)=(\"[^\"]*\"|<[^>]*>|\S+?)(?=[.,;)]?(?:\s|$))")


def web_words(text: str) -> str:
    """``text`` with the command line's ``-p NAME=VALUE`` in a page's words: the NAME field
    (with its example value, when it gives a real one)."""

    def field(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if match.group(0).startswith("add "):
            return f"fill in the {name} field"
        if value in ("VALUE", "<IRI>") or value.startswith("<"):
            return f"the {name} field"
        shown = value.strip('"')
        return f"the {name} field (for example {shown})"

    return _FLAG.sub(field, text)


def note_words(param: str, value: str, text: str) -> str:
    """An explanation's note (``sector='biotech' names nothing of its kind; nearest: ...``) in a
    page's words: "The sector field's value 'biotech' names nothing of its kind; ..."."""
    if param:
        head = f"{param}={value!r}"
        if text.startswith(head):
            return f"The {param} field's value {value!r}{text[len(head) :]}."
        return text
    pairs = re.findall(r"(\w+)=('[^']*'|\"[^\"]*\")", text)
    given = "; ".join(f"the {k} field {v}" for k, v in pairs)
    return f"No row has all of these values together: {given}." if pairs else text
