"""The saved-query catalogue: reading query headers, their parameters, and binding values safely.

A saved query is a ``.rq`` file in ``queries/`` whose header carries grlc's metadata, YAML in SPARQL
comments (``#+ summary:``, ``#+ description:``, ``#+ tags:``, ``#+ defaults:``, ``#+ enumerate:``,
and hkit's ``#+ example:``, ``#+ range:`` and ``#+ view:``, the table a person reads:
hkit.core.views). Parameters are variables named the grlc way: ``?_name`` required,
``?__name`` optional, with an optional type suffix (``_iri``, ``_en``, ``_xsd_integer``,
``_xsd_decimal``, ``_xsd_date``, ``_xsd_gYear``); without one a parameter is a plain string.

Values are never pasted into the query as text that the user wrote: each is parsed into a typed
RDF term, serialised by hkit, and bound through a ``VALUES`` block placed first in the query's
outermost ``WHERE`` group, so that every engine (embedded or remote) binds them the same way
(HAZARDS 1-4). Several values of one parameter bind several rows of that block.
"""

from __future__ import annotations

import marshal
import re
from collections import namedtuple
from decimal import Decimal, InvalidOperation
from pathlib import Path

from hkit.core.cache import cache_dir, remember
from hkit.core.errors import QueryError, UnknownQuery
from hkit.core.sparql import (
    blank,
    check_query,
    closing,
    iri,
    literal,
    projected_variables,
    selects_everything,
    subqueries,
)
from hkit.core.version import __version__
from hkit.core.views import Column, parse_view
from hkit.core.vocab import XSD

#: Parameter types: suffix in the variable name -> (type name shown to users, datatype IRI).
PARAM_TYPES: dict[str, tuple[str, str | None]] = {
    "iri": ("iri", None),
    "en": ("text@en", None),
    "xsd_integer": ("xsd:integer", XSD + "integer"),
    "xsd_decimal": ("xsd:decimal", XSD + "decimal"),
    "xsd_date": ("xsd:date", XSD + "date"),
    "xsd_gYear": ("xsd:gYear", XSD + "gYear"),
    "xsd_string": ("xsd:string", XSD + "string"),
}
_SUFFIXES = sorted(PARAM_TYPES, key=len, reverse=True)
_PARAM_VAR = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
#: A parameter's range (``#+ range:``): what its values name, as a SPARQL path and a prefixed name
#: that a node ``?x`` of the range satisfies (``skos:inScheme hkit:Sectors``,
#: ``a/rdfs:subClassOf* hkit:Organisation``), or ``?column`` for a text searched for in the words
#: of that column of the answer. It is the query file's own text, as trusted as its body.
_RANGE = re.compile(
    r"(?:a|[A-Za-z]+:[A-Za-z]\w*)(?:[/|][A-Za-z]+:[A-Za-z]\w*[*+?]?)*[*+?]?"
    r" [A-Za-z]+:[A-Za-z][\w-]*|\?[A-Za-z]\w*"
)
_LEXICAL = {
    "xsd_integer": re.compile(r"[+-]?\d{1,18}"),
    "xsd_decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "xsd_date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "xsd_gYear": re.compile(r"\d{4}"),
}


class Param(
    namedtuple(
        "Param",
        "name variable type suffix required multi default allowed range",
        defaults=(True, None, (), ""),
    )
):
    """One parameter of a saved query: its name, SPARQL variable, type, grlc suffix, whether it
    is required, repeatable, its default, its allowed values and its range (what its values
    name: see ``_RANGE``; empty when the header gives none). (A named tuple: see Term in
    hkit.store.engines for why not a dataclass.)"""

    __slots__ = ()

    def as_dict(self) -> dict[str, object]:
        """The parameter as JSON, as ``hkit queries --format json`` lists it."""
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "allowed": list(self.allowed),
            "multi": self.multi,
        }


class SavedQuery:
    """A saved query and its metadata."""

    __slots__ = (
        "description",
        "examples",
        "name",
        "params",
        "path",
        "summary",
        "tags",
        "text",
        "view",
    )

    def __init__(
        self,
        name: str,
        path: Path,
        text: str,
        summary: str = "",
        description: str = "",
        tags: list[str] | None = None,
        params: list[Param] | None = None,
        examples: list[dict[str, list[str]]] | None = None,
        view: tuple[Column, ...] = (),
    ) -> None:
        self.name = name
        self.path = path
        self.text = text
        self.summary = summary
        self.description = description
        self.tags = tags if tags is not None else []
        self.params = params if params is not None else []
        self.examples = examples if examples is not None else []
        #: the table a person reads (hkit.core.views), from the ``#+ view:`` header
        self.view = view

    def __repr__(self) -> str:
        return f"SavedQuery(name={self.name!r}, path={self.path!r})"

    def as_dict(self) -> dict[str, object]:
        """The query's metadata as JSON, as ``hkit queries --format json`` lists it."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": self.tags,
            "params": [p.as_dict() for p in self.params],
            "examples": [
                {k: (v[0] if len(v) == 1 else v) for k, v in example.items()}
                for example in self.examples
            ],
        }


# -------------------------------------------------------------------------------------------------
# Reading headers
# -------------------------------------------------------------------------------------------------


def read_header(text: str, where: str) -> dict[str, object]:
    r"""The ``#+`` lines of a query as the YAML mapping they are, read as grlc reads them (PyYAML's
    ``safe_load`` of the lines without their ``#+``). Scalars come back as text and each
    ``defaults``/``enumerate``/``example`` entry as ``{name: [values]}``.

    Parsing YAML means importing PyYAML, which costs more than the rest of ``hkit query``, so a
    parsed header is kept in the cache folder beside its own text: a header that changes is
    parsed again, and an unchanged one is read back without PyYAML.

    >>> read_header("#+ summary: Funds\n#+ tags:\n#+   - funding\nSELECT", "q")["tags"]
    ['funding']
    """
    header = "\n".join(line[2:] for line in text.splitlines() if line.startswith("#+"))
    if not header.strip():
        return {}
    cached = _header_cache(header)
    try:
        with open(cached, "rb") as fh:
            kept_header, meta = marshal.load(fh)
        if kept_header == header and isinstance(meta, dict):
            return meta
    except (OSError, EOFError, ValueError, TypeError):
        pass  # absent, damaged or another header's: parse it again
    meta = _normalise(_safe_load(header, where), where)

    remember(cached, marshal.dumps((header, meta)))
    return meta


def _safe_load(header: str, where: str) -> object:
    import yaml

    try:
        return yaml.safe_load(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (header line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise QueryError(
            f"{where}: the '#+' header is not valid YAML: {problem}{line}",
            hint="a value that holds ': ' or starts with a quote needs quoting",
        ) from None


def _text(value: object) -> str:
    """A YAML scalar as the text it was written as (a date stays 2024-01-01, true stays true)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _normalise(meta: object, where: str) -> dict[str, object]:
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise QueryError(f"{where}: the '#+' header must be 'key: value' lines")
    result: dict[str, object] = {}
    for key, value in meta.items():
        if isinstance(value, list):
            items: list[object] = []
            for item in value:
                if isinstance(item, dict):
                    items.append(
                        {
                            _text(k): [_text(v) for v in (vs if isinstance(vs, list) else [vs])]
                            for k, vs in item.items()
                        }
                    )
                else:
                    items.append(_text(item))
            result[_text(key)] = items
        elif isinstance(value, dict):
            raise QueryError(f"{where}: '{key}' must be a value or a list, not a mapping")
        else:
            result[_text(key)] = _text(value)
    return result


def _header_cache(header: str) -> str:
    """Where the parsed header is kept: named by a checksum of its text (and hkit's version);
    the entry holds the text too, and is used only when that text is the same."""
    import os
    import zlib

    name = f"{zlib.crc32(header.encode('utf-8')):08x}-{len(header)}-{__version__}"
    return os.path.join(cache_dir(), "headers", name)


def _params_of(body: str, meta: dict[str, object], where: str) -> list[Param]:
    defaults = _one_key_maps(meta.get("defaults", []), where, "defaults")
    enumerate_ = _one_key_maps(meta.get("enumerate", []), where, "enumerate")
    ranges = _one_key_maps(meta.get("range", []), where, "range")
    for key, (text, *more) in ranges.items():
        if more or not _RANGE.fullmatch(text):
            raise QueryError(
                f"{where}: the range of '{key}' must be one path and prefixed name "
                "(skos:inScheme hkit:Sectors) or one ?column"
            )
    seen: dict[str, Param] = {}
    for underscores, rest in _PARAM_VAR.findall(body):
        variable = underscores + rest
        if variable in seen:
            continue
        suffix = next((s for s in _SUFFIXES if rest.endswith("_" + s)), "")
        name = rest[: -len(suffix) - 1] if suffix else rest
        type_name = PARAM_TYPES[suffix][0] if suffix else "text"
        default = defaults.get(name, [None])[0] if name in defaults else None
        seen[variable] = Param(
            name=name,
            variable=variable,
            type=type_name,
            suffix=suffix,
            required=underscores == "_" and default is None,
            default=default,
            allowed=tuple(enumerate_.get(name, [])),
            range=ranges.get(name, [""])[0],
        )
    names = [p.name for p in seen.values()]
    if len(names) != len(set(names)):
        raise QueryError(f"{where}: two parameter variables share a name")
    for key in list(defaults) + list(enumerate_) + list(ranges):
        if key not in names:
            raise QueryError(f"{where}: header names '{key}', which is not a parameter")
    return sorted(seen.values(), key=lambda p: (not p.required, p.name))


def _one_key_maps(items: object, where: str, key: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if items in ("", None):
        return result
    if not isinstance(items, list):
        raise QueryError(f"{where}: '{key}' must be a list")
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            raise QueryError(f"{where}: each '{key}' entry must be '- name: value'")
        result.update(item)
    return result


def _lint(name: str, body: str, params: list[Param]) -> None:
    where = f"query '{name}'"
    plain = blank(body, expand=False)  # WHERE, SELECT and braces as the engine reads them
    own = re.search(r"\bWHERE\s*\{", plain, re.I)
    if own is None:
        raise QueryError(f"{where} has no WHERE clause")
    found = subqueries(plain)
    if any(projection < own.start() for projection, _, _ in found):
        raise QueryError(
            f"{where} has no WHERE clause of its own",
            hint="write WHERE before the query's group: hkit binds parameters after it",
        )
    for p in params:
        var = re.escape(p.variable)
        if re.search(rf"\bAS\s+[?$]{var}\b", body, re.I):
            raise QueryError(f"{where}: parameter ?{p.variable} is assigned by BIND or AS")
    for call in re.finditer(r"\b(REGEX|REPLACE)\s*\(", body, re.I):
        j = closing(body, call.end(), "()")
        for p in params:
            if re.search(rf"[?$]{re.escape(p.variable)}\b", body[call.start() : j]):
                raise QueryError(
                    f"{where}: parameter ?{p.variable} is used in {call.group(1).upper()}",
                    hint="a user's value must never become a regular expression (a slow one "
                    "can stall the engine); compare with CONTAINS, STRSTARTS or =",
                )
    for projected_from, inside, after in found:
        projection = re.sub(r"\bWHERE\s*$", "", plain[projected_from : inside - 1], flags=re.I)
        # SELECT * returns every variable in scope; None: a name that cannot be told apart
        returned = None if selects_everything(projection) else projected_variables(projection)
        # its solution modifiers: from its group's end to the brace that closes the subquery
        sliced = re.search(r"\b(LIMIT|OFFSET)\b", plain[after : closing(plain, after, "{}")], re.I)
        for p in params:
            if not re.search(rf"[?$]{re.escape(p.variable)}\b", plain[projected_from:after]):
                continue
            if returned is not None and p.variable not in returned:
                raise QueryError(
                    f"{where}: parameter ?{p.variable} is used inside a subquery that does not "
                    "return it",
                    hint=f"add ?{p.variable} to the subquery's SELECT: hkit binds it there too, "
                    "and with several values given, each row must keep the value it matched",
                )
            if sliced:
                raise QueryError(
                    f"{where}: parameter ?{p.variable} is used inside a subquery with "
                    f"{sliced.group(1).upper()}",
                    hint="with several values given, the subquery's rows would be cut across "
                    "them; bind the parameter outside it",
                )


def read_query(path: Path) -> SavedQuery:
    """Read one saved query and its header."""
    name = path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read ({exc})") from exc
    meta = read_header(text, str(path))
    check_query(text, f"query '{name}'")
    body = blank(text, expand=False)
    params = _params_of(body, meta, str(path))
    _lint(name, body, params)
    raw_tags = meta.get("tags", [])
    if isinstance(raw_tags, str):
        tags = [t.strip() for t in raw_tags.strip("[]").split(",") if t.strip()]
    else:
        tags = [str(t) for t in raw_tags] if isinstance(raw_tags, list) else []
    raw_examples = meta.get("example") or []
    examples = [dict(item) for item in raw_examples] if isinstance(raw_examples, list) else []
    query = SavedQuery(
        name=name,
        path=path,
        text=text,
        summary=str(meta.get("summary", "")),
        description=str(meta.get("description", "")),
        tags=list(tags),
        params=params,
        examples=examples or [{}],
        view=parse_view(meta.get("view"), set(re.findall(r"[?$]([A-Za-z_]\w*)", body)), str(path)),
    )
    for example in query.examples:
        bind_values(query, example)  # a bad example is a bad query
    return query


def catalog(queries_dir: Path, problems: list[QueryError] | None = None) -> dict[str, SavedQuery]:
    """Every saved query in a folder (not its checks/ subfolder), by name. A bad query raises its
    error, or, when ``problems`` is a list, is left out and its error appended to it (so that one
    bad query does not hide the others)."""
    if not queries_dir.is_dir():
        raise QueryError(f"no saved queries: {queries_dir} is not a folder")
    found = {}
    for path in sorted(queries_dir.glob("*.rq")):
        try:
            found[path.stem] = read_query(path)
        except QueryError as exc:
            if problems is None:
                raise
            problems.append(exc)
    return found


def load(queries_dir: Path, name: str) -> SavedQuery:
    """The saved query called ``name``, reading only its own file; when there is none, the whole
    catalogue is read to name the close matches."""
    path = queries_dir / f"{name}.rq"
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name) and path.is_file():
        return read_query(path)
    return find(catalog(queries_dir), name)


def find(queries: dict[str, SavedQuery], name: str) -> SavedQuery:
    """The saved query called ``name``, or an error that lists the close and the valid names."""
    try:
        return queries[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'hkit queries' for the list"
        raise UnknownQuery(f"no saved query named '{name}'", hint=hint) from None


# -------------------------------------------------------------------------------------------------
# Binding values
# -------------------------------------------------------------------------------------------------


def term(param: Param, value: str) -> str:
    """The value as a SPARQL term of the parameter's type, or a :class:`QueryError`."""
    if param.allowed and value not in param.allowed:
        folded = {allowed.casefold(): allowed for allowed in param.allowed}
        value = folded.get(value.casefold(), value)  # hkd is HKD
    if param.allowed and value not in param.allowed:
        raise QueryError(
            f"parameter '{param.name}' cannot be '{value}'",
            hint=f"choose one of: {', '.join(param.allowed)}",
        )
    what = f"parameter '{param.name}'"
    if param.suffix == "iri":
        return iri(value, what)
    if param.suffix == "en":
        return literal(value, what, lang="en")
    if param.suffix in _LEXICAL:
        if not _LEXICAL[param.suffix].fullmatch(value):
            raise QueryError(
                f"parameter '{param.name}' must be {param.type}, not '{value}'",
            )
        if param.suffix == "xsd_decimal":
            try:
                Decimal(value)
            except InvalidOperation:
                raise QueryError(f"parameter '{param.name}' must be xsd:decimal") from None
        return literal(value, what, datatype=PARAM_TYPES[param.suffix][1])
    if param.suffix == "xsd_string":
        return literal(value, what, datatype=XSD + "string")
    return literal(value, what)


def bind_values(query: SavedQuery, given: dict[str, list[str]]) -> dict[str, list[str]]:
    """Check the user's values against the query's parameters; return SPARQL terms by variable.

    Unknown names, missing required parameters, wrong types and values outside ``enumerate`` are
    errors that list the valid choices. Defaults fill parameters the user did not give.
    """
    by_name = {p.name: p for p in query.params}
    for name in given:
        if name not in by_name:
            valid = ", ".join(by_name) or "none"
            raise QueryError(
                f"query '{query.name}' has no parameter '{name}'", hint=f"its parameters: {valid}"
            )
    bound: dict[str, list[str]] = {}
    for p in query.params:
        values = given.get(p.name) or ([p.default] if p.default is not None else [])
        if p.required:  # an empty value is no value: a required parameter given as "" is missing
            values = [v for v in values if v != ""]
        if not values:
            if p.required:
                raise QueryError(
                    f"query '{query.name}' needs parameter '{p.name}' ({p.type})",
                    hint=f"add -p {p.name}=VALUE"
                    + (f"; choices: {', '.join(p.allowed)}" if p.allowed else ""),
                )
            continue
        bound[p.variable] = [term(p, v) for v in dict.fromkeys(values)]
    return bound
