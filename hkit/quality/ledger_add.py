"""A new source document in the claims ledger (``hkit ledger --add``): its sentences appended to
``data/claims.tsv`` as rows to fill, and its node for ``data/sources.ttl``, a stub whose every
placeholder is left for the curator (no title, date or publisher is guessed)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hkit.core import vocab
from hkit.core.errors import InputError
from hkit.quality.ledger import (
    COLUMNS,
    FILE_NAME,
    LEDGER,
    NO_SOURCES,
    GraphFacts,
    read_ledger,
    sources_folder,
)
from hkit.quality.sentences import read_document, split_sentences


@dataclass
class Registration:
    """A document added to the ledger: its rows to fill, and its node for data/sources.ttl
    (a stub to fill in, unless the graph has one)."""

    name: str
    rows: int
    node: str  # the document node's compact name: the one the graph has, or one to add
    exists: bool  # whether the graph already has it
    lines: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        """What ``hkit ledger --add`` prints: comment lines, then the stub (Turtle to fill in)."""
        head = [
            f"# {self.name}: {self.rows} sentences added to {LEDGER} as rows to fill in "
            "(nodes or a reason each; hkit ledger lists them).",
        ]
        if self.exists:
            head.append(f"# {self.node} already describes it in the graph.")
        else:
            head += [
                "# Its node, for data/sources.ttl: replace each {{...}} with what the document "
                "itself gives,",
                "# and leave out each line it gives nothing for; nothing here is guessed.",
            ]
        return "".join(line + "\n" for line in [*head, *self.lines])


def _stub(name: str, node: str) -> list[str]:
    """The Turtle of a new document node, with a placeholder (``{{...}}``, which does not parse)
    for everything only the document can give."""
    number = re.match(r"([0-9]+)_", name)
    label = f"(source {number.group(1)})" if number else f"({name})"
    return [
        f"{node} a {{{{class}}}} ;  # hkit:NewsArticle, hkit:FeatureArticle or hkit:BlogPost",
        f'    rdfs:label {{{{label}}}} ;  # what the document is: "... {label}"@en',
        '    dcterms:title {{title}} ;  # its own headline, word for word: "..."@en',
        f'    hkit:fileName "{name}" ;',
        '    dcterms:issued {{date}} ;  # the date it gives itself: "2025-02-24"^^xsd:date',
        "    hkit:earliestDate {{date}} ;  # where it gives none: the earliest its content allows",
        "    hkit:earliestDateEvidence {{words}} ;  # the document's words that set that date",
        "    hkit:author {{agent}} ;  # the author it names: an id: node",
        "    hkit:publishedBy {{agent}} .  # the publisher it names: an id: node",
    ]


def _node_name(name: str, facts: GraphFacts) -> str:
    """A name for a new document's node: ``doc-`` and the file name's leading number, as the
    others have, unless the graph has it; else ``doc-`` and the whole file name."""
    stem = name.removesuffix(".txt")
    number = re.match(r"([0-9]+)_", stem)
    whole = "doc-" + re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if number and not facts.exists(vocab.ID + f"doc-{number.group(1)}"):
        return f"id:doc-{number.group(1)}"
    return "id:" + whole


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` anew, atomically: a temporary file beside it, renamed over it."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def register_document(
    root: Path, path: Path, given: str | os.PathLike[str] | None, files: list[Path]
) -> Registration:
    """Add a document of the source documents' folder (``given``, else the default of
    :func:`sources_folder`) to the ledger of ``root``: one row to fill for each of its
    sentences, at the end, written atomically; and say what its node in data/sources.ttl is, or
    give a stub of one to fill in. A document already in the ledger, a file that is not UTF-8
    plain text, or one outside the folder is an :class:`InputError`."""
    sources = sources_folder(root, given)
    if not sources.is_dir():
        raise InputError(NO_SOURCES)
    if not path.exists() and path.parent == Path():
        path = sources / path.name  # a bare name: the document in the folder
    if not FILE_NAME.fullmatch(path.name):
        raise InputError(
            f"{path.name}: not a source document's file name",
            hint="letters, digits, '.', '_' and '-', starting with a letter or digit, ending .txt",
        )
    text = read_document(path)
    # the folder the file is in, not where a link in it points
    if Path(os.path.abspath(path)).parent.resolve() != sources.resolve():
        raise InputError(
            f"{path} is not in the source documents folder {sources}",
            hint="put it there first (hkit copies nothing), or give --sources its folder",
        )
    if root.resolve().name == "_resources":
        raise InputError(
            "the installed package's copy of the data is not edited", hint="give --root a checkout"
        )
    sentences = list(dict.fromkeys(split_sentences(text)))
    if not sentences:
        raise InputError(f"{path}: has no sentences (it is empty)")
    ledger = root / LEDGER
    rows, _ = read_ledger(ledger)
    registered = sum(row.source == path.name for row in rows)
    if registered:
        raise InputError(
            f"{path.name} is already in the ledger ({registered} rows)",
            hint="fill in its rows; hkit ledger lists those to fill",
        )
    facts = GraphFacts(files)
    before = ledger.read_bytes() if ledger.is_file() else ("\t".join(COLUMNS) + "\n").encode()
    if before and not before.endswith(b"\n"):
        before += b"\n"
    added = "".join(f"{path.name}\t{sentence}\t\t\n" for sentence in sentences)
    _replace(ledger, before + added.encode("utf-8"))
    existing = facts.documents.get(path.name)
    if existing is not None:
        return Registration(path.name, len(sentences), vocab.compact(existing), True)
    node = _node_name(path.name, facts)
    return Registration(path.name, len(sentences), node, False, _stub(path.name, node))
