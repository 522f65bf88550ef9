"""hkit's own prefixes in a user's query: declared for it where it uses them without declaring
them (:func:`with_prefixes`), a prefix nobody declares refused by name (:func:`check_prefixes`),
and an engine's syntax error placed in the lines the user wrote (:func:`unshifted`).

The declarations hkit adds go on one line of their own before the query, ended by the comment
:data:`ADDED`, so that the query's own lines keep their numbers less one, and every position
said to the user is counted in the query as they wrote it.
"""

from __future__ import annotations

import re

from hkit.core.errors import QueryError
from hkit.core.sparql import DECLARED, blank, remembered, verdict_remembered, written_position
from hkit.core.vocab import PREFIXES

#: The comment that ends the line of declarations :func:`with_prefixes` puts before a query.
ADDED = "# declared by hkit"

#: A use of one of hkit's prefixes (``hkit:``, ``id:``...): one pass over a text finds them all.
_HKIT_PREFIX = re.compile(
    r"(?<![\w?$.-])(" + "|".join(re.escape(p) for p in sorted(PREFIXES, key=len)[::-1]) + "):"
)


def with_prefixes(text: str) -> str:
    """The query with PREFIX declarations for hkit's own prefixes (``id:``, ``hkit:``,
    ``schema:``...) that it uses but does not declare, so that what hkit prints can be pasted
    into a query. A prefix the query declares itself is left as it is. The declarations take
    one line, before the query's first (see :func:`unshifted`).

    >>> print(with_prefixes("SELECT ?x WHERE { ?x a hkit:Plan }"))
    PREFIX hkit: <https://w3id.org/hkit/ontology#> # declared by hkit
    SELECT ?x WHERE { ?x a hkit:Plan }
    >>> with_prefixes("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    """

    missing = _missing_prefixes(text)
    return f"{missing}{ADDED}\n{text}" if missing else text


def _missing_prefixes_scan(text: str) -> str:
    body = blank(text)
    declared = {m.group(1) or "" for m in DECLARED.finditer(body)}
    used = {m.group(1) for m in _HKIT_PREFIX.finditer(body)} - declared
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in PREFIXES if p in used)


_missing_prefixes = remembered(_missing_prefixes_scan)


def added(text: str) -> int:
    """How many characters of ``text`` :func:`with_prefixes` put before the query: its line of
    declarations and the line's end (the very line it puts before the rest), or 0."""
    first, newline, rest = text.partition("\n")
    if newline and first.endswith(ADDED):
        missing = _missing_prefixes(rest)
        if missing and first == missing + ADDED:
            return len(first) + 1
    return 0


_USED = re.compile(r"(?<![\w?$:./#-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?=[\w%\\]|\s|$)")


@verdict_remembered
def check_prefixes(text: str, where: str = "the query") -> None:
    """Refuse a query that uses a prefix it does not declare, naming the prefix and where it is
    in the query as written (the engine's own message is a list of what it expected instead):
    its lines counted from the query's own first, its columns in the text with its escapes
    (``\\u0041``) as written."""

    body = blank(text)
    declared = {m.group(1) or "" for m in DECLARED.finditer(body)}
    start = added(text)
    for match in _USED.finditer(body, start):
        prefix = match.group(1) or ""
        if prefix in declared or prefix == "_":
            continue
        at = written_position(text, match.start())
        line = text.count("\n", start, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1

        known = ", ".join(f"{p}:" for p in PREFIXES)
        raise QueryError(
            f"{where} uses the prefix '{prefix}:' (line {line}, column {column}) "
            "but does not declare it",
            hint=f"add PREFIX {prefix}: <...> (hkit declares these itself: {known})",
        )


#: Where an engine's syntax error names a line, each wording where its own words are rather
#: than in the query's text it may quote, tried in this order and the first found taken:
#: Virtuoso's "SPARQL compiler, line LINE:" (before the tokens it quotes); rdflib's
#: (pyparsing's) "(at char OFFSET), (line:LINE, col:COLUMN)" and RDF4J's (GraphDB's) "at line
#: LINE, column COLUMN." at the end of the message (after the token quoted); Oxigraph's first
#: "error at LINE:COLUMN".
_WORDINGS = (
    re.compile(r"(?<=SPARQL compiler, line )(\d+)(?=:)"),
    re.compile(r"(?<=\(at char )(\d+)\), \(line:(\d+)(?=, col:\d+\)\s*$)"),
    re.compile(r"(?<=at line )(\d+)(?=, column \d+\.?\s*$)"),
    re.compile(r"(?<=error at )(\d+)(?=:\d+)"),
)


def unshifted(message: str, text: str) -> str:
    """An engine's syntax error ``message`` about ``text``, its position counted in the query
    as the user wrote it when :func:`with_prefixes` added a line before it (a position within
    that line is left as it is).

    >>> text = with_prefixes("SELECT * WHERE { ?s hkit:name ?o . ?s ?p }")
    >>> unshifted("error at 2:42: expected one of LATERAL, SERVICE", text)
    'error at 1:42: expected one of LATERAL, SERVICE'
    >>> unshifted("Virtuoso 37000 Error SP030: SPARQL compiler, line 2: syntax error", text)
    'Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error'
    """
    before = added(text)
    if not before:
        return message

    def back(found: re.Match[str]) -> str:
        if found.lastindex == 2:  # rdflib's: the offset, then the line
            offset, line = int(found.group(1)), int(found.group(2))
            if offset < before:  # within hkit's line
                return found.group(0)
            return f"{offset - before}), (line:{line - 1}"
        line = int(found.group(1))
        return str(line - 1) if line > 1 else found.group(0)

    for wording in _WORDINGS:
        if wording.search(message):
            return wording.sub(back, message, count=1)
    return message
