"""The sentences of a source document, by the rule of ``data/claims.md``: what the claims ledger
(hkit.quality.ledger) has one row for. The rule is deterministic and needs no language model.

>>> split_sentences("Dr. Robert J. Spiegel spoke. \u201cIt grows.\u201d He left.\\nA HEADING")
['Dr. Robert J. Spiegel spoke.', '\u201cIt grows.\u201d', 'He left.', 'A HEADING']
"""

from __future__ import annotations

import re
from pathlib import Path

from hkit.core.errors import InputError

#: Words whose full stop does not end a sentence; single capital initials ("J.") are handled
#: apart.
ABBREVIATIONS = frozenset("Dr. Prof. Mr. Ms. St. Co. Corp. Ltd. Inc. No. vs. e.g. i.e.".split())

#: A candidate sentence end: ".", "!" or "?", optionally a closing quote, then whitespace, and
#: then (looked at, not taken) an uppercase letter, a digit or an opening quote.
_BOUNDARY = re.compile(r"([.!?][\u201d\"]?)\s+(?=[A-Z0-9\u201c\"])")

#: Control characters that plain text does not hold (tab, the line breaks and form feed aside).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def collapse(text: str) -> str:
    """Whitespace runs to single spaces, ends trimmed; quotes and apostrophes kept as written."""
    return re.sub(r"\s+", " ", text).strip()


def _ends_with_abbreviation(before: str) -> bool:
    """Whether the text up to and including a full stop ends with an abbreviation or an initial."""
    word = before.rsplit(" ", 1)[-1].lstrip("(\u201c\"'\u2018")
    return word in ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", word) is not None


def split_sentences(text: str) -> list[str]:
    """The document's sentences by the rule of data/claims.md, in document order, repeats kept:
    a sentence never spans two lines; a line is split after ``.``, ``!`` or ``?`` (and a closing
    quote) where whitespace and then a capital, a digit or an opening quote follow, except after
    an abbreviation or an initial."""
    sentences = []
    for raw in text.splitlines():
        line = collapse(raw)
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            end = match.end(1)
            if match.group(1) == "." and _ends_with_abbreviation(line[start:end]):
                continue
            sentences.append(line[start:end])
            start = match.end()
        sentences.append(line[start:])
    return sentences


def numbered(text: str) -> dict[str, int]:
    """Each distinct sentence of the document and its number: 1 for the first, counting each
    sentence once, where it first appears (a sentence repeated word for word has one number, as
    it has one row in the ledger)."""
    return {s: n for n, s in enumerate(dict.fromkeys(split_sentences(text)), start=1)}


def read_document(path: Path) -> str:
    """A source document's text: UTF-8 plain text (a byte-order mark is dropped). A file that
    cannot be read, is not UTF-8, or holds control characters that text does not (a binary file)
    is an :class:`InputError` in one line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start})",
            hint="a source document is plain text in UTF-8",
        ) from None
    found = _BINARY.search(text)
    if found is not None:
        raise InputError(
            f"{path}: not plain text (control character {ord(found.group()):#04x} at "
            f"character {found.start()})",
            hint="a source document is plain text in UTF-8",
        )
    return text
