"""The ``hkit`` entry point: a fast lane for the commands people run most, then click.

Importing click takes longer than the whole of ``hkit query`` without it (benchmarks/), so the
entry point first looks at the command line. When it is ``hkit [GLOBAL OPTIONS] --help``, or a
command that the option table (hkit.cli.options) marks ``fast`` (``queries``, ``query``), it
parses the arguments with that table and runs the command's function in hkit.cli.commands, as
the click command does. Anything the table's grammar does not accept (an unknown option, a value
outside its choices, ``--help`` of a command, ``--``) and every other command goes to the click
command line in hkit.cli, which is built from the same table and gives click's answer or error.

``hkit --help`` is click's own text, kept in the user's cache folder after its first run (keyed
by hkit's version, the code of the command line and click, and the terminal width).
tests/test_fast.py checks that both lanes give the same output and exit code.
"""

from __future__ import annotations

import os
import sys

from hkit.cli import commands
from hkit.cli.boundary import ErrorBoundary, handle_stop_signals, restore_signals
from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS, parse
from hkit.core.cache import cache_dir, remember
from hkit.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any


def _click(args: list[str]) -> None:
    from hkit.cli.group import main as click_main  # imports click: not on the start-up path

    click_main(args=args, prog_name="hkit")


def plan(args: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """What the fast lane would run for these arguments (the command, the global options' values
    and the command's), or None to leave them to click. Both are parsed with the option table."""

    takes_value = {flag for o in GLOBAL_OPTIONS if o.kind != "flag" for flag in o.flags}
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-h", "--help"):
        i += 2 if args[i] in takes_value else 1
    if i < len(args) and args[i] in ("-h", "--help") and i == len(args) - 1:
        found = parse(GLOBAL_OPTIONS, (), args[:i])
        return None if found is None else ("help", found, {})
    globals_ = parse(GLOBAL_OPTIONS, (), args[:i])
    if globals_ is None or i >= len(args):
        return None
    command = COMMANDS.get(args[i])
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


def _help() -> None:
    located = _help_cache_key()
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
            _click(["--help"])
        except SystemExit as exc:
            code = exc.code
    text = buffer.getvalue()
    sys.stdout.write(text)
    sys.stdout.flush()
    if located is not None and not code:
        path, key = located
        remember(path, (key + "\n" + text).encode("utf-8"))
    sys.exit(code or 0)


def main(argv: list[str] | None = None) -> None:
    """Run hkit with ``argv`` (default: the process's arguments)."""
    args = sys.argv[1:] if argv is None else list(argv)
    planned = plan(args)
    if planned is None:
        _click(args)
        return
    command, globals_, values = planned
    if command == "help":
        _help()
        return

    replaced = handle_stop_signals()
    state = commands.State(**globals_)
    try:
        with ErrorBoundary(lambda: state.debug):
            code = getattr(commands, command)(state, **values)
            sys.stdout.flush()
    finally:
        restore_signals(replaced)
    sys.exit(code or 0)
