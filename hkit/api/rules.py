"""What the library accepts: where the graph comes from (data files, an endpoint, default
graphs), and a saved query's parameters given as Python values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hkit.core.errors import HkitError, QueryError

#: What :func:`check_sources` says when a rule is broken, in the library's words: (message, hint)
#: for data files given with an endpoint, for default graphs given without one, and for the
#: asserted graph asked of an endpoint.
SOURCE_RULES = {
    "data": (
        "data files are added to the embedded graph; they cannot be used with an endpoint",
        "load your files into the endpoint's store instead",
    ),
    "default_graphs": ("default graphs need an endpoint", "give endpoint=URL"),
    "asserted": (
        "asserted=True chooses what the embedded graph infers; an endpoint's store decides its own",
        "leave out endpoint, or turn off inference in the endpoint's store",
    ),
}


def check_sources(
    data: Sequence[object],
    endpoint: str | None,
    default_graphs: Sequence[str],
    words: Mapping[str, tuple[str, str]] = SOURCE_RULES,
    asserted: bool = False,
) -> None:
    """The rule of where the graph comes from: data files are added to the embedded graph, which
    an endpoint replaces, so they cannot come with an endpoint; default graphs are the
    endpoint's, so they cannot come without one. A broken rule is an :class:`HkitError` in
    ``words`` (the library's, or the command line's, which names its options)."""
    if endpoint is not None and data:
        raise HkitError(*words["data"])
    if default_graphs and endpoint is None:
        raise HkitError(*words["default_graphs"])
    if asserted and endpoint is not None:
        raise HkitError(*words["asserted"])


#: The parameter types that take a Python number or date as well as text.
TYPED = {
    "xsd:integer": (int,),
    "xsd:decimal": (int, "Decimal"),
    "xsd:date": ("date",),
    "xsd:gYear": (int,),
}


def as_lists(
    params: dict[str, object], types: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Keyword parameters as lists of texts: one text, or several to bind several values. A
    parameter typed as a number or a date (``types``, its type by name) takes Python's own
    values too (``year=2024``, ``Decimal("1.5")``, ``datetime.date``), written as their text;
    any other type is a :class:`hkit.core.errors.QueryError` naming the parameter."""

    lists: dict[str, list[str]] = {}
    for key, value in params.items():
        given: object = [value] if isinstance(value, str) or _typed(value) else value
        values: list[object] | None
        try:
            values = list(given) if not isinstance(given, (bytes, dict)) else None  # type: ignore[call-overload]
        except TypeError:
            values = None
        kinds = TYPED.get((types or {}).get(key, ""), ())
        if values is not None:
            values = [_as_text(v) if _typed(v, kinds) else v for v in values]
        if values is None or not all(isinstance(v, str) for v in values):
            shown = type(value).__name__ if values is None else "a list holding a non-text value"
            if values is not None and not isinstance(value, (list, tuple, set)):
                shown = type(value).__name__
            example = "..." if not isinstance(value, (str, int)) else value
            raise QueryError(
                f"parameter '{key}' must be text or a list of texts, not {shown}",
                hint=f"give it as text, for example {key}='{example}'"
                + (", or leave it out" if value is None else ""),
            )
        lists[key] = [str(v) for v in values]
    return lists


def _typed(value: object, kinds: tuple[object, ...] = (int, "Decimal", "date")) -> bool:
    """Whether ``value`` is a Python number or date of one of ``kinds`` (never a bool)."""
    import datetime
    from decimal import Decimal

    if isinstance(value, bool):
        return False
    checks = {int: int, "Decimal": Decimal, "date": datetime.date}
    return any(isinstance(value, checks[k]) for k in kinds)


def _as_text(value: object) -> str:
    """A number or a date as the text of its XSD value (``2024-12-06``, ``1.5``)."""
    import datetime

    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
