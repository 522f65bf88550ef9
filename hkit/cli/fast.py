"""The ``hkit`` entry point: a fast lane for the commands people run most, then click.

Importing click takes longer than the whole of ``hkit query`` without it (benchmarks/), so the
entry point first looks at the command line. When it is ``hkit [GLOBAL OPTIONS] --help``, or a
command that the option table (hkit.cli.options) marks ``fast`` (``queries``, ``query``), it
parses the arguments with that table (:func:`parse`, click's grammar written again here) and
runs the command's function in hkit.cli.commands, as the click command does. Anything the
grammar does not accept (an unknown option, a value outside its choices, ``--help`` of a
command, ``--``) and every other command goes to the click command line (hkit.cli.group), which
is built from the same table and gives click's answer or error.

``hkit --help`` is click's own text, kept in the user's cache folder after its first run (keyed
by hkit's version, the code of the command line and click, and the terminal width).
tests/test_fast.py checks that both lanes give the same output and exit code.
"""

from __future__ import annotations

import os
import sys

from hkit.cli.boundary import ErrorBoundary, handle_stop_signals, restore_signals
from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS, choices_of
from hkit.cli.replay import Recorder, answer_files, replay, varies
from hkit.core.cache import cache_dir, remember
from hkit.core.errors import HkitError
from hkit.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from hkit.cli.options import Argument, Command, Option

#: What :func:`plan` names ``hkit [GLOBAL OPTIONS] --help`` (no command's name begins with -).
HELP = "--help"


def _click(args: list[str], table: Mapping[str, Command], work: object) -> None:
    from hkit.cli import commands, group  # imports click: not on the start-up path

    work = commands if work is None else work
    if table is COMMANDS and work is commands:
        group.main(args=args, prog_name="hkit")
    else:
        group.build(table, work)(args=args, prog_name="hkit")


def plan(
    args: list[str], table: Mapping[str, Command] = COMMANDS
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """What the fast lane would run for these arguments (the command, or :data:`HELP`; the
    global options' values; the command's), or None to leave them to click. Both are parsed
    with the option table."""

    takes_value = {flag for o in GLOBAL_OPTIONS if o.kind != "flag" for flag in o.flags}
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-h", "--help"):
        i += 2 if args[i] in takes_value else 1
    if i < len(args) and args[i] in ("-h", "--help") and i == len(args) - 1:
        found = parse(GLOBAL_OPTIONS, (), args[:i])
        return None if found is None else (HELP, found, {})
    globals_ = parse(GLOBAL_OPTIONS, (), args[:i])
    if globals_ is None or i >= len(args):
        return None
    command = table.get(args[i])
    if command is None or not command.fast:
        return None
    values = parse(command.options, command.arguments, args[i + 1 :])
    if values is None:
        return None
    return command.name, globals_, values


def _help_cache_key() -> tuple[str, str] | None:
    """Where the cached --help text lives, and the key it must carry; None when there is no
    usable cache folder."""
    import hashlib
    import importlib.util
    import shutil

    click_spec = importlib.util.find_spec("click")
    parts = [__version__, str(shutil.get_terminal_size().columns)]
    for path in (
        os.path.join(os.path.dirname(__file__), "group.py"),
        os.path.join(os.path.dirname(__file__), "options.py"),
        click_spec and click_spec.origin,
    ):
        if not path:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        parts += [path, str(info.st_mtime_ns), str(info.st_size)]

    folder = cache_dir()
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return os.path.join(folder, "help.txt"), key


def _help(table: Mapping[str, Command], work: object, own: bool) -> None:
    # the cached text is hkit's own: a table given by a program is never cached
    located = _help_cache_key() if own else None
    if located is not None:
        path, key = located
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.readline().rstrip("\n") == key:
                    sys.stdout.write(fh.read())
                    sys.stdout.flush()
                    return
        except OSError:
            pass
    import contextlib
    import io

    buffer = io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(buffer):
        try:
            _click(["--help"], table, work)
        except SystemExit as exc:
            code = exc.code
    text = buffer.getvalue()
    sys.stdout.write(text)
    sys.stdout.flush()
    if located is not None and not code:
        path, key = located
        remember(path, (key + "\n" + text).encode("utf-8"))
    sys.exit(code or 0)


def main(
    argv: list[str] | None = None,
    table: Mapping[str, Command] = COMMANDS,
    work: object = None,
) -> None:
    """Run hkit with ``argv`` (default: the process's arguments): the commands of ``table``,
    each done by the function of its name in ``work`` (default: hkit's own, in
    hkit.cli.commands)."""
    args = sys.argv[1:] if argv is None else list(argv)
    own = table is COMMANDS and work is None
    # answers are kept for the process's own command line (the hkit command, python -m hkit):
    # a program that calls main() with arguments of its own gets each answer made anew
    keeps = own and argv is None
    if keeps:
        with ErrorBoundary(lambda: False):
            if replay(args):
                sys.exit(0)
    planned = plan(args, table)
    if planned is not None and planned[0] == HELP:
        _help(table, work, own)
        return
    # start-up: the library is loaded only once it is needed (benchmarks/run.py)
    from hkit.cli import commands

    work = commands if work is None else work
    if planned is None:
        _click(args, table, work)
        return
    name, globals_, values = planned

    # the fast lane's commands read the graph and the catalogue and write their answer: an
    # answer written to standard output from the embedded graph is kept for the same run
    kept = keeps and values.get("output") is None and not values.get("endpoint")
    recorder = Recorder(args) if kept else None
    replaced = handle_stop_signals()
    state = commands.State(**globals_)
    try:
        with ErrorBoundary(lambda: state.debug):
            if recorder is None:
                code = getattr(work, name)(state, **values)
                sys.stdout.flush()
            else:
                with recorder:
                    code = getattr(work, name)(state, **values)
                    sys.stdout.flush()
    finally:
        restore_signals(replaced)
    if recorder is not None and not code:
        try:
            kg = state.graph(asserted=bool(values.get("asserted")))
            files: list[str] | None = answer_files(kg)
            if values.get("name") and varies(kg.saved_query(str(values["name"])).text):
                files = None  # its answer changes from run to run
        except (HkitError, OSError):  # a file gone since it was read: nothing is kept
            files = None
        if files is not None:
            recorder.keep(files)
    sys.exit(code or 0)


# -- click's grammar, read with the option table ------------


def defaults(options: Sequence[Option]) -> dict[str, object]:
    """Each option's value when it is not given (environment variables included)."""
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
    """Parse ``args`` against a command's grammar: every parameter's value, or None when the
    arguments need click (an unknown option, a value outside its choices, a missing value,
    ``--help``, ``--``): click then parses them again and gives its error or its answer. The
    grammar is click's: ``--long V``, ``--long=V``, ``-s V``, ``-sV``, flags, repeatable
    options, and options before, between or after the arguments. (One loop over the tokens,
    longer than most functions: click's grammar is one state machine.)"""
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
