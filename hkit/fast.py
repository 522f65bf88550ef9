"""The ``hkit`` entry point: a fast lane for the commands people run most, then click.

Importing click takes longer than the whole of ``hkit query`` without it (benchmarks/), so the
entry point first looks at the command line. When it is one of the plain forms below, it runs the
command directly, through the same code as the click command (hkit.commands); anything else (an
option it does not know, an error in the options, --debug, an endpoint, any other
command) goes to the click command line in hkit.cli, which gives the same answer more slowly:

    hkit [--root DIR] [--timeout SECONDS] [--data FILE]... --help
    hkit [--root DIR] [--timeout SECONDS] [--data FILE]... queries [--tag T] [--format F]
    hkit [--root DIR] [--timeout SECONDS] [--data FILE]... query NAME [-p NAME=VALUE]...
        [--format F] [--output FILE] [--with-sources]

``hkit --help`` is click's own text, kept in the user's cache folder after its first run (keyed
by hkit's version, the code of the command line and click, and the terminal width).
tests/test_fast.py checks that both lanes give the same output and exit code.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

_QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "md", "turtle", "ntriples")


def _click(args: list[str]) -> None:
    from hkit.cli import main as click_main

    click_main(args=args, prog_name="hkit")


def _take(args: list[str], i: int, long: str, short: str | None = None) -> tuple[str, int] | None:
    """The value of an option at args[i] (``--long V``, ``--long=V``, ``-s V``, ``-sV``) and the
    index after it, or None when args[i] is not that option or has no value."""
    token = args[i]
    if token == long or (short is not None and token == short):
        return (args[i + 1], i + 2) if i + 1 < len(args) else None
    if token.startswith(long + "="):
        return token[len(long) + 1 :], i + 1
    if short is not None and token.startswith(short) and len(token) > len(short):
        return token[len(short) :], i + 1
    return None


def plan(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """What the fast lane would run for these arguments, or None to leave them to click."""
    options: dict[str, Any] = {"root": None, "timeout": 30.0, "data": []}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in ("--help", "-h") and i == len(args) - 1:
            return "help", options
        for name in ("root", "timeout", "data"):
            taken = _take(args, i, f"--{name}")
            if taken is not None:
                break
        else:
            return None
        value, i = taken
        if name == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                return None
            if not seconds > 0 or seconds != seconds or seconds == float("inf"):
                return None
            options["timeout"] = seconds
        elif name == "data":
            options["data"].append(value)
        else:
            options["root"] = value
    if i >= len(args):
        return None
    command, rest = args[i], args[i + 1 :]
    if command == "queries":
        options.update(tag=None, fmt="table")
        j = 0
        while j < len(rest):
            for name, key, choices in (
                ("--tag", "tag", None),
                ("--format", "fmt", ("table", "json", "md")),
            ):
                taken = _take(rest, j, name)
                if taken is not None:
                    value, j = taken
                    if choices is not None and value not in choices:
                        return None
                    options[key] = value
                    break
            else:
                return None
        return "queries", options
    if command == "query":
        if not rest or rest[0].startswith("-") or os.environ.get("HKIT_ENDPOINT"):
            return None
        options.update(name=rest[0], params=[], fmt=None, output=None, with_sources=False)
        j = 1
        while j < len(rest):
            if rest[j] == "--with-sources":
                options["with_sources"] = True
                j += 1
                continue
            for name, short, key in (
                ("--param", "-p", "params"),
                ("--format", None, "fmt"),
                ("--output", "-o", "output"),
            ):
                taken = _take(rest, j, name, short)
                if taken is not None:
                    value, j = taken
                    if key == "params":
                        options["params"].append(value)
                    elif key == "fmt" and value not in _QUERY_FORMATS:
                        return None
                    else:
                        options[key] = value
                    break
            else:
                return None
        return "query", options
    return None


def _help_cache_key() -> tuple[str, str] | None:
    """Where the cached --help text lives, and the key it must carry; None when there is no
    usable cache folder."""
    import hashlib
    import importlib.util
    import shutil

    from hkit import __version__

    click_spec = importlib.util.find_spec("click")
    parts = [__version__, str(shutil.get_terminal_size().columns)]
    for path in (
        os.path.join(os.path.dirname(__file__), "cli.py"),
        click_spec and click_spec.origin,
    ):
        if not path:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        parts += [path, str(info.st_mtime_ns), str(info.st_size)]
    from hkit.cache import cache_dir

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
        from hkit.cache import remember

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
    command, options = planned
    if command == "help":
        _help()
        return
    from hkit.commands import State, list_queries, run_query
    from hkit.errors import (
        HkitError,
        Stopped,
        handle_stop_signals,
        quiet_broken_pipe,
        restore_signals,
    )
    from hkit.errors import unexpected_lines as unexpected

    replaced = handle_stop_signals()

    state = State(
        options["root"] or os.environ.get("HKIT_ROOT"), tuple(options["data"]), options["timeout"]
    )
    try:
        if command == "queries":
            code = list_queries(state, options["tag"], options["fmt"])
            if code:
                sys.stdout.flush()
                sys.exit(code)
        else:
            run_query(
                state,
                options["name"],
                tuple(options["params"]),
                options["fmt"],
                options["output"],
                options["with_sources"],
            )
    except HkitError as exc:
        sys.stdout.flush()
        sys.stderr.write("".join(line + "\n" for line in exc.lines()))
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        quiet_broken_pipe()
    except (Exception, KeyboardInterrupt, Stopped) as exc:
        lines, code = unexpected(exc)
        sys.stderr.write("".join(line + "\n" for line in lines))
        sys.exit(code)
    finally:
        restore_signals(replaced)
    sys.exit(0)
