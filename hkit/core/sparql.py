"""SPARQL text: what the query says once comments, strings and IRIs are set aside, whether it is
read-only, and its form (SELECT, ASK, CONSTRUCT, DESCRIBE); and the one way a value goes into a
query: written as an RDF term (:func:`literal`, :func:`iri`) and bound in a ``VALUES`` block
(:func:`with_values`), never pasted into the text.

The scan follows SPARQL 1.1's lexical rules, in linear time:

- codepoint escapes (``\\u0023``, ``\\U00000023``) are replaced before anything else, as SPARQL
  processors do before parsing, so ``<http://x/\\u003e`` and ``"\\u0022`` are read as the engines
  read them;
- an IRI (``<...>``), a string in any of its four quotings, or a comment is blanked out;
- ``#`` starts a comment only outside IRIs, strings and escapes: in a prefixed name's local part
  ``\\#`` is an escaped character (``ex:a\\#b``), not a comment.

>>> check_read_only("SELECT * WHERE { ?s ?p ?o }")
>>> try:
...     check_read_only("SELECT * { ?s ?p e:a\\\\# } SERVICE <http://127.0.0.1/> { ?s ?p ?o } }")
... except Exception as exc:
...     print(exc.message)
the query uses SERVICE, which hkit does not allow
>>> query_form("PREFIX ex: <http://example.org/> # SELECT\\nASK { ?s ?p ?o }")
'ASK'
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

from hkit.core.errors import QueryError
from hkit.core.vocab import expand

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

#: What the scanner sets aside, tried at each position in this order.
_TOKEN = re.compile(
    r"""
      <[^<>"{}|^`\\\x00-\x20]*>             # an IRI
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"   # a long string in double quotes
    | '''(?:[^'\\]|\\.|'(?!''))*'''         # a long string in single quotes
    | "(?:[^"\\\n\r]|\\.)*"                 # a string in double quotes
    | '(?:[^'\\\n\r]|\\.)*'                 # a string in single quotes
    | \#[^\n\r]*                            # a comment
    | \\.                                   # an escaped character in a prefixed name
    """,
    re.VERBOSE | re.DOTALL,
)

#: Keywords of updates and of what reaches outside the graph.
#: (Looked for anywhere in :func:`bare` text: an engine reads a keyword glued to what comes
#: before or after it.)
_FORBIDDEN = re.compile(
    r"SERVICE|LOAD|INSERT|DELETE|CLEAR|DROP|CREATE|COPY|MOVE|ADD|FROM|WITH", re.I
)
_FORM = re.compile(r"SELECT|ASK|CONSTRUCT|DESCRIBE", re.I)


def expand_escapes(text: str) -> str:
    """The text with SPARQL's codepoint escapes replaced by their characters (an escape of a
    character that cannot be in a string, such as a lone surrogate, is left as it is)."""
    return _CODEPOINT.sub(_character, text) if "\\" in text else text


def written_position(text: str, at: int) -> int:
    """Where position ``at`` of ``text`` with its escapes expanded (:func:`expand_escapes`) is
    in ``text`` as written."""
    shift = 0
    for match in _CODEPOINT.finditer(text):
        if match.start() - shift >= at:
            break
        shift += len(match.group(0)) - len(_character(match))
    return at + shift


def _character(match: re.Match[str]) -> str:
    """The character a codepoint escape names (its digits: the match's one group that took
    part), or the escape as it is when no string can hold that character."""
    code = int(next(digits for digits in match.groups() if digits), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _spaces(token: str) -> str:
    """``token`` as spaces, its newlines kept (a server checks every request's text: this is
    most of the checks' time, so the common case, no newline, is a multiplication)."""
    if "\n" not in token:
        return " " * len(token)
    return _NOT_NEWLINE.sub(" ", token)


#: Texts up to this many characters have their scans remembered (:func:`remembered`).
_MEMO_CHARS = 1 << 16


def remembered(scan: Callable[..., Any]) -> Callable[..., Any]:
    """``scan`` (a pure function of a text and other arguments), its last 64 results on texts
    of at most :data:`_MEMO_CHARS` characters remembered: one query is scanned by several checks
    (bounded, read-only, prefixes, its form, its order), and a server checks the same texts
    again and again. Each memo holds at most 64 texts and what they gave (a few MB); a longer
    text is scanned each time."""
    memo = lru_cache(maxsize=64)(scan)

    def scanned(text: str, *flags: Any) -> Any:
        return memo(text, *flags) if len(text) <= _MEMO_CHARS else scan(text, *flags)

    scanned.__doc__ = scan.__doc__
    scanned.__name__ = scan.__name__.lstrip("_")
    return scanned


def verdict_remembered(check: Callable[[str, str], None]) -> Callable[..., None]:
    """``check`` (a pure check of a text, raising :class:`QueryError` or not), its verdict on
    the last 64 texts of at most :data:`_MEMO_CHARS` characters remembered, as
    :func:`remembered` remembers a scan; a refusal is raised anew each time."""

    def verdict(text: str, where: str) -> tuple[str, str | None] | None:
        try:
            check(text, where)
        except QueryError as exc:
            return exc.message, exc.hint
        return None

    remembered_verdict = remembered(verdict)

    def checked(text: str, where: str = "the query") -> None:
        found = remembered_verdict(text, where)
        if found is not None:
            raise QueryError(found[0], hint=found[1])

    checked.__doc__ = check.__doc__
    checked.__name__ = check.__name__
    checked.__wrapped__ = check  # type: ignore[attr-defined]
    return checked


def blank(text: str, expand: bool = True) -> str:
    """The text, escapes expanded, with IRIs, strings, comments and escaped characters replaced
    by spaces (newlines kept): what is left is keywords, variables, names and punctuation.
    With ``expand=False`` codepoint escapes stay as they are, so that positions in the result
    are positions in ``text`` (for inserting into it)."""
    return _blank(text, expand)


def _blank_scan(text: str, expand: bool) -> str:
    if expand:
        text = expand_escapes(text)
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(text[last : match.start()])
        out.append(_spaces(match.group(0)))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


_blank = remembered(_blank_scan)


# -- SPARQL's terminals ---------------------------------------------------------------------
#
# What an engine reads as a name is set aside whole (a variable, a blank node's label, a
# prefixed name's local part, a language tag, a string, an IRI, a comment); what is left is
# keywords, numbers, prefixes and punctuation. Engines read a keyword at the start of any run of
# letters (pyoxigraph reads ``SERVICEx`` as SERVICE followed by x, and ``1SERVICE`` or
# ``trueSERVICE`` as a number or boolean followed by SERVICE, as Jena does), so a keyword is
# looked for anywhere in that text, not between word boundaries.

#: The letters of SPARQL's names beyond ASCII (PN_CHARS_BASE's and PN_CHARS' own). Compiling a
#: character class walks every character of its ranges (about 40 ms for the terminals below), so
#: a text that is all ASCII is read with classes cut to their ASCII part (:func:`_terminals`),
#: which match the same characters there, and the full pattern is compiled when a text needs it.
_WIDE_BASE = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_WIDE_MORE = "\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"


def _terminal_pattern(wide: bool) -> str:
    """SPARQL's terminals that hold names or text, tried at each position in this order (the
    longest match wins where two could start at one position: a prefixed name before its
    prefix); with ``wide``, names' letters beyond ASCII too."""
    base = "A-Za-z" + (_WIDE_BASE if wide else "")
    chars_u = base + "_"
    more = _WIDE_MORE if wide else ""
    chars = chars_u + "\\-0-9" + more
    varname = f"[{chars_u}0-9][{chars_u}0-9{more}]*"
    pn_prefix = f"[{base}](?:[{chars}.]*[{chars}])?"
    pn_local = f"(?:[{chars_u}:0-9]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?"
    return rf"""
      (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n\r]|\\.)*"
                |'(?:[^'\\\n\r]|\\.)*')
    | (?P<comment>\#[^\n\r]*)
    | (?P<variable>[?$]{varname})
    | (?P<bnode>_:[{chars_u}0-9](?:[{chars}.]*[{chars}])?)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<prefix>(?:{pn_prefix})?:)(?P<local>{pn_local})?
    | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<escape>\\.)
    """


#: The terminals of a text that is all ASCII, and (compiled on first need) of any text.
_TERMINALS = {False: re.compile(_terminal_pattern(False), re.VERBOSE | re.DOTALL)}


def _terminals(text: str) -> re.Pattern[str]:
    """The pattern of SPARQL's terminals that reads ``text``: the ASCII one when it is enough."""
    wide = not text.isascii()
    if wide not in _TERMINALS:
        _TERMINALS[wide] = re.compile(_terminal_pattern(wide), re.VERBOSE | re.DOTALL)
    return _TERMINALS[wide]


def bare(text: str, prefixes: bool = True, expand: bool = True) -> str:
    """The text, codepoint escapes expanded, as an engine reads it with every name and piece of
    text replaced by spaces (newlines kept): IRIs, strings, comments, variables, blank nodes'
    labels, language tags and prefixed names' local parts. A prefix stays unless the query
    declares it (``PREFIX addr:``) and it does not start as FROM or SERVICE do (an engine may
    read ``from:g`` after a query's head as FROM and ``:g``); with ``prefixes=False`` every
    prefix goes. What is left is keywords (glued to numbers, booleans or one another as they may
    be), numbers, undeclared prefixes and punctuation. ``expand=False``: the escapes are taken
    as already expanded.

    >>> bare("?s ?p 1SERVICE <http://x/> . ?s e:FROM 'LOAD'").split()
    ['1SERVICE', '.', 'e:']
    >>> bare("PREFIX addr: <http://a/> SELECT * { ?s addr:street ?o }").split()
    ['PREFIX', 'SELECT', '*', '{', '}']
    """
    if expand:
        text = expand_escapes(text)
    return _bare(text, prefixes)


def _bare_scan(text: str, prefixes: bool) -> str:
    declared = _declared(text) if prefixes else set()
    out: list[str] = []
    last = 0
    for match in _terminals(text).finditer(text):
        kind = match.lastgroup
        if kind == "number":
            continue
        if kind in ("local", "prefix") and prefixes:  # a prefixed name
            name = match.group("prefix")[:-1]
            keep = name not in declared or name.lower().startswith(("from", "service"))
            if keep and kind == "prefix":
                continue
            start = match.start("local") if keep else match.start()
        else:
            start = match.start()
        out.append(text[last:start])
        out.append(_spaces(text[start : match.end()]))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


_bare = remembered(_bare_scan)


def _declared(text: str) -> set[str]:
    """The prefixes a query declares (``PREFIX p:``), read outside strings, IRIs and comments."""
    return {m.group(1) or "" for m in DECLARED.finditer(blank(text, expand=False))}


#: How rdflib's SPARQL parser reads escapes, more loosely than SPARQL: ``\u`` or ``\U``, either
#: case, then 4 or 8 hexadecimal digits (``\U0053`` is S to rdflib, and not an escape to
#: SPARQL). A text that reaches rdflib (SHACL-SPARQL, the rdflib engine) is checked both ways.
_LOOSE_ESCAPE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.I)


def _loose_expand(text: str) -> str:
    return _LOOSE_ESCAPE.sub(_character, text)


@verdict_remembered
def check_read_only(text: str, where: str = "the query") -> None:
    """Refuse updates and what reaches outside the graph (SERVICE, LOAD, FROM, WITH), however
    they are written: raise :class:`hkit.core.errors.QueryError` naming the keyword."""
    readings = [bare(text)]
    if "\\" in text:  # as rdflib reads escapes too
        readings.append(bare(_loose_expand(text), expand=False))
    # searched with its runs of blanks made one space (most of a bare text is blanks, and a
    # keyword holds none): the same matches, found several times faster
    compact = (" ".join(reading.split()) for reading in readings)
    if match := next(filter(None, map(_FORBIDDEN.search, compact)), None):
        raise QueryError(
            f"{where} uses {match.group(0).upper()}, which hkit does not allow",
            hint="queries are read-only and run on hkit's graph only",
        )


#: The deepest nesting of { }, ( ) and [ ] a query may have, and the most chained operators
#: (UNION, ||, &&, and | and / in property paths): the engine's parser recurses on both, and
#: pyoxigraph crashes the process (a segmentation fault) from a few thousand levels.
MAX_DEPTH = 256
MAX_CHAIN = 2000

_OPEN = "{(["
_NOT_BRACKET = re.compile(r"[^{}()\[\]]+")
_CHAIN = re.compile(r"\bUNION\b|\|\||&&|[|/]", re.I)


@verdict_remembered
def check_bounded(text: str, where: str = "the query") -> None:
    """Refuse a query nested deeper than :data:`MAX_DEPTH` or with more than :data:`MAX_CHAIN`
    chained operators, before any parser sees it (both would crash the engine's parser)."""
    body = blank(text)
    steps = (1 if char in _OPEN else -1 for char in _NOT_BRACKET.sub("", body))
    deepest = max(accumulate(steps), default=0)
    if deepest > MAX_DEPTH:
        raise QueryError(
            f"{where} is nested {deepest} levels deep; hkit allows {MAX_DEPTH}",
            hint="flatten the query: deeper nesting can crash the SPARQL parser",
        )
    chained = sum(1 for _ in _CHAIN.finditer(body))
    if chained > MAX_CHAIN:
        raise QueryError(
            f"{where} chains {chained} operators (UNION, ||, &&, path | and /); "
            f"hkit allows {MAX_CHAIN}",
            hint="use VALUES or IN ( ... ) for long lists of alternatives",
        )


def check_query(text: str, where: str = "the query") -> None:
    """Everything hkit requires of a query before it runs anywhere: bounded (see
    :func:`check_bounded`) and read-only (see :func:`check_read_only`)."""
    check_bounded(text, where)
    check_read_only(text, where)


DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*$", re.I)
_NAME = re.compile(
    r"(?<![\w?$:.#-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:((?:[\w%:-]|\.(?=[\w%:-]))*)", re.UNICODE
)
_A = re.compile(r"(?<![\w?$:])a(?![\w:-])")


def iris_in(text: str) -> set[str]:
    """Every IRI a query names: written in full (``<...>``, namespaces declared by PREFIX
    aside) or as a prefixed name, resolved by the query's own declarations, and ``rdf:type``
    where ``a`` stands for it; strings and comments are set aside as SPARQL reads them.

    >>> sorted(iris_in("PREFIX e: <http://e/> SELECT ?s { ?s a e:C ; <http://e/p> 'e:no' }"))
    ['http://e/C', 'http://e/p', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type']
    """
    text = expand_escapes(text)
    found: set[str] = set()
    prefixes: dict[str, str] = {}
    last = 0
    rest: list[str] = []
    for match in _TOKEN.finditer(text):
        before = text[last : match.start()]
        rest.append(before)
        token = match.group(0)
        if token.startswith("<"):
            declaration = _PREFIX_DECLARATION.search("".join(rest[-2:]))
            if declaration:
                prefixes[declaration.group(1) or ""] = token[1:-1]
            else:
                found.add(token[1:-1])
        rest.append(" " * len(token) if token.startswith("<") else " ")
        last = match.end()
    rest.append(text[last:])
    body = "".join(rest)
    body = DECLARED.sub(" ", body)
    for name in _NAME.finditer(body):
        prefix, local = name.group(1) or "", name.group(2)
        if prefix in prefixes:
            found.add(prefixes[prefix] + local)
    if _A.search(body):
        found.add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return found


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword outside comments, strings and
    IRIs (SELECT when there is none, so that the engine reports the syntax error)."""
    match = _FORM.search(bare(text, prefixes=False))
    return match.group(0).upper() if match else "SELECT"


# -- values into queries ------------


def quoted(text: str) -> str:
    """``text`` as a quoted string of N-Triples, Turtle and SPARQL (backslash, quote, line breaks
    and tabs escaped): for writing a graph's literal out.

    >>> print(quoted('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def literal(
    text: str, what: str = "a value", lang: str | None = None, datatype: str | None = None
) -> str:
    """A value that a person gave, as a SPARQL literal to bind. A backslash is refused, not
    escaped: SPARQL reads ``\\u`` escapes before anything else, so no escaping of it is safe on
    every engine; so are control characters. ``what`` names the value in the error.

    >>> literal("Hong Kong", lang="en")
    '"Hong Kong"@en'
    """

    if "\\" in text:
        raise QueryError(
            f"{what}: text values may not contain a backslash",
            hint="SPARQL reads \\u escapes first, so a backslash could change the query",
        )
    if any(ord(c) < 0x20 and c not in "\n\r\t" for c in text):
        raise QueryError(f"{what}: text values may not contain control characters")
    term = quoted(text)
    if lang:
        return f"{term}@{lang}"
    return f"{term}^^<{datatype}>" if datatype else term


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")


def iri(value: str, what: str = "a value") -> str:
    """An IRI (full, in angle brackets, or compact: ``id:innohk``) as a SPARQL term, or a
    :class:`hkit.core.errors.QueryError` when it is not one.

    >>> iri("id:innohk")
    '<https://w3id.org/hkit/id/innohk>'
    """
    import pyoxigraph

    value = expand(value.strip().removeprefix("<").removesuffix(">"))
    try:
        checked = pyoxigraph.NamedNode(value).value  # RFC 3987, as the engine reads it
    except ValueError:
        raise QueryError(f"{what}: '{value}' is not an IRI") from None
    if not _IRI.fullmatch(checked):
        raise QueryError(f"{what}: '{value}' is not an IRI")
    return f"<{checked}>"


def with_values(text: str, bound: dict[str, list[str]]) -> str:
    """The query text with ``bound`` (SPARQL terms by variable name) as ``VALUES`` blocks, first
    in the outermost ``WHERE`` group, so that every engine binds them the same way; and first in
    each branch of a ``UNION`` at the top of that group too. That gives the same answer (a join
    distributes over a union) and lets an engine that joins a binding with a ``UNION`` only after
    reading the whole ``UNION`` (Oxigraph does) start each branch from the bound value instead.
    A subquery that names a bound variable has it bound first in its own ``WHERE`` group as well
    (a subquery's variables are its own: the parameter is a constant of the whole text), so that
    a test of a parameter can be made once per row of a small subquery rather than once per row
    of the whole answer.

    >>> with_values("SELECT ?l WHERE { ?s rdfs:label ?l }", {"s": [iri("id:innohk")]})
    'SELECT ?l WHERE { VALUES ?s { <https://w3id.org/hkit/id/innohk> }  ?s rdfs:label ?l }'
    >>> print(with_values("SELECT * WHERE {{?s ?p 2} UNION {2 ?p ?s}}", {"s": ["1"]}))
    SELECT * WHERE { VALUES ?s { 1 } { VALUES ?s { 1 } ?s ?p 2} UNION { VALUES ?s { 1 } 2 ?p ?s}}
    >>> print(with_values("SELECT * WHERE { ?x ?p ?o { SELECT ?x { ?x ?q ?s } } }", {"s": ["1"]}))
    SELECT * WHERE { VALUES ?s { 1 }  ?x ?p ?o { SELECT ?x { VALUES ?s { 1 }  ?x ?q ?s } } }
    """

    if not bound:
        return text
    plain = blank(text, expand=False)
    match = re.search(r"\bWHERE\s*\{", plain, re.I)
    if match is None:
        raise QueryError("the query has no WHERE clause to bind parameters in")
    block = " ".join(f"VALUES ?{v} {{ {' '.join(terms)} }}" for v, terms in bound.items())
    inserts = [(at, f" {block} ") for at in _union_branches(plain, match.end())]
    for _, inside, after in subqueries(plain, match.end()):
        named = [v for v in bound if re.search(rf"[?$]{re.escape(v)}(?!\w)", plain[inside:after])]
        if named:
            values = (f"VALUES ?{v} {{ {' '.join(bound[v])} }}" for v in named)
            inserts.append((inside, " " + " ".join(values) + " "))
    out = text
    for at, what in sorted(inserts, reverse=True):
        out = out[:at] + what + out[at:]
    return out[: match.end()] + " " + block + " " + out[match.end() :]


def subqueries(plain: str, start: int = 0) -> list[tuple[int, int, int]]:
    """Each subquery after ``start`` in the blanked text ``plain``: where its projection starts
    (just after SELECT), and its ``WHERE`` group, just after its ``{`` and just after its ``}``.
    A subquery starts with a ``{`` then SELECT (not a prefix named so); its group is the first
    ``{`` after that outside parentheses (past an EXISTS in a projected expression)."""
    found = []
    for select in _SUBQUERY.finditer(plain, start):
        at, depth = select.end(), 0
        while at < len(plain):
            char = plain[at]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "{" and depth <= 0:
                found.append((select.end(), at + 1, closing(plain, at + 1, "{}")))
                break
            at += 1
    return found


_SUBQUERY = re.compile(r"\{\s*SELECT(?![\w:.-])", re.I)


def _union_branches(plain: str, start: int) -> list[int]:
    """Where each branch of a ``UNION`` directly inside the group opened just before ``start``
    begins (just after its ``{``), in the blanked text ``plain``; a branch that is a subquery is
    left out (a ``VALUES`` block cannot start it)."""
    groups: list[tuple[int, int]] = []  # (just after its "{", just after its "}")
    at = start
    while (brace := _BRACE.search(plain, at)) and brace.group() == "{":
        at = closing(plain, brace.end(), "{}")
        groups.append((brace.end(), at))
    branches = []
    for n, (inside, after) in enumerate(groups):
        before_union = _UNION_NEXT.match(plain, after)
        after_union = n > 0 and _UNION_LAST.search(plain, groups[n - 1][1], inside - 1)
        if (before_union or after_union) and not _SELECT_FIRST.match(plain, inside):
            branches.append(inside)
    return branches


_BRACE = re.compile(r"[{}]")
_UNION_NEXT = re.compile(r"\s*UNION\b", re.I)
_UNION_LAST = re.compile(r"\bUNION\s*$", re.I)
_SELECT_FIRST = re.compile(r"\s*SELECT\b", re.I)


def closing(text: str, start: int, pair: str) -> int:
    """The index just past the bracket that closes the one opened before ``start`` (``pair`` is
    "()" or "{}"), or the end of ``text``; run it on :func:`blank` text, so that brackets in
    strings, IRIs and comments do not count."""
    depth, j = 1, start
    while j < len(text) and depth:
        depth += {pair[0]: 1, pair[1]: -1}.get(text[j], 0)
        j += 1
    return j


# -- a final ORDER BY, for the embedded engine to apply itself ---------------------------------

_ORDER_TAIL = re.compile(r"\bORDER\s+BY\b(?P<keys>.*)\Z", re.I | re.S)
# A name ends where a variable can end; one going on in characters of SPARQL names that \w
# does not match (a middle dot, a combining accent...) is not taken apart.
_END = r"(?=[\s(){}?$]|\Z)"
# A key: ?v, STR(?v) or COALESCE(STR(?v), ""), or one of them inside ASC( ) or DESC( ).
_KEY = (
    r"(?:[?$](?P<{v}>\w+){end}|(?P<{s}>STR)\s*\(\s*[?$](?P<{w}>\w+)\s*\)"
    r"|(?P<{c}>COALESCE)\s*\(\s*STR\s*\(\s*[?$](?P<{x}>\w+)\s*\)\s*,(?P<{e}>[^(),]*)\))"
)  # (the text is blanked: that COALESCE's second argument is "" is checked in the text itself)
_ORDER_KEY = re.compile(
    r"\s*(?:(?P<dir>ASC|DESC)\s*\(\s*"
    + _KEY.format(v="v1", s="s1", w="w1", c="c1", x="x1", e="e1", end=r"\s*(?=\))")
    + r"\s*\)|"
    + _KEY.format(v="v2", s="s2", w="w2", c="c2", x="x2", e="e2", end=_END)
    + ")",
    re.I,
)
_VARIABLE_NAME = re.compile(rf"\w+{_END}")
_SELECT_CLAUSE = re.compile(r"\bSELECT\b(?P<projection>.*?)(?:\bWHERE\b|\{)", re.I | re.S)
_AS_VARIABLE = re.compile(r"\bAS\s*[?$](\w+)\s*\Z", re.I)


def final_order(text: str) -> tuple[str, list[tuple[str, bool, str]]] | None:
    """A SELECT query that ends in ``ORDER BY`` over projected variables only (``?v``,
    ``STR(?v)`` or ``COALESCE(STR(?v), "")``, each maybe inside ``ASC( )`` or ``DESC( )``, with
    no ``LIMIT``, ``OFFSET`` or ``VALUES`` after it): its text without that clause, and the keys
    as (variable, descending, how) triples, ``how`` being ``""`` (the value as it is), ``"STR"``
    or ``"COALESCE"``. None for any other query (another expression as a key, a key the query
    does not return, a slice after the sort).

    >>> final_order("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY ?a DESC(STR(?b))")
    ('SELECT ?a ?b WHERE { ?a ?p ?b } ', [('a', False, ''), ('b', True, 'STR')])
    >>> final_order("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?b") is None  # ?b is not returned
    True
    >>> final_order("SELECT * { ?a ?p ?b } ORDER BY LCASE(?a)") is None  # another expression
    True
    """
    if query_form(text) != "SELECT":
        return None
    plain = blank(text, expand=False)  # positions in it are positions in the text
    end = plain.rfind("}")
    found = _ORDER_TAIL.search(plain, end + 1) if end >= 0 else None
    if found is None:
        return None
    keys: list[tuple[str, bool, str]] = []
    at, rest = 0, found.group("keys")
    while key := _ORDER_KEY.match(rest, at):
        descending = (key.group("dir") or "").upper() == "DESC"
        variable = next(key.group(g) for g in ("v1", "w1", "x1", "v2", "w2", "x2") if key.group(g))
        how = next((key.group(g) for g in ("s1", "c1", "s2", "c2") if key.group(g)), "")
        fallback = key.group("e1") if key.group("e1") is not None else key.group("e2")
        if fallback is not None:  # COALESCE(STR(?v), "") only
            start = found.start("keys") + key.start("e1" if key.group("e1") is not None else "e2")
            if text[start : start + len(fallback)].strip() not in ('""', "''"):
                return None
        keys.append((variable, descending, how.upper()))
        at = key.end()
    if not keys or rest[at:].strip():
        return None
    select = _SELECT_CLAUSE.search(plain)
    if select is None:
        return None
    projection = select.group("projection")
    if not selects_everything(projection):  # SELECT * returns every variable in scope
        projected = projected_variables(projection)
        if projected is None or any(variable not in projected for variable, _, _ in keys):
            return None
    return text[: found.start()], keys


def selects_everything(projection: str) -> bool:
    """Whether a SELECT clause (its text before WHERE, blanked) returns every variable: ``*``."""
    return re.fullmatch(r"\s*(?:DISTINCT\s+|REDUCED\s+)?\*\s*", projection, re.I) is not None


def projected_variables(projection: str) -> set[str] | None:
    """The variables a SELECT clause returns (its text between SELECT and WHERE, blanked), or
    None when a name cannot be told apart."""
    names: set[str] = set()
    depth, start = 0, 0
    for i, char in enumerate(projection):
        if char == "(":
            depth, start = depth + 1, (i if depth == 0 else start)
        elif char == ")":
            depth -= 1
            if depth == 0 and (alias := _AS_VARIABLE.search(projection, start, i)):
                names.add(alias.group(1))
        elif depth == 0 and char in "?$":
            name = _VARIABLE_NAME.match(projection, i + 1)
            if name is None:
                return None
            names.add(name.group(0))
    return names
