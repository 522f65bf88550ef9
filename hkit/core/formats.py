"""The formats hkit writes, each declared once: its name, its kind, its media types, its file
suffixes, whether it streams and whether it is for people, and the function that renders it.

Four kinds: ``answers`` (of SELECT and ASK queries), ``graph`` (answers of CONSTRUCT and
DESCRIBE queries), ``export`` (the whole graph, ``hkit export``) and ``report`` (what ``describe``,
``stats``, ``review``, ``diff``, ``validate``, ``reason`` and ``check`` print). As in rdflib's
plugin registry, a renderer is named by its path (``"module:function"``) and imported the first
time it is used, so this module imports nothing else of hkit, and ``hkit query`` imports only the
renderer it writes with.

Everything that offers a choice of format reads it from here: the command line's ``--format``
choices and the format an ``-o`` file's suffix implies, the server's content negotiation, media
types and OpenAPI document, ``export``, :meth:`hkit.core.answers.Result.render` and every
report's ``render``. Adding a format is one :func:`register` call below, plus its renderer.

>>> names(ANSWERS, GRAPH, command_line=True)
('table', 'csv', 'tsv', 'json', 'xml', 'md', 'xlsx', 'parquet', 'turtle', 'ntriples')
>>> get("csv", ANSWERS).media_type, by_suffix(EXPORT)[".owl"], names(REPORT, report="validate")
('text/csv; charset=utf-8', 'rdfxml', ('text', 'json', 'ttl'))
"""

from __future__ import annotations

import os
from collections import namedtuple

from hkit.core.errors import HkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from hkit.core.answers import Result

#: The kinds of format: answers of SELECT and ASK queries, answers of CONSTRUCT and DESCRIBE
#: queries, exports of the whole graph, and reports.
ANSWERS = "answers"
GRAPH = "graph"
EXPORT = "export"
REPORT = "report"
KINDS = (ANSWERS, GRAPH, EXPORT, REPORT)

#: The reports, by the command that prints each.
REPORTS = ("describe", "stats", "review", "diff", "validate", "reason", "check", "ledger")

#: The query forms whose answers are graphs (the ``graph`` formats); the others are rows.
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


class Format(
    namedtuple(
        "Format",
        "name kind media_type renderer accepts suffixes streams people wraps default "
        "command_line served dataset reports binary",
        defaults=((), (), False, False, False, False, True, 0, False, (), False),
    )
):
    """One format.

    ``name`` is what ``--format`` and ``?format=`` take, unique within its ``kind``;
    ``media_type`` is what the server answers with, and ``accepts`` the other media types a
    client may ask for it by; ``suffixes`` are the file suffixes that ask for it (the first is
    its usual one); ``renderer`` is the ``"module:function"`` that writes it, imported on first
    use (:meth:`load`). ``streams``: written row by row as the rows arrive; ``people``: for people
    (show names rather than file names); ``wraps``: the renderer takes a terminal's ``width``;
    ``default``: what its kind is written in unless a format is asked for; ``command_line``:
    offered by ``--format``; ``served``: the server's preference among its kind (1 first) when a
    client accepts several equally, 0 if the server does not offer it; ``dataset``: an export
    that keeps the named graphs; ``reports``: the reports that offer it; ``binary``: its renderer
    gives bytes for a file, never written to a terminal.

    (A named tuple from collections: the command line's start-up reads this table, and
    dataclasses or typing would cost it more than the table does.)
    """

    __slots__ = ()

    def load(self) -> Callable[..., Any]:
        """The renderer, imported on first use."""
        return load(self.renderer)


_REGISTRY: dict[tuple[str, str], Format] = {}
_LOADED: dict[str, Callable[..., Any]] = {}


def register(name: str, kind: str, media_type: str, renderer: str, **properties: Any) -> Format:
    """Declare a format (or replace the one of that name and kind), as rdflib's
    ``plugin.register`` does; ``properties`` are :class:`Format`'s other fields."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    unknown = set(properties.get("reports", ())) - set(REPORTS)
    if unknown:
        raise ValueError(f"no report is named {sorted(unknown)}")
    declared = Format(name, kind, media_type, renderer, **properties)
    _REGISTRY[kind, name] = declared
    return declared


def load(path: str) -> Callable[..., Any]:
    """The function at ``"module:function"``, imported the first time it is asked for."""
    found = _LOADED.get(path)
    if found is None:
        import importlib  # already loaded by the interpreter; named here, where it is used

        module, _, attribute = path.partition(":")
        found = _LOADED[path] = getattr(importlib.import_module(module), attribute)
    return found


def plugins(*kinds: str, report: str | None = None, **where: object) -> list[Format]:
    """The formats of ``kinds`` (every kind when none is given), in the order they were declared:
    those that ``report`` offers, when given, and whose fields equal ``where``'s values
    (``plugins(ANSWERS, streams=True)``)."""
    return [
        f
        for f in _REGISTRY.values()
        if (not kinds or f.kind in kinds)
        and (report is None or report in f.reports)
        and all(getattr(f, field) == value for field, value in where.items())
    ]


def names(*kinds: str, report: str | None = None, **where: object) -> tuple[str, ...]:
    """The names of :func:`plugins`' formats, in their order (the choices of ``--format`` with
    ``command_line=True``)."""
    return tuple(dict.fromkeys(f.name for f in plugins(*kinds, report=report, **where)))


def find(name: str, *kinds: str, report: str | None = None) -> Format | None:
    """The format of that name among ``kinds`` (and offered by ``report``), or None."""
    for f in plugins(*kinds, report=report):
        if f.name == name:
            return f
    return None


def get(name: str, *kinds: str, report: str | None = None) -> Format:
    """The format of that name among ``kinds`` (and offered by ``report``); an error naming the
    formats there are when there is none."""
    found = find(name, *kinds, report=report)
    if found is None:
        known = ", ".join(names(*kinds, report=report))
        raise HkitError(f"format '{name}' is not one of: {known}")
    return found


def default(*kinds: str, report: str | None = None) -> str:
    """The format that ``kinds`` are written in unless one is asked for: the first declared
    ``default`` among them (``table`` for answers, ``turtle`` for exports, ``text`` for
    reports)."""
    name: str = plugins(*kinds, report=report, default=True)[0].name
    return name


# -- the command line ------------


def by_suffix(*kinds: str, report: str | None = None) -> dict[str, str]:
    """The format each file suffix asks for, among those ``--format`` offers for ``kinds``."""
    return {
        suffix: f.name
        for f in plugins(*kinds, report=report, command_line=True)
        for suffix in f.suffixes
    }


def output_format(
    fmt: str | None, output: str | None, *kinds: str, report: str | None = None
) -> str:
    """The format asked for; else the one the output file's suffix implies among the formats of
    ``kinds`` (``-o results.csv`` writes CSV); else their :func:`default`.

    >>> output_format(None, "rows.CSV", ANSWERS, GRAPH), output_format(None, "-", ANSWERS, GRAPH)
    ('csv', 'table')
    >>> output_format("json", "rows.csv", ANSWERS), output_format(None, "hkit.nq", EXPORT)
    ('json', 'nquads')
    >>> output_format(None, "report.txt", REPORT, report="review")
    'text'
    """
    if fmt is not None:
        found = find(fmt, *kinds, report=report)
        if found is not None and found.binary and (not output or output == "-"):
            raise HkitError(
                f"{fmt} is written to a file, not to the terminal",
                hint=f"give -o FILE{found.suffixes[0]}",
            )
        return fmt
    if output and output != "-":
        suffix = os.path.splitext(os.path.basename(output))[1].lower()
        known = by_suffix(*kinds, report=report)
        if suffix in known:
            return known[suffix]
        if suffix:
            raise HkitError(
                f"hkit does not know what to write in a '{suffix}' file",
                hint="give --format, or a file ending in " + ", ".join(sorted(known)),
            )
    return default(*kinds, report=report)


# -- the server ------------


def served(*kinds: str) -> list[Format]:
    """The formats of ``kinds`` the server answers in, each kind's in the server's order of
    preference."""
    return sorted(
        (f for f in plugins(*kinds) if f.served), key=lambda f: (kinds.index(f.kind), f.served)
    )


def media_types(*kinds: str) -> dict[str, str]:
    """The media type of each format of ``kinds`` the server answers in, by its name."""
    return {f.name: f.media_type for f in served(*kinds)}


def offered(kind: str) -> dict[str, str]:
    """What a client may ask for, by media type (without parameters), best first: the formats of
    ``kind`` the server answers in, in its order of preference, each by its media type and then
    the others it accepts. ``text/plain`` comes last, whichever format it asks for, so that a tie
    with it goes to a more specific type."""
    pairs = [
        (media, f.name)
        for f in served(kind)
        for media in (f.media_type.split(";")[0].strip(), *f.accepts)
    ]
    return dict(sorted(pairs, key=lambda pair: pair[0] == "text/plain"))


# -- rendering ------------


def render(result: Result, fmt: str, width: int | None = None) -> str:
    """The answer in format ``fmt``: a graph answer in a graph format, else in Turtle; rows in
    an answers format (a graph format is an error). A format that ``wraps`` fits ``width``
    columns when given."""
    text: str
    if result.form in GRAPH_FORMS:
        text = (find(fmt, GRAPH) or get(default(GRAPH), GRAPH)).load()(result)
        return text
    if find(fmt, ANSWERS) is None and find(fmt, GRAPH) is not None:
        raise HkitError(
            f"format '{fmt}' is for CONSTRUCT and DESCRIBE queries", hint=f"use {default(ANSWERS)}"
        )
    spec = get(fmt, ANSWERS)
    text = spec.load()(result, width) if spec.wraps and width is not None else spec.load()(result)
    return text


class Report:
    """A report: its data once (:meth:`as_dict`), its text once (:meth:`as_text`), and where it
    has them its Markdown (``as_markdown()``) and Turtle (``as_turtle()``); :meth:`render` writes
    the formats the registry says the report offers. ``report`` is its name there."""

    report = ""

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (its JSON)."""
        raise NotImplementedError

    def as_text(self) -> str:
        """The report for people, as the command prints it."""
        raise NotImplementedError

    def as_markdown(self) -> str:
        """The report in Markdown, where the registry gives it ``md``."""
        raise NotImplementedError

    def as_turtle(self) -> str:
        """The report's graph in Turtle, where the registry gives it ``ttl``."""
        raise NotImplementedError

    def render(self, fmt: str = "text") -> str:
        """The report in format ``fmt``, one of those the registry gives for it."""
        text: str = get(fmt, REPORT, report=self.report).load()(self)
        return text


def report_text(report: Report) -> str:
    """A report's text."""
    return report.as_text()


def report_markdown(report: Report) -> str:
    """A report in Markdown."""
    return report.as_markdown()


def report_turtle(report: Report) -> str:
    """A report's graph, in Turtle."""
    return report.as_turtle()


def report_json(report: Report) -> str:
    """A report's data as JSON: the one place every report's JSON is made."""
    import json  # the formatters import what they write with when they run (start-up time)

    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


# -- the formats ------------

_RESULTS = "hkit.present.results:"
_EXPORT = "hkit.present.export:serialize"
_UTF8 = "; charset=utf-8"

register("table", ANSWERS, "text/plain" + _UTF8, _RESULTS + "to_table", people=True, wraps=True,
         suffixes=(".txt",), default=True, served=6)  # fmt: skip
register("csv", ANSWERS, "text/csv" + _UTF8, _RESULTS + "to_csv", suffixes=(".csv",),
         streams=True, served=3)  # fmt: skip
register("tsv", ANSWERS, "text/tab-separated-values" + _UTF8, _RESULTS + "to_tsv",
         suffixes=(".tsv",), streams=True, served=4)  # fmt: skip
register("json", ANSWERS, "application/sparql-results+json", _RESULTS + "to_json",
         accepts=("application/json",), suffixes=(".json", ".srj"), served=1)  # fmt: skip
register("xml", ANSWERS, "application/sparql-results+xml", _RESULTS + "to_xml",
         accepts=("application/xml",), suffixes=(".xml", ".srx"), served=2)  # fmt: skip
register("md", ANSWERS, "text/markdown" + _UTF8, _RESULTS + "to_markdown", suffixes=(".md",),
         people=True, served=5)  # fmt: skip
register("xlsx", ANSWERS, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "hkit.present.spreadsheet:to_xlsx", suffixes=(".xlsx",), binary=True)  # fmt: skip
register("parquet", ANSWERS, "application/vnd.apache.parquet",
         "hkit.present.spreadsheet:to_parquet", suffixes=(".parquet",), binary=True)  # fmt: skip

register("turtle", GRAPH, "text/turtle" + _UTF8, _RESULTS + "to_turtle", suffixes=(".ttl",),
         default=True, served=1)  # fmt: skip
register("ntriples", GRAPH, "application/n-triples", _RESULTS + "to_ntriples",
         accepts=("text/plain",), suffixes=(".nt",), served=2)  # fmt: skip
register("jsonld", GRAPH, "application/ld+json", _RESULTS + "to_jsonld", suffixes=(".jsonld",),
         command_line=False, served=3)  # fmt: skip

register("turtle", EXPORT, "text/turtle", _EXPORT, suffixes=(".ttl", ".n3"), default=True)
register("ntriples", EXPORT, "application/n-triples", _EXPORT, suffixes=(".nt",))
register("nquads", EXPORT, "application/n-quads", _EXPORT, suffixes=(".nq",), dataset=True)
register("trig", EXPORT, "application/trig", _EXPORT, suffixes=(".trig",), dataset=True)
register("jsonld", EXPORT, "application/ld+json", _EXPORT, suffixes=(".jsonld", ".json"),
         dataset=True)  # fmt: skip
register("rdfxml", EXPORT, "application/rdf+xml", _EXPORT, suffixes=(".rdf", ".owl", ".xml"))

register("text", REPORT, "text/plain" + _UTF8, "hkit.core.formats:report_text", people=True,
         suffixes=(".txt",), default=True, reports=REPORTS)  # fmt: skip
register("md", REPORT, "text/markdown" + _UTF8, "hkit.core.formats:report_markdown",
         suffixes=(".md",), people=True, reports=("review", "diff"))  # fmt: skip
register("json", REPORT, "application/json", "hkit.core.formats:report_json",
         suffixes=(".json",), reports=REPORTS)  # fmt: skip
register("ttl", REPORT, "text/turtle" + _UTF8, "hkit.core.formats:report_turtle",
         suffixes=(".ttl",), reports=("validate",))  # fmt: skip
