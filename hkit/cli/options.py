"""The command line, declared once: every command's help, arguments and options, their types,
choices and defaults. The click command line (hkit.cli.group) is built from this table, and the
fast lane (hkit.cli.fast) parses the commands it runs with it, so neither copies the other.

A new command is one entry in :data:`COMMANDS`, its work (the function of the same name in
hkit.cli.commands) and the library function that work calls: nothing else registers it.

The choices of ``--format`` come from the format registry (hkit.core.formats); other choices
that a registry of the library defines (gates, severities) name that registry
(``"hkit.api:GATES"``) and are read from it when needed. This module imports nothing beyond the
standard library, that registry and hkit.core.limits: the fast lane reads it at start-up.
"""

from __future__ import annotations

from collections import namedtuple

from hkit.core.formats import ANSWERS, EXPORT, GRAPH, REPORT, names
from hkit.core.limits import DEFAULT_TIMEOUT


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


class Command(namedtuple("Command", "name help arguments options fast", defaults=((), (), False))):
    """A command: its name, its help (as ``hkit NAME --help`` shows it; the start of its first
    paragraph is its line in ``hkit --help``), its arguments and options, and whether the fast
    lane runs it. Both lanes run the function of the same name in hkit.cli.commands."""

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
#: Environment variable: the folder of the source documents that the claims ledger accounts for.
ENV_SOURCES = "HKIT_SOURCES"

#: What ``hkit --help`` says before its options and commands.
PROGRAM_HELP = """hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

    The graph is an OWL ontology, SHACL shapes and Turtle data, every fact traced to the
    document it came from. Saved queries answer the common questions.

    Example:

        hkit query funds-by-size
    """

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
    "table/md for people; json, xml, csv, tsv are the W3C SPARQL result formats; xlsx and "
    "parquet for spreadsheets and data frames (to a file); turtle/ntriples for CONSTRUCT and "
    "DESCRIBE. Default: what the -o file's extension says (.txt, .csv, .tsv, .json, .xml, .md, "
    ".xlsx, .parquet, .ttl, .nt), else table.",
    choices=names(ANSWERS, GRAPH, command_line=True),
)
_ASSERTED = Option(
    ("--asserted",),
    "asserted",
    "Only what the documents state: leave out what the ontology entails (a university is an "
    "organisation, a transitive or inverse link, a property chain).",
    kind="flag",
)
_SOURCES = Option(
    ("--sources",),
    "sources",
    "The folder of the source documents (default: shared/sources beside the root folder). "
    "Env: HKIT_SOURCES.",
    envvar=ENV_SOURCES,
    metavar="DIR",
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
            help="""List the saved queries.

            Example:

                hkit queries --tag funding
            """,
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
        Command(
            "show",
            help="""Show a saved query's metadata and text.

            Example:

                hkit show funds-by-size
            """,
            arguments=(Argument("name", complete="names"),),
        ),
        Command(
            "query",
            help="""Run a saved query, on the embedded graph or on a SPARQL endpoint.

            Example:

                hkit query unicorns-by-sector -p sector=fintech --with-sources

                hkit query funds-by-size --endpoint http://localhost:8890/sparql
                --default-graph https://w3id.org/hkit/ontology --default-graph https://w3id.org/hkit/data
            """,
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
                _ASSERTED,
                *_ENDPOINT,
            ),
            fast=True,
        ),
        Command(
            "sparql",
            help="""Run an ad-hoc read-only SPARQL query.

            Example:

                hkit sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
            """,
            arguments=(Argument("query", required=False),),
            options=(
                Option(("-f", "--file"), "file", "Read the query from FILE.", kind="file"),
                _RESULT_FORMAT,
                _OUTPUT,
                _WIDE,
                _ASSERTED,
                *_ENDPOINT,
            ),
        ),
        Command(
            "describe",
            help="""Everything about one entity: labels, types, relations, figures, sources.

            TEXT_OR_IRI is a label or alternative label (any case; a part of one also matches), an
            IRI, or id:slug. When several entities match, they are listed. What the ontology
            entails and no document states comes last, marked "inferred", without a source.

            Example:

                hkit describe HKSTP
            """,
            arguments=(Argument("text_or_iri"),),
            options=(
                report_format(
                    "describe",
                    "json: {iri, label, types, alt_labels, notes, outgoing, incoming, figures, "
                    "sources, inferred: {types, outgoing, incoming}}; inferred is null with "
                    "--asserted.",
                ),
                _ASSERTED,
            ),
        ),
        Command(
            "cache",
            help="""The on-disk stores hkit keeps for large inputs: where, how big, built from which
            files.

            A store is rebuilt whenever one of its files changes; --verify reads each one in full,
            and --clear removes them all.

            Example:

                hkit cache --verify
            """,
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
            help="""Triples, entities per class, and nodes per source document.

            Triples and entities are counted as the documents state them (asserted) and with
            what the ontology entails (a university is an organisation); --asserted counts the
            first alone.

            Example:

                hkit stats
            """,
            options=(
                report_format(
                    "stats",
                    "json: {triples, inferred, per_class: [[class, asserted, entailed]...], "
                    "per_source: [[file, n]...]}: triples are the asserted ones; inferred and "
                    "entailed are null with --asserted.",
                ),
                _ASSERTED,
            ),
        ),
        Command(
            "export",
            help="""Write the ontology and the data (and any --data files) for another triple store.

            The output is deterministic (the same bytes on every run) and lossless (every literal
            exactly as written). In TriG, N-Quads and JSON-LD the ontology is in the graph
            <https://w3id.org/hkit/ontology> and the data in <https://w3id.org/hkit/data>.

            Example:

                hkit export -o hkit.nq
            """,
            options=(
                Option(
                    ("--format",),
                    "fmt",
                    "nquads, trig and jsonld keep the named graphs (the ontology, the data); the "
                    "others hold their union. Default: what the -o file's extension says (.ttl, "
                    ".nt, .nq, .trig, .jsonld/.json, .rdf/.owl/.xml), else turtle.",
                    choices=names(EXPORT, command_line=True),
                ),
                _OUTPUT,
                Option(
                    ("--inferred",),
                    "inferred",
                    "Add what the ontology entails (in nquads and trig, in the graph "
                    "<https://w3id.org/hkit/inferred>), for a store that does not reason.",
                    kind="flag",
                ),
            ),
        ),
        Command(
            "review",
            help="""The ontology quality report: ROBOT report's checks, OOPS! pitfalls, terms the
            data and saved queries use but the ontology does not declare (and the reverse),
            alignment coverage.

            Findings explained in ontology/review-notes.tsv are listed apart and do not fail.

            Example:

                hkit review --fail-on warn
            """,
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
            help="""Write HTML documentation of the ontology that opens from disk: metadata, every
            class and property with examples from the data, the concept schemes, the saved queries
            as competency questions, and a diagram (Graphviz dot when installed).

            Example:

                hkit docs --output site && xdg-open site/index.html
            """,
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
            help="""The terms and axioms added, removed and changed between two versions of an
            ontology, each change classed breaking or additive: for a pull request.

            OLD and NEW are files, or git refs whose ontology/hkit.ttl is read from the root's
            repository. Breaking: terms removed, renamed or deprecated, types changed, domains or
            ranges narrowed, parents removed, axioms removed, disjointness added. Renames are
            found through dcterms:isReplacedBy and by a definition kept under a new IRI. Warns
            when owl:versionInfo and owl:versionIRI are unchanged although the ontology changed,
            and lists the data files and saved queries that use a removed, renamed or deprecated
            term. Exit 1 when the changes fail --fail-on, 2 when a version cannot be read.

            Example:

                hkit diff origin/main HEAD --format md
            """,
            arguments=(Argument("old"), Argument("new")),
            options=(
                report_format(
                    "diff",
                    "md: for a pull request or a changelog; json: {added, removed, changed, "
                    "axioms_added, axioms_removed, changes, renamed, version, warnings, uses}.",
                ),
                Option(
                    ("--fail-on",),
                    "fail_on",
                    "Exit 1 on breaking changes, on any change, or never.",
                    choices="hkit.api:DIFF_FAIL_ON",
                    default="breaking",
                    show_default=True,
                ),
            ),
        ),
        Command(
            "validate",
            help="""Check the ontology, the data and any --data files against the SHACL shapes.

            Exit 0 when the graph conforms, 1 when there are violations, 2 when it cannot run.

            Example:

                hkit --data mine.ttl validate --format json
            """,
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
            help="""Run the OWL 2 reasoner (HermiT, through owlready2) on the ontology and the data.

            Reports consistency, unsatisfiable classes, the class memberships and subclass axioms it
            infers that are not asserted, and the literals it had to set aside (xsd:date and other
            types outside the OWL 2 datatype map, which SHACL checks instead). Needs Java. Exit 0
            when consistent with every class satisfiable, 1 when not, 2 when the reasoner cannot
            run.

            Example:

                hkit reason --timeout 120
            """,
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
            help="""Serve the graph on the web, read-only: a SPARQL 1.1 endpoint at /sparql (an
            editor in a browser), the saved queries as an API at /api/queries (described at
            /api/openapi.json), and pages to browse: a home page with search, a page per saved
            query, class (/classes/NAME), entity (/id/NAME) and source document (/sources/NAME),
            and the ontology's documentation at /ontology. Needs the serve extra: pip install
            'hkit[serve]'.

            Example:

                hkit serve --port 7878
            """,
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
                    ("--workers",),
                    "workers",
                    "Worker processes that run the queries, each holding the graph (default: "
                    "one per core); a query that outlasts --timeout or the query memory limit "
                    "ends its worker, and a fresh one takes its place.",
                    kind="count",
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
                Option(
                    ("--asserted",),
                    "asserted",
                    "Serve only what the documents state, leaving out what the ontology entails "
                    "(a request can also ask for that alone: infer=false).",
                    kind="flag",
                ),
            ),
        ),
        Command(
            "check",
            help="""Run every quality gate: strict parse, SHACL, the reasoner, the violation checks,
            the claims ledger, the version.

            The violation checks are the SPARQL queries in queries/checks/*-violation.rq. The global
            --timeout bounds each check query and the reasoner. The ledger gate holds
            data/claims.tsv against the source documents (see hkit ledger --help); it is skipped
            when their folder is not found. The version gate compares the ontology with its latest
            release in releases/. Exit 0 when every gate passes, 1 when one fails, 2 when one
            cannot run.

            Example:

                hkit check --skip reason
            """,
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
                _SOURCES,
            ),
        ),
        Command(
            "ledger",
            help="""The claims ledger: every sentence of every source document, with the nodes that
            encode its claims or the reason it has none (data/claims.tsv, data/claims.md).

            Lists, document by document, each sentence with neither nodes nor a reason, each
            reason not of the list below, each row whose sentence is no longer in its document,
            and each node that does not exist or does not cite the row's document. Exit 0 when
            none is found, 1 when one is, 2 when it cannot run.

            --add FILE registers a new document of the sources folder: a row to fill for each of
            its sentences is added to data/claims.tsv, and the node to add to data/sources.ttl is
            printed with placeholders to fill in from the document. A document already in the
            ledger is refused.

            A reason is "kind" or "kind: detail", the kind one of these (data/claims.md):

            \b
              heading, navigation, page furniture, photo caption, pull quote
              repeat of sentence N   N: the sentence it repeats, counting the document's
                                     distinct sentences from 1
              evaluation with nothing to check
              general statement with nothing checkable
              not encoded: CLAIM     a checkable claim no node encodes yet: listed as work
                                     to do, not failing

            Example:

                hkit ledger --add 004_5f0e1d2c3b4a6978.txt
            """,
            options=(
                Option(
                    ("--add",),
                    "add",
                    "Register this document (in the sources folder) and print its node's stub.",
                    kind="file",
                    metavar="FILE",
                ),
                _SOURCES,
                report_format("ledger", "text: the counts, then the findings; json for programs."),
            ),
        ),
    )
}
