"""The table a person reads: a saved query's view (its ``#+ view:`` header, hkit.core.views)
applied to its answer. Values combine with their qualifier, unit and currency in one cell
("HK$10 billion", "more than 4,000", "top 100"), labels stand for things, and sources are
citation keys ([1], [2]) explained in a legend under the table, the way a report cites.

Light on imports: ``hkit query`` builds its table with it.
"""

from __future__ import annotations

from functools import partial

from hkit.core.answers import Result, Term
from hkit.core.views import Column, parse_template
from hkit.core.vocab import XSD, compact
from hkit.present.sources import source_legend

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from decimal import Decimal

    from hkit.store.engines import Engine

#: How a currency is written before an amount; another code is written with a space after it.
SYMBOLS = {"HKD": "HK$", "USD": "US$", "CNY": "RMB", "RMB": "RMB", "EUR": "€", "GBP": "£"}

#: What the queries call a sum whose currency the source does not give ("$ (currency not given)").
_NOT_GIVEN = " (currency not given)"

#: The words for large numbers, used only where the number is exact in them.
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


class PersonView:
    """A saved query's view, as an answer carries it (``Result.view``) to the formats for people.

    ``columns`` are the view's (hkit.core.views); ``legend`` gives, for the source file names
    that the table cites, the legend's text for each (called once, when the table is first made;
    None cites each source by what the answer holds).
    """

    __slots__ = ("_legend", "columns", "legend")

    def __init__(
        self,
        columns: Iterable[Column],
        legend: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self.legend = legend
        self._legend: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"PersonView({', '.join(c.name for c in self.columns)})"

    def __reduce__(self) -> tuple[object, ...]:
        # pickled without the engine it would ask: the legend made so far goes along (a legend
        # not yet made cites sources by file name)
        return (_restored, (self.columns, self._legend))

    def for_answer(self, result: Result) -> PersonView:
        """The view with a column that cites a ``sources`` column the answer has beyond the
        query's own (``--with-sources``)."""
        named = {v for c in self.columns for v in c.variables()}
        extra = [
            Column((v, parse_template(f"{{cite({v})}}", v)))
            for v in result.variables
            if v.lstrip("_") == "sources" and v not in named
        ]
        if not extra:
            return self
        view = PersonView(self.columns + tuple(extra), self.legend)
        view._legend = self._legend
        return view


def _restored(columns: tuple[Column, ...], legend: dict[str, str] | None) -> PersonView:
    view = PersonView(columns)
    view._legend = legend
    return view


class PersonTable:
    """The cells a person reads: a heading and rows of text, which columns are numbers, the
    legend (its lines: the citations' ``[1] ...``, then each mark's, ``[editor] ...``), the key
    each legend line begins with (``legend_keys``: ``[1]``, ``[editor]``; a mark may hold spaces)
    and the file names the citations cite (``sources``: key 1's first)."""

    __slots__ = ("header", "legend", "legend_keys", "numeric", "rows", "sources")

    def __init__(
        self,
        header: list[str],
        rows: list[list[str]],
        numeric: list[bool],
        legend: list[str],
        legend_keys: list[str],
        sources: list[str] | None = None,
    ) -> None:
        self.header = header
        self.rows = rows
        self.numeric = numeric
        self.legend = legend
        self.legend_keys = legend_keys
        self.sources = sources if sources is not None else []


def person_table(result: Result) -> PersonTable | None:
    """The person's table of an answer that carries a view, else None."""
    view = getattr(result, "view", None)
    if not isinstance(view, PersonView) or result.form != "SELECT":
        return None
    view = view.for_answer(result)
    keys: dict[str, int] = {}
    marks: dict[str, str] = {}  # a mark that if(...) shows -> what it means (its legend line)
    rows = [[_cell(c, row, keys, marks) for c in view.columns] for row in result.rows]
    header = [c.name for c in view.columns]
    if rows:  # a column empty in every row says nothing to a person (the machine formats keep it)
        kept = [i for i in range(len(header)) if any(r[i] for r in rows)] or range(len(header))
        header, rows = [header[i] for i in kept], [[r[i] for i in kept] for r in rows]
    numeric = [
        bool(rows) and all(r[i] == "" or _is_number(r[i]) for r in rows) for i in range(len(header))
    ]
    legend: list[str] = []
    if keys:
        if view._legend is None and view.legend is not None:
            view._legend = view.legend(list(keys))
        known = view._legend or {}
        legend = [f"[{n}] {known.get(source, source)}" for source, n in keys.items()]
    legend += [f"{mark} {meaning}" for mark, meaning in marks.items()]
    legend_keys = [f"[{n}]" for n in keys.values()] + list(marks)
    return PersonTable(header, rows, numeric, legend, legend_keys, list(keys))


def cited(column: Column, row: dict[str, Term]) -> list[str]:
    """The file names a column's citation keys cite in ``row`` (none for a column that cites
    nothing), in the order its cell shows their keys."""
    files: list[str] = []
    for piece in column.pieces:
        if not isinstance(piece, str) and piece[0] == "cite":
            terms = [row.get(a) for a in piece[1] if isinstance(a, str)]
            files.extend(_cited_files([t for t in terms if t is not None]))
    return list(dict.fromkeys(files))


def _cited_files(terms: list[Term]) -> list[str]:
    """The file names in the values of ``cite``'s variables (``--with-sources`` joins a row's
    files with "; ")."""
    return [source for term in terms for source in term.value.split("; ") if source]


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def _cell(column: Column, row: dict[str, Term], keys: dict[str, int], marks: dict[str, str]) -> str:
    out = []
    filled = False
    for piece in column.pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        function, args = piece
        values = [a[0] if isinstance(a, tuple) else row.get(a) for a in args]
        text = _apply(function, values, keys, marks)
        filled = filled or bool(text)
        out.append(text)
    return " ".join("".join(out).split()) if filled else ""


def _apply(
    function: str, values: list[Term | str | None], keys: dict[str, int], marks: dict[str, str]
) -> str:
    terms = [v for v in values if isinstance(v, Term)]
    if function == "":
        return _plain(values[0])
    if function == "if":
        if not (isinstance(values[0], Term) and values[0].value):
            return ""
        if len(values) > 2:  # a mark, explained in the legend
            marks.setdefault(str(values[1]).strip(), str(values[2]))
        return str(values[1])
    if function == "cite":
        shown = []
        for source in _cited_files(terms):
            keys.setdefault(source, len(keys) + 1)
            shown.append(f"[{keys[source]}]")
        return " ".join(dict.fromkeys(shown))
    first = values[0] if isinstance(values[0], Term) else None
    if function == "label":
        return compact(first.value) if first is not None else ""
    if function == "when":
        return when(first.value) if first is not None else ""
    qualifier = _text(values[2]) if len(values) > 2 else ""
    if function == "money":
        return money(_number(first), _text(values[1]), qualifier)
    return quantity(_number(first), _text(values[1]), qualifier)


def _plain(value: Term | str | None) -> str:
    if not isinstance(value, Term):
        return value or ""
    if value.kind == "uri":
        return compact(value.value)
    if value.datatype in (XSD + "decimal", XSD + "integer"):
        number = _number(value)
        return grouped(number) if number is not None else value.value
    return value.value


def _text(value: Term | str | None) -> str:
    if isinstance(value, Term):
        return value.value.strip()
    return value or ""


def _number(term: Term | None) -> Decimal | None:
    if term is None or term.kind != "literal" or len(term.value) > 60:
        return None
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(term.value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number.adjusted()) <= 30 else None


def grouped(number: Decimal) -> str:
    """A number with its digits grouped: 4,694; 0.73; 14,200.5."""
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def scaled(number: Decimal) -> str:
    """A number in words for its scale where that is exact and short (10 billion, 2.5 million,
    1.2 billion), else with grouped digits (320,140; 87,500,001)."""
    for size, word in _SCALES:
        if abs(number) >= size:
            short = (number / size).normalize()
            if short == short.quantize(type(number)("0.001")) and (number / size) * size == number:
                return f"{grouped(short)} {word}"
            break
    return grouped(number)


def money(number: Decimal | None, currency: str, qualifier: str = "") -> str:
    """A sum as people write it: "HK$10 billion", "up to HK$8 million", "$320,140" (a dollar
    sign whose currency the source does not give), "AED 5 million"; the qualifier alone when
    the source gives no figure."""
    if number is None:
        return qualifier
    if currency.endswith(_NOT_GIVEN):
        symbol = currency.removesuffix(_NOT_GIVEN)
    else:
        symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    return " ".join(p for p in (qualifier, symbol + scaled(number)) if p)


def quantity(number: Decimal | None, unit: str, qualifier: str = "") -> str:
    """A figure with its unit and qualifier, as a report writes it: "more than 4,000" (a count
    needs no unit), "1.5%", "5 years", "No. 2" and "top 100" (a rank position, and one "up to"
    100), a sum of money as :func:`money` writes it; the qualifier ("thousands") when the source
    gives no figure. No qualifier word is added where the data has none."""
    if number is None:  # "thousands", "dozens": a unit with no figure and no words is nothing
        return " ".join(p for p in (qualifier, "" if unit == "count" else unit) if p and qualifier)
    if unit in SYMBOLS or unit.endswith(_NOT_GIVEN):
        return money(number, unit, qualifier)
    figure = scaled(number)
    if unit == "rank position":
        if qualifier == "up to":
            return f"top {figure}"
        return " ".join(p for p in (qualifier, f"No. {figure}") if p)
    if unit == "percent":
        text = f"{figure}%"
    elif unit in ("count", ""):
        text = figure
    elif unit == "year":
        text = f"{figure} year{'' if number == 1 else 's'}"
    else:
        text = f"{figure} {unit}"
    return " ".join(p for p in (qualifier, text) if p)


def when(text: str) -> str:
    """A date or period as the queries write it (ISO 8601's open intervals) for a person:
    "by 2025-02-24" for ``../2025-02-24``, "from 2022" for ``2022/..``, "2023 to 2024" for
    ``2023/2024``."""
    start, slash, end = text.partition("/")
    if not slash:
        return text
    if start == "..":
        return f"by {end}"
    if end == "..":
        return f"from {start}"
    return f"{start} to {end}"


def with_view(
    result: Result,
    columns: Iterable[Column],
    engine: Engine | None = None,
    timeout: float | None = None,
) -> Result:
    """``result`` carrying a saved query's view (``columns``; none for no view), for the formats
    for people. The legend of the sources it cites is asked of ``engine`` when the table is first
    made; without one, each source is cited by its file name."""
    columns = tuple(columns)
    if columns and result.form == "SELECT":
        legend = None
        if engine is not None:
            legend = partial(source_legend, engine, timeout)
        result.view = PersonView(columns, legend)
    return result
