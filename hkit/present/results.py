"""Turning query results into text: the W3C SPARQL 1.1 result formats (JSON, XML, CSV, TSV),
an aligned table and Markdown for people, and Turtle / N-Triples / JSON-LD for graph results."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hkit.core.sparql import quoted
from hkit.core.vocab import PREFIXES, XSD, compact
from hkit.present import layout
from hkit.present.view import person_table

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.core.answers import Result, Term

# The formatters import what they need when they run (json, csv, xml.sax.saxutils, decimal), so
# that a command pays only for the format it writes. The format registry (hkit.core.formats)
# names each of them, and imports this module when one is first used.


# -- term rendering ------------


def nt(term: Term) -> str:
    """The term in N-Triples / SPARQL syntax."""
    if term.kind == "uri":
        return f"<{term.value}>"
    if term.kind == "bnode":
        return f"_:{term.value}"
    text = quoted(term.value)
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype:
        return f"{text}^^<{term.datatype}>"
    return text


#: Numbers longer than this are shown as written, not with grouped digits.
MAX_GROUPED = 60


def readable(term: Term) -> str:
    """The term for a person: compact IRIs, grouped digits for numbers, plain text."""
    if term.kind == "uri":
        return compact(term.value)
    if term.kind == "bnode":
        return f"_:{term.value}"
    if term.datatype in (XSD + "decimal", XSD + "integer"):
        from decimal import Decimal, InvalidOperation

        try:
            number = Decimal(term.value)
        except InvalidOperation:
            return term.value
        if not number.is_finite() or len(term.value) > MAX_GROUPED or abs(number.adjusted()) > 30:
            return term.value  # grouping digits would take time and memory without bound
        if number == number.to_integral_value():
            return f"{int(number):,}"
        return f"{number:,f}"
    return term.value


# -- SELECT / ASK ------------


def to_json(result: Result) -> str:
    """The result as SPARQL 1.1 Query Results JSON, laid out as ``json.dumps(..., indent=2,
    ensure_ascii=False)`` lays it out (a test keeps the two equal), written here piece by piece:
    the standard library's encoder writes an indented document in Python, several times slower
    than its own string escaping, which this uses."""
    import json
    from json.encoder import encode_basestring as q

    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"

    def listed(items: list[str]) -> str:  # a list, four spaces in, as json.dumps lays it out
        return "[\n      " + ",\n      ".join(items) + "\n    ]" if items else "[]"

    def binding(variable: str, term: Term) -> str:
        extra = ""
        if term.lang:
            extra = f',\n          "xml:lang": {q(term.lang)}'
        elif term.datatype:
            extra = f',\n          "datatype": {q(term.datatype)}'
        return (
            f'{q(variable)}: {{\n          "type": {q(term.kind)},\n'
            f'          "value": {q(term.value)}{extra}\n        }}'
        )

    rows = [
        "{\n        " + ",\n        ".join(binding(v, t) for v, t in row.items()) + "\n      }"
        if row
        else "{}"
        for row in result.rows
    ]
    variables = listed([q(v) for v in result.variables])
    return (
        f'{{\n  "head": {{\n    "vars": {variables}\n  }},\n'
        f'  "results": {{\n    "bindings": {listed(rows)}\n  }}\n}}\n'
    )


def to_xml(result: Result) -> str:
    """The result as SPARQL Query Results XML."""
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.form == "ASK":
        out += ["  <head/>", f"  <boolean>{'true' if result.boolean else 'false'}</boolean>"]
    else:
        out.append("  <head>")
        out += [f"    <variable name={quoteattr(v)}/>" for v in result.variables]
        out += ["  </head>", "  <results>"]
        for row in result.rows:
            out.append("    <result>")
            for v, t in row.items():
                if t.kind == "uri":
                    inner = f"<uri>{escape(t.value)}</uri>"
                elif t.kind == "bnode":
                    inner = f"<bnode>{escape(t.value)}</bnode>"
                elif t.lang:
                    inner = f"<literal xml:lang={quoteattr(t.lang)}>{escape(t.value)}</literal>"
                elif t.datatype:
                    inner = f"<literal datatype={quoteattr(t.datatype)}>{escape(t.value)}</literal>"
                else:
                    inner = f"<literal>{escape(t.value)}</literal>"
                out.append(f"      <binding name={quoteattr(v)}>{inner}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def to_csv(result: Result) -> str:
    """The result as SPARQL 1.1 Query Results CSV (values only)."""
    if result.form == "ASK":
        return "boolean\r\n" + ("true" if result.boolean else "false") + "\r\n"
    return "".join(stream_lines("csv", result.variables, result.rows))


def to_tsv(result: Result) -> str:
    """The result as SPARQL 1.1 Query Results TSV (terms in SPARQL syntax)."""
    if result.form == "ASK":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    return "".join(stream_lines("tsv", result.variables, result.rows))


def stream_lines(fmt: str, variables: list[str], rows: Iterable[dict[str, Term]]) -> Iterator[str]:
    """A SELECT result in ``fmt`` (tsv or csv, the formats the registry says stream) as text
    chunks, one row at a time: the same text as to_tsv and to_csv give for the whole result."""
    if fmt == "tsv":
        yield "\t".join(f"?{v}" for v in variables) + "\n"
        shown: dict[Term, str] = {}
        for row in rows:
            cells = []
            for v in variables:
                term = row.get(v)
                if term is None:
                    cells.append("")
                    continue
                text = shown.get(term)
                if text is None:
                    if len(shown) > 100_000:
                        shown.clear()
                    text = shown[term] = nt(term)
                cells.append(text)
            yield "\t".join(cells) + "\n"
        return
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([row[v].value if v in row else "" for v in variables])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cells(result: Result) -> tuple[list[str], list[list[str]]]:
    if result.form == "ASK":
        return ["boolean"], [["true" if result.boolean else "false"]]
    shown: dict[Term, str] = {}

    def cell(term: Term) -> str:
        text = shown.get(term)
        if text is None:
            text = shown[term] = readable(term)
        return text

    rows = [[cell(row[v]) if v in row else "" for v in result.variables] for row in result.rows]
    return list(result.variables), rows


def to_table(result: Result, width: int | None = None) -> str:
    """An aligned table: numbers right-aligned with grouped digits; a saved query's answer as its
    view shows it (hkit.present.view), with the legend of its citations under it. Given
    ``width`` (a terminal's), the table fits it: cells wrap at spaces within their column (a
    word, number, date or IRI stays whole), and rows become ``field: value`` records when the
    columns cannot fit at a readable width; without it, every row is one line."""
    shown = person_table(result)
    if shown is not None:
        header, rows, numeric = shown.header, shown.rows, shown.numeric
    else:
        header, rows = _cells(result)
        numeric = [
            bool(rows) and all(r[i] == "" or _is_number(r[i]) for r in rows)
            for i in range(len(header))
        ]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    out = layout.table(header, rows, numeric, width, footer)
    if shown is not None and shown.legend:
        out.append("")
        for entry, key in zip(shown.legend, shown.legend_keys, strict=True):
            out += [entry] if width is None else _legend_lines(entry, len(key) + 1, width)
    return "\n".join(out) + "\n"


def _legend_lines(entry: str, indent: int, width: int) -> list[str]:
    lines = layout.wrap(entry, width - indent, width, first=width)
    return lines[:1] + [(" " * indent if len(x) <= width - indent else "") + x for x in lines[1:]]


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def terminal_width(output: str | None = None) -> int | None:
    """The width tables must fit: ``COLUMNS``, else the terminal's, when the output is a
    terminal; None (no wrapping, one line a row) when writing to a file or a pipe, as
    column-formatting tools do."""
    import os
    import sys

    if output not in (None, "-") or not sys.stdout.isatty():
        return None
    try:
        return max(20, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        import shutil

        return max(20, shutil.get_terminal_size().columns)


def to_markdown(result: Result) -> str:
    """The result as a Markdown table, values as people read them (a saved query's answer as its
    view shows it, its citations' legend under the table)."""
    shown = person_table(result)
    if shown is not None:
        header, rows = shown.header, shown.rows
    else:
        header, rows = _cells(result)

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    if shown is not None:
        for entry in shown.legend:
            out += ["", entry]  # "[1] ..." with no colon is text, not a link definition
    return "\n".join(out) + "\n"


def to_html(result: Result) -> str:
    """The result as an HTML table (a notebook's display): a saved query's answer as its view
    shows it, with the legend of its citations under it."""
    from html import escape

    shown = person_table(result)
    if result.form == "ASK":
        return f"<p>{'true' if result.boolean else 'false'}</p>"
    if result.form != "SELECT":
        return f"<pre>{escape(to_ntriples(result))}</pre>"
    if shown is not None:
        header, rows, numeric, legend = shown.header, shown.rows, shown.numeric, shown.legend
    else:
        header, rows = _cells(result)
        numeric, legend = [False] * len(header), []
    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{escape(h)}</th>" for h in header]
    out += ["</tr></thead>", "<tbody>"]
    for r in rows:
        cells = "".join(
            f'<td style="text-align: right">{escape(c)}</td>' if num else f"<td>{escape(c)}</td>"
            for c, num in zip(r, numeric, strict=True)
        )
        out.append(f"<tr>{cells}</tr>")
    out += ["</tbody>", "</table>"]
    out.append(f"<p>{len(rows)} row{'s' if len(rows) != 1 else ''}</p>")
    if legend:
        out.append("<p>" + "<br>".join(escape(e) for e in legend) + "</p>")
    return "\n".join(out) + "\n"


# -- CONSTRUCT / DESCRIBE ------------


def to_ntriples(result: Result) -> str:
    """A CONSTRUCT or DESCRIBE result's triples as N-Triples."""
    lines = sorted({f"{nt(s)} {nt(p)} {nt(o)} ." for s, p, o in result.triples})
    return "\n".join(lines) + ("\n" if lines else "")


def to_turtle(result: Result) -> str:
    """A CONSTRUCT or DESCRIBE result's triples as Turtle, with hkit's prefixes."""
    import pyoxigraph

    triples = pyoxigraph.parse(to_ntriples(result).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    text = pyoxigraph.serialize(
        sorted(triples, key=str), format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES
    )
    return text.decode() if text is not None else ""


def to_jsonld(result: Result) -> str:
    """A CONSTRUCT or DESCRIBE result's triples as JSON-LD (expanded, as pyoxigraph writes it)."""
    import pyoxigraph

    def term(t: Term) -> Any:
        if t.kind == "uri":
            return pyoxigraph.NamedNode(t.value)
        if t.kind == "bnode":
            return pyoxigraph.BlankNode(t.value)
        if t.lang:
            return pyoxigraph.Literal(t.value, language=t.lang)
        datatype = pyoxigraph.NamedNode(t.datatype) if t.datatype else None
        return pyoxigraph.Literal(t.value, datatype=datatype)

    triples = [pyoxigraph.Triple(term(s), term(p), term(o)) for s, p, o in result.triples]
    written = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD) or b"[]"
    return written.decode()
