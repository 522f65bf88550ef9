"""A saved query's view: the table a person reads, declared in the query's ``#+ view:`` header.

Each entry names a column and gives its template: text with ``{...}`` parts, each a variable of
the query (``{label}``) or a function of variables and quoted text (``{money(value, currency,
qualifier)}``). A cell is the template with its parts filled in; a cell whose parts are all empty
is empty, so that the text around them ("by ...") never stands alone. The functions, which
hkit.present.view applies, are:

``money(value, currency[, qualifier])``
    a sum as people write it: "HK$10 billion", "up to HK$8 million", "US$1.2 billion";
``quantity(value, unit[, qualifier])``
    a figure with its unit and qualifier: "more than 4,000", "1.5%", "5 years", "top 100";
``cite(source, ...)``
    the source documents as citation keys, "[1] [2]", explained in a legend under the table;
``when(date)``
    a date or period as a person reads it: "by 2025-02-24" for ``../2025-02-24``;
``label(iri)``
    an IRI in its compact form (id:innohk), for a thing that has no label column;
``if(variable, 'text'[, 'what it means'])``
    the text when the variable has a value; with what it means, the text is a mark ("[editor]")
    explained in the legend under the table, in the tables where it is shown.

Quoted text holds any character but a quote or a brace, commas included.

The machine formats (CSV, TSV, JSON, XML) keep every variable of the answer as it is; the view is
for the table, Markdown and a notebook's display.
"""

from __future__ import annotations

import re

from hkit.core.errors import QueryError

#: The functions a template may call: name -> (fewest, most) arguments.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "money": (2, 3),
    "quantity": (2, 3),
    "cite": (1, 8),
    "when": (1, 1),
    "label": (1, 1),
    "if": (2, 3),
}

_PART = re.compile(r"\{([^{}]*)\}")
_CALL = re.compile(r"\s*([a-z]+)\s*\((.*)\)\s*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEXT = re.compile(r"'([^']*)'")
#: One argument of a call (quoted text, or anything up to a comma or a quote) and the comma
#: after it, if any.
_ARGUMENT = re.compile(r"\s*('[^']*'|[^,']*)\s*(,?)")

#: A template's pieces: literal text (a str), or a part: (function or "", its arguments), each
#: argument a variable's name or, for quoted text, a one-element tuple holding the text.
Piece = str | tuple[str, tuple[str | tuple[str], ...]]


class Column(tuple):  # (name, pieces): a plain tuple, cheap to build and to cache
    """One column of a view: its heading and its template's pieces."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """The column's heading."""
        return str(self[0])

    @property
    def pieces(self) -> tuple[Piece, ...]:
        """The template: literal text and the parts to fill in."""
        return tuple(self[1])

    def variables(self) -> list[str]:
        """The variables the template reads, in order."""
        return [
            a for p in self.pieces if not isinstance(p, str) for a in p[1] if isinstance(a, str)
        ]


def parse_template(text: str, where: str) -> tuple[Piece, ...]:
    """A template's pieces, or a :class:`QueryError` that says what is wrong with it.

    >>> parse_template("{money(value, currency)} a year", "q")
    (('money', ('value', 'currency')), ' a year')
    """
    pieces: list[Piece] = []
    at = 0
    for match in _PART.finditer(text):
        if match.start() > at:
            pieces.append(text[at : match.start()])
        pieces.append(_part(match.group(1), where))
        at = match.end()
    if at < len(text):
        pieces.append(text[at:])
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in pieces):
        raise QueryError(f"{where}: a '{{' or '}}' in '{text}' is not closed or not opened")
    if not any(not isinstance(p, str) for p in pieces):
        raise QueryError(f"{where}: '{text}' names no variable", hint="write it as {variable}")
    return tuple(pieces)


def _part(inside: str, where: str) -> tuple[str, tuple[str | tuple[str], ...]]:
    call = _CALL.fullmatch(inside)
    if call is None:
        name = inside.strip()
        if not _NAME.fullmatch(name):
            raise QueryError(f"{where}: '{{{inside}}}' is not a variable or a function call")
        return ("", (name,))
    function, args_text = call.groups()
    if function not in FUNCTIONS:
        raise QueryError(
            f"{where}: no view function is called '{function}'",
            hint=f"the functions: {', '.join(FUNCTIONS)}",
        )
    args: list[str | tuple[str]] = []
    for arg in _arguments(args_text, where, function):
        quoted = _TEXT.fullmatch(arg)
        if quoted is not None:
            args.append((quoted.group(1),))
        elif _NAME.fullmatch(arg):
            args.append(arg)
        else:
            raise QueryError(f"{where}: '{arg}' in {function}(...) is not a variable or 'text'")
    fewest, most = FUNCTIONS[function]
    if not fewest <= len(args) <= most:
        count = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise QueryError(f"{where}: {function}(...) takes {count} arguments, not {len(args)}")
    if function == "if":
        _check_if(args, where)
    return (function, tuple(args))


def _check_if(args: list[str | tuple[str]], where: str) -> None:
    """``if(variable, 'text'[, 'what it means'])``: a variable, then quoted text; a mark that
    is explained must show something."""
    if isinstance(args[0], tuple) or not all(isinstance(a, tuple) for a in args[1:]):
        raise QueryError(f"{where}: if(...) takes a variable, then 'quoted text'")
    if len(args) == 3 and not args[1][0].strip():
        raise QueryError(f"{where}: if(...) explains a mark that shows nothing")


def _arguments(text: str, where: str, function: str) -> list[str]:
    """A call's arguments, split at the commas outside quoted text."""
    if not text.strip():
        return []
    found, at = [], 0
    while True:
        match = _ARGUMENT.match(text, at)
        assert match is not None  # both groups can be empty: it always matches
        found.append(match.group(1).strip())
        at = match.end()
        if not match.group(2):
            break
    if at != len(text):
        raise QueryError(f"{where}: '{text[at:]}' in {function}(...) is not a variable or 'text'")
    return found


def parse_view(raw: object, variables: set[str], where: str) -> tuple[Column, ...]:
    """The ``view`` header (a list of ``- column: template`` entries, as the catalogue's reader
    normalises them) as columns, checked: each template parses, and every variable it names is
    one that the query has (``variables``)."""
    if raw in (None, "", []):
        return ()
    if not isinstance(raw, list):
        raise QueryError(f"{where}: 'view' must be a list of '- column: template' entries")
    columns = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict) or len(item) != 1:
            raise QueryError(f"{where}: each 'view' entry must be '- column: template'")
        ((name, templates),) = item.items()
        if len(templates) != 1 or not templates[0].strip():
            raise QueryError(f"{where}: view column '{name}' needs one template")
        if name in seen:
            raise QueryError(f"{where}: the view has two columns called '{name}'")
        seen.add(name)
        column = Column((name, parse_template(templates[0], f"{where}: view column '{name}'")))
        for variable in column.variables():
            if variable not in variables:
                raise QueryError(
                    f"{where}: view column '{name}' names ?{variable}, which the query does "
                    "not have"
                )
        columns.append(column)
    return tuple(columns)
