"""Text laid out for a terminal: wrapped only at spaces, never inside a word, number, date or IRI
(unless it is longer than a whole line); an aligned table when its columns fit at a readable
width, else one block of ``field: value`` lines per row, as psql's ``\\x auto`` does.

Light on imports: ``hkit query`` lays out its table with it.
"""

from __future__ import annotations

#: The least width a text column is squeezed to (unless its cells are all narrower): below it a
#: column of sentences becomes a ribbon of one or two words a line, and records read better.
READABLE = 14

#: The most lines a row may take, on average, before the table gives way to records.
TALLEST = 3

GAP = "  "


def wrap(text: str, width: int, line: int | None = None, first: int | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` characters (the first of at most ``first``, when
    given), broken at spaces only. A word longer than its line's room gets a line of its own,
    whole when it fits ``line`` (a whole line's width, when the text is indented) and cut at
    ``line`` characters only when it does not.

    >>> wrap("HK$10 billion, from 2023-12-06", 12)
    ['HK$10', 'billion,', 'from', '2023-12-06']
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        room = max(1, first if first is not None and not lines else width)
        if current and len(current) + 1 + len(word) <= room:
            current += " " + word
            continue
        if current:
            lines.append(current)
            room = max(1, width)
        current = ""
        whole = max(room, line or room)
        while len(word) > whole:
            lines.append(word[:whole])
            word = word[whole:]
        if len(word) > room:
            lines.append(word)
        else:
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def longest_word(text: str) -> int:
    """The length of the longest word of ``text`` (0 for none)."""
    return max((len(w) for w in text.split()), default=0)


def table(
    header: list[str],
    rows: list[list[str]],
    numeric: list[bool],
    width: int | None,
    footer: str = "",
    heading: bool = True,
) -> list[str]:
    """An aligned table's lines (numbers right-aligned), fitted to ``width`` when given: text
    columns wrap at spaces and share the room by how much they hold. When the columns cannot
    fit at a readable width, or their rows would be too tall to read, the rows are written as
    :func:`records` instead. Without ``width``, every row is one line. ``heading=False`` leaves
    out the table's heading and its rule (records still name their fields)."""
    if not header:  # an answer with no variables (SELECT * of nothing): its count alone
        return [footer] if footer else []
    natural = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    widths = natural
    if width is not None and sum(natural) + len(GAP) * (len(natural) - 1) > width:
        fitted = _fit(header, rows, numeric, natural, width)
        if fitted is None:
            return records(header, rows, width, footer)
        widths = fitted

    def block(cells: list[str]) -> list[str]:
        parts = [
            [c] if len(c) <= w else wrap(c, w, width) for c, w in zip(cells, widths, strict=True)
        ]
        lines = []
        for n in range(max(len(p) for p in parts)):
            lines.append(
                GAP.join(
                    (p[n] if n < len(p) else "").rjust(w)
                    if num
                    else (p[n] if n < len(p) else "").ljust(w)
                    for p, w, num in zip(parts, widths, numeric, strict=True)
                ).rstrip()
            )
        return lines

    out = [*block(header), GAP.join("-" * w for w in widths)] if heading else []
    for r in rows:
        out += block(r)
    if footer:
        out.append(footer)
    return out


def _fit(
    header: list[str],
    rows: list[list[str]],
    numeric: list[bool],
    natural: list[int],
    width: int,
) -> list[int] | None:
    """Column widths within ``width``, or None when the table cannot be read at that width.
    Each column gets at least its longest word (numbers and short columns their whole width)
    and :data:`READABLE` characters; the rest of the room is shared out among the columns that
    want more (:func:`_share`)."""
    room = width - len(GAP) * (len(header) - 1)
    floors = []
    for i, h in enumerate(header):
        words = max([longest_word(h)] + [longest_word(r[i]) for r in rows])
        floors.append(natural[i] if numeric[i] else min(natural[i], max(words, READABLE)))
    if sum(floors) > room:
        return None
    # first each column towards the width that holds nine in ten of its cells on one line, then
    # towards its longest: one long cell does not take the room that a column of long ones needs
    typical = []
    for i, h in enumerate(header):
        lengths = sorted([len(h)] + [len(r[i]) for r in rows])
        typical.append(max(floors[i], lengths[(len(lengths) * 9 - 1) // 10]))
    widths = list(floors)
    spare = _share(widths, typical, room - sum(floors))
    _share(widths, natural, spare)
    tall = sum(
        max(len(wrap(c, w)) if len(c) > w else 1 for c, w in zip(r, widths, strict=True))
        for r in rows
    )
    if rows and tall > TALLEST * len(rows):
        return None
    return widths


def _share(widths: list[int], wants: list[int], spare: int) -> int:
    """Share ``spare`` characters among the columns whose width is below what they want: evenly,
    but a column that wants less than its share gets just that (the least wanting first), so
    short columns are whole and long ones share the rest. Returns what is left."""
    wanting = sorted((i for i in range(len(widths)) if wants[i] > widths[i]),
                     key=lambda i: wants[i] - widths[i])  # fmt: skip
    while wanting and spare > 0:
        share, i = spare // len(wanting), wanting[0]
        need = wants[i] - widths[i]
        if need <= share:
            widths[i] += need
            spare -= need
            wanting.pop(0)
            continue
        extra = spare - share * len(wanting)
        for n, j in enumerate(wanting):
            widths[j] += share + (1 if n < extra else 0)
        return 0
    return spare


def records(header: list[str], rows: list[list[str]], width: int, footer: str = "") -> list[str]:
    """One block a row: a rule that numbers it, then ``field: value`` lines, the values wrapped
    at spaces beside their fields; empty fields are left out."""
    label = max(len(h) for h in header) + 2
    out: list[str] = []
    for n, r in enumerate(rows, 1):
        rule = f"-[ {n} ]"
        out.append(rule + "-" * max(0, min(width, 40) - len(rule)))
        for h, c in zip(header, r, strict=True):
            if not c:
                continue
            for n, text in enumerate(wrap(c, width - label, width)):
                fits = len(text) <= width - label  # else it is a word too long to sit beside
                if n == 0 and fits:
                    out.append(f"{h + ':':<{label}}{text}")
                elif n == 0:
                    out += [f"{h}:", text]
                else:
                    out.append((" " * label if fits else "") + text)
    if footer:
        out.append(footer)
    return out


def wrap_report(text: str, width: int | None) -> str:
    """A report's text (``describe``'s) with each line longer than ``width`` wrapped at spaces,
    its continuation lines indented to where the line's value starts (after ``key:`` and its
    spaces, else after the line's own indentation and two more)."""
    if width is None:
        return text
    import re

    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        keyed = re.match(r"(\s*)([^:\s][^:]{0,30}:\s+)(?=\S)", line)
        if keyed is not None and len(keyed.group(0)) > width // 2:
            keyed = None  # a key so long that its value would be a ribbon: indent less
        margin = len(line) - len(line.lstrip())
        indent = len(keyed.group(0)) if keyed is not None else margin + 2
        lead = line[:indent] if keyed is not None else line[:margin]
        lines = wrap(line[len(lead) :], width - indent, width, first=width - len(lead))
        if len(lead) + len(lines[0]) <= width:
            out.append(lead + lines[0])
        else:  # a word too long to sit after the key: the key alone, the word whole below it
            out += [lead.rstrip(), lines[0]]
        out += [(" " * indent if len(w) <= width - indent else "") + w for w in lines[1:]]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
