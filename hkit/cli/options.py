"""The command line's grammar, written once: every command's arguments and options, their types,
choices, defaults and help. The click commands (hkit.cli) are built from this table, and the fast
lane (hkit.cli.fast) parses the commands it runs with it, so neither copies the other.

The choices of ``--format`` come from the format registry (hkit.core.formats); other choices
that a registry of the library defines (gates, severities) name that registry
(``"hkit.api:GATES"``) and are read from it when needed. This module imports nothing beyond the
standard library, that registry and hkit.core.limits: the fast lane reads it at start-up.
"""

from __future__ import annotations

from collections import namedtuple

from hkit.core.formats import ANSWERS, EXPORT, GRAPH, REPORT, names
from hkit.core.limits import DEFAULT_TIMEOUT

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Sequence


class Option(
    namedtuple(
        "Option",
        "flags dest help kind choices default multiple envvar metavar show_default required "
        "complete",
        defaults=("text", (), None, False, None, None, False, False, None),
    )
):
    """One option: its flags (``("-o", "--output")``), the parameter it fills, its help, and
    its grammar. ``kind`` is ``text``, ``flag``, ``seconds`` (a number above 0), ``count`` (a
    whole number above 0), ``port`` (1 to 65535) or ``file`` (a path that is not a folder);
    ``choices`` is a tuple, or the name of a registry (``module:NAME``); ``complete`` names a
    completion function in hkit.cli. (A named tuple
    from collections: importing typing would cost the fast lane more than it saves.)"""

    __slots__ = ()


class Argument(
    namedtuple("Argument", "dest required kind complete", defaults=(True, "text", None))
):
    """One positional argument: the parameter it fills, whether it is required, its kind
    (``text`` or ``file``) and its completion function."""

    __slots__ = ()


class Command(namedtuple("Command", "name arguments options fast", defaults=((), (), False))):
    """A command: its arguments and options, and whether the fast lane runs it (through the
    function of the same name in hkit.cli.commands, as the click command does)."""

    __slots__ = ()


def choices_of(option: Option) -> tuple[str, ...]:
    """The option's choices, reading a registry when the table names one."""
    if isinstance(option.choices, tuple):
        return option.choices
    import importlib

    module, _, name = option.choices.partition(":")
    return tuple(getattr(importlib.import_module(module), name))


def report_format(report: str, help: str, default: str | None = "text") -> Option:
    """The ``--format`` option of a command that writes a report: the formats the registry gives
    for ``report``."""
    return Option(
        ("--format",),
        "fmt",
        help,
        choices=names(REPORT, report=report, command_line=True),
        default=default,
        show_default=default is not None,
    )


#: Environment variable: the folder with ontology/, data/ and queries/.
ENV_ROOT = "HKIT_ROOT"
#: Environment variable: the SPARQL endpoint that queries run on.
ENV_ENDPOINT = "HKIT_ENDPOINT"

GLOBAL_OPTIONS = (
    Option(
        ("--root",),
        "root",
        "Folder with ontology/, data/ and queries/ (default: the checkout in the current "
        "directory, else the copy in the installed package). Env: HKIT_ROOT.",
        envvar=ENV_ROOT,
        metavar="DIR",
    ),
    Option(
        ("--data",),
        "data",
        "Add your own RDF file to the graph (.ttl, .nt, .rdf/.owl, .jsonld); repeatable.",
        multiple=True,
        metavar="FILE",
    ),
    Option(
        ("--timeout",),
        "timeout",
        "Seconds any one query may run.",
        kind="seconds",
        default=DEFAULT_TIMEOUT,
        show_default=True,
    ),
    Option(
        ("--debug",),
        "debug",
        "Print the traceback before the one-line error (the exit code is unchanged).",
        kind="flag",
    ),
)

_OUTPUT = Option(
    ("-o", "--output"), "output", "Write to FILE (atomically) instead of stdout.", metavar="FILE"
)
_WIDE = Option(
    ("--wide",),
    "wide",
    "On a terminal, print each row on one line instead of fitting the table to its width.",
    kind="flag",
)
_RESULT_FORMAT = Option(
    ("--format",),
    "fmt",
    "table/md for people; json, xml, csv, tsv are the W3C SPARQL result formats; "
    "turtle/ntriples for CONSTRUCT and DESCRIBE. Default: what the -o file's extension "
    "says (.csv, .tsv, .json, .xml, .md, .ttl, .nt), else table.",
    choices=names(ANSWERS, GRAPH, command_line=True),
)
_ENDPOINT = (
    Option(
        ("--endpoint",),
        "endpoint",
        "Run on this SPARQL 1.1 endpoint instead of the embedded graph. Credentials come "
        "from HKIT_ENDPOINT_USER and HKIT_ENDPOINT_PASSWORD, or HKIT_ENDPOINT_TOKEN. "
        "Env: HKIT_ENDPOINT.",
        envvar=ENV_ENDPOINT,
        metavar="URL",
    ),
    Option(
        ("--default-graph",),
        "default_graphs",
        "With --endpoint: a graph of the query's default graph (default-graph-uri); "
        "repeatable, the graphs are merged.",
        multiple=True,
        metavar="IRI",
    ),
)

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "queries",
            options=(
                Option(("--tag",), "tag", "Only queries with this tag."),
                Option(
                    ("--format",),
                    "fmt",
                    "md: the Markdown catalogue that the README includes.",
                    choices=("table", "json", "md"),
                    default="table",
                    show_default=True,
                ),
            ),
            fast=True,
        ),
        Command("show", arguments=(Argument("name", complete="names"),)),
        Command(
            "query",
            arguments=(Argument("name", complete="names"),),
            options=(
                Option(
                    ("-p", "--param"),
                    "params",
                    "A parameter value; repeat a name to bind several values.",
                    multiple=True,
                    metavar="NAME=VALUE",
                    complete="params",
                ),
                _RESULT_FORMAT,
                _OUTPUT,
                Option(
                    ("--with-sources",),
                    "with_sources",
                    "Add a column naming every document that any entity in the row cites (a "
                    "query's own 'source' column is the document of the row's fact).",
                    kind="flag",
                ),
                Option(
                    ("--show",),
                    "show",
                    "Show the query's metadata and text instead of running it.",
                    kind="flag",
                ),
                _WIDE,
                Option(
                    ("--file-names",),
                    "file_names",
                    "In table and md, show source documents by file name instead of by name and "
                    "date.",
                    kind="flag",
                ),
                *_ENDPOINT,
            ),
            fast=True,
        ),
        Command(
            "sparql",
            arguments=(Argument("query", required=False),),
            options=(
                Option(("-f", "--file"), "file", "Read the query from FILE.", kind="file"),
                _RESULT_FORMAT,
                _OUTPUT,
                _WIDE,
                *_ENDPOINT,
            ),
        ),
        Command(
            "describe",
            arguments=(Argument("text_or_iri"),),
            options=(
                report_format(
                    "describe",
                    "json: {iri, label, types, alt_labels, notes, outgoing, incoming, figures, "
                    "sources}.",
                ),
            ),
        ),
        Command(
            "cache",
            options=(
                Option(
                    ("--verify",),
                    "verify",
                    "Open and read every store; exit 1 if one fails.",
                    kind="flag",
                ),
                Option(
                    ("--clear",),
                    "clear",
                    "Remove every store (they are rebuilt when needed).",
                    kind="flag",
                ),
            ),
        ),
        Command(
            "stats",
            options=(
                report_format(
                    "stats",
                    "json: {triples, per_class: [[class, n]...], per_source: [[file, n]...]}.",
                ),
            ),
        ),
        Command(
            "export",
            options=(
                Option(
                    ("--format",),
                    "fmt",
                    "nquads and trig keep the named graphs (the ontology, the data); the others "
                    "hold their union. Default: what the -o file's extension says (.ttl, .nt, "
                    ".nq, .trig, .jsonld/.json, .rdf/.owl/.xml), else turtle.",
                    choices=names(EXPORT, command_line=True),
                ),
                _OUTPUT,
            ),
        ),
        Command(
            "review",
            options=(
                report_format(
                    "review",
                    "json: an object with a 'findings' array of {severity, check, term, label, "
                    "message}. Default: what the -o file's extension says (.md, .json), else "
                    "text.",
                    default=None,
                ),
                Option(
                    ("--fail-on",),
                    "fail_on",
                    "Exit 1 when a finding of this severity or worse is not explained.",
                    choices="hkit.api:SEVERITIES",
                    default="error",
                    show_default=True,
                ),
                _OUTPUT,
            ),
        ),
        Command(
            "docs",
            options=(
                Option(
                    ("-o", "--output"),
                    "output",
                    "The folder to write the pages into.",
                    metavar="DIR",
                    required=True,
                ),
            ),
        ),
        Command(
            "diff",
            arguments=(Argument("old", kind="file"), Argument("new", kind="file")),
            options=(
                report_format(
                    "diff",
                    "md: for a pull request or a changelog; json: {added, removed, changed, "
                    "axioms_added, axioms_removed}.",
                ),
            ),
        ),
        Command(
            "validate",
            options=(
                report_format(
                    "validate",
                    "text: grouped by shape and node, with labels; json; ttl: the W3C SHACL "
                    "report graph. Default: what the -o file's extension says (.json, .ttl), "
                    "else text.",
                    default=None,
                ),
                Option(
                    ("--shapes",),
                    "shapes",
                    "Validate against these shapes (default: ontology/shapes.ttl).",
                    metavar="FILE",
                ),
                _OUTPUT,
            ),
        ),
        Command(
            "reason",
            options=(
                Option(
                    ("--timeout",),
                    "timeout",
                    "Seconds the reasoner may run (default: the global --timeout).",
                    kind="seconds",
                ),
                report_format("reason", "text for people, json for programs."),
            ),
        ),
        Command(
            "serve",
            options=(
                Option(
                    ("--host",),
                    "host",
                    "The address to listen on; anything but this machine's loopback is warned "
                    "about.",
                    default="127.0.0.1",
                    show_default=True,
                ),
                Option(
                    ("--port",),
                    "port",
                    "The port to listen on.",
                    kind="port",
                    default=7878,
                    show_default=True,
                ),
                Option(
                    ("--cors",),
                    "cors",
                    "Allow pages from this origin to query the server from a browser (no CORS "
                    "otherwise).",
                    metavar="ORIGIN",
                ),
                Option(
                    ("--allow-host",),
                    "allow_hosts",
                    "Answer requests that name this host (the Host header) as well as the "
                    "bound address and this machine's loopback names; repeatable.",
                    metavar="HOST",
                    multiple=True,
                ),
                Option(
                    ("--max-queries",),
                    "max_queries",
                    "Queries that may run at once; sixteen times as many wait for a turn, and "
                    "beyond that a request is answered 503.",
                    kind="count",
                    default=4,
                    show_default=True,
                ),
                Option(
                    ("--max-rows",),
                    "max_rows",
                    "The largest answer sent, in rows; a larger one is refused (413).",
                    kind="count",
                    default=10000,
                    show_default=True,
                ),
                Option(
                    ("--max-bytes",),
                    "max_bytes",
                    "The largest answer sent, in bytes of its values; a larger one is refused "
                    "(413).",
                    kind="count",
                    default=16000000,
                    show_default=True,
                ),
                Option(
                    ("--request-timeout",),
                    "request_timeout",
                    "Seconds a connection has to send a whole request, from when it opens or "
                    "its last answer; then it is closed.",
                    kind="seconds",
                    default=5.0,
                    show_default=True,
                ),
            ),
        ),
        Command(
            "check",
            options=(
                Option(
                    ("--skip",),
                    "skip",
                    "Leave out a gate; repeatable.",
                    choices="hkit.api:GATES",
                    multiple=True,
                ),
                report_format(
                    "check",
                    "text: the summary table, then the problems; json for programs.",
                ),
                Option(
                    ("--list",),
                    "list_checks",
                    "List the violation checks and stop.",
                    kind="flag",
                ),
            ),
        ),
    )
}


def defaults(options: Sequence[Option]) -> dict[str, object]:
    """Each option's value when it is not given (environment variables included)."""
    import os

    values: dict[str, object] = {}
    for option in options:
        if option.multiple:
            values[option.dest] = ()
        elif option.kind == "flag":
            values[option.dest] = False
        else:
            given = os.environ.get(option.envvar) if option.envvar else None
            values[option.dest] = given or option.default
    return values


def seconds(text: str) -> float | None:
    """A number of seconds above 0 (finite), or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not value > 0 or value == float("inf"):
        return None
    return value


def parse(
    options: Sequence[Option], arguments: Sequence[Argument], args: list[str]
) -> dict[str, object] | None:
    """Parse ``args`` against a command's grammar: ``(values, [])`` with every parameter's value,
    or None when the arguments need click (an unknown option, a value outside its choices, a
    missing value, ``--help``, ``--``): click then parses them again and gives its error or its
    answer. The grammar is click's: ``--long V``, ``--long=V``, ``-s V``, ``-sV``, flags,
    repeatable options, and options before, between or after the arguments. (One loop over the
    tokens, longer than most functions: click's grammar is one state machine.)"""
    values = defaults(options)
    by_flag = {flag: option for option in options for flag in option.flags}
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--" or token in ("-h", "--help"):
            return None
        if not token.startswith("-") or token == "-":
            positional.append(token)
            i += 1
            continue
        flag, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        option = by_flag.get(flag)
        if option is None and not token.startswith("--") and len(token) > 2:
            option, inline, eq = by_flag.get(token[:2]), token[2:], "="
        if option is None:
            return None
        if option.kind == "flag":
            if eq:
                return None
            values[option.dest] = True
            i += 1
            continue
        if eq:
            value, i = inline, i + 1
        elif i + 1 < len(args):
            value, i = args[i + 1], i + 2
        else:
            return None
        if option.choices and value not in choices_of(option):
            return None
        if option.kind == "seconds":
            number = seconds(value)
            if number is None:
                return None
            values[option.dest] = number
        elif option.kind in ("count", "port"):
            if not value.isdigit() or not 1 <= int(value) <= (
                65535 if option.kind == "port" else 10**9
            ):
                return None
            values[option.dest] = int(value)
        elif option.multiple:
            values[option.dest] = (*values[option.dest], value)  # type: ignore[misc]
        else:
            values[option.dest] = value
    required = [a for a in arguments if a.required]
    if not len(required) <= len(positional) <= len(arguments):
        return None
    for argument, value in zip(arguments, positional, strict=False):
        values[argument.dest] = value
    for argument in arguments[len(positional) :]:
        values[argument.dest] = None
    if any(o.required and values[o.dest] is None for o in options):
        return None
    return values
