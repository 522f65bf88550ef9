"""The fast lane of the ``hkit`` entry point gives exactly what the click command line gives:
the same output, errors and exit code, for every form it handles; anything else goes to click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from hkit import HkitError
from hkit.cli import commands
from hkit.cli.boundary import Stopped
from hkit.cli.fast import plan
from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS, Argument, Command, Option, choices_of

FAST = "import sys; from hkit.cli.fast import main; main(sys.argv[1:])"
CLICK = "import sys; from hkit.cli.group import main; main(sys.argv[1:], prog_name='hkit')"

CASES = [
    ["queries"],
    ["queries", "--tag", "funding"],
    ["queries", "--format", "json"],
    ["queries", "--format=md", "--tag=people"],
    ["query", "funds-by-size"],
    ["query", "unicorns-by-sector", "-p", "sector=fintech", "--format", "csv"],
    ["query", "unicorns-by-sector", "-psector=fintech", "--format=json", "--with-sources"],
    ["query", "who-works-in-sector", "--param", "sector=artificial intelligence"],
    ["query", "who-works-in-sector", "--param=sector=robotics", "--format", "md"],
    ["--timeout", "20", "query", "rankings", "--format", "tsv"],
    ["--root", str(ROOT), "query", "targets", "--format", "xml"],
    ["--timeout=10", "--root=" + str(ROOT), "queries"],
    ["query", "no-such-query"],
    ["query", "unicorns-by-sector", "-p", "bogus=1"],
    ["query", "who-works-in-sector"],
    ["query", "funds-by-size", "--format", "turtle"],
    ["--data", str(ROOT / "tests" / "fixtures" / "export" / "tricky-literals.ttl"), "queries"],
    [
        "--data",
        str(ROOT / "tests" / "fixtures" / "checks" / "isolated-entity.ttl"),
        "query",
        "people-and-posts",
    ],
    ["--data", "/no/such/file.ttl", "query", "funds-by-size"],
    ["--help"],
    ["--debug", "query", "funds-by-size"],
    ["query", "--format", "json", "funds-by-size"],
    ["query", "funds-by-size", "--show"],
    ["query", "-p", "sector=fintech", "unicorns-by-sector", "--wide", "--file-names"],
    ["query", "funds-by-size", "--endpoint", "http://127.0.0.1:9/sparql"],
    ["query", "funds-by-size", "--default-graph", "https://w3id.org/hkit/data"],
]


def run(code: str, args: list[str], cwd, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, cwd=cwd, env=env, timeout=120
    )


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a)[:60])
def test_the_fast_lane_answers_as_click_does(args, tmp_path):
    assert plan(args) is not None, "this case should take the fast lane"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "100"}
    env.pop("HKIT_ENDPOINT", None)
    fast = run(FAST, args, ROOT, env)
    slow = run(CLICK, args, ROOT, env)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        slow.returncode,
        slow.stdout,
        slow.stderr,
    )
    if args == ["--help"]:  # the second time from the cache, still the same
        again = run(FAST, args, ROOT, env)
        assert again.stdout == slow.stdout
        assert (tmp_path / "cache" / "hkit" / "help.txt").is_file()


def test_output_files_are_the_same(tmp_path):
    env = {**os.environ}
    for code, name in ((FAST, "fast.csv"), (CLICK, "click.csv")):
        done = run(
            code,
            ["query", "funds-by-size", "--format", "csv", "-o", str(tmp_path / name)],
            ROOT,
            env,
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "click.csv").read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["query"],
        ["query", "a", "b"],
        ["query", "funds-by-size", "--with-sources=yes"],
        ["query", "funds-by-size", "--no-such-option"],
        ["query", "funds-by-size", "--format", "yaml"],
        ["query", "funds-by-size", "-p"],
        ["query", "funds-by-size", "--", "-p"],
        ["queries", "--format", "csv"],
        ["queries", "--help"],
        ["--timeout", "0", "queries"],
        ["--timeout", "nan", "queries"],
        ["--timeout", "soon", "queries"],
        ["--help", "queries"],
        ["sparql", "ASK {}"],
        ["describe", "HKSTP"],
        ["--version"],
    ],
    ids=lambda a: " ".join(a)[:60] or "(nothing)",
)
def test_everything_else_goes_to_click(args):
    assert plan(args) is None


def _sample(option) -> list[str]:
    if option.kind == "flag":
        return []
    if option.choices:
        return [choices_of(option)[0]]
    return ["7" if option.kind == "seconds" else "x=1"]


@pytest.mark.parametrize(
    ("command", "flag"),
    [(c.name, flag) for c in COMMANDS.values() if c.fast for o in c.options for flag in o.flags],
)
def test_every_option_of_a_fast_command_takes_the_fast_lane(command, flag):
    """The fast lane parses with the option table, so an option added to it is never left to
    click by mistake (nor parsed differently)."""
    spec = COMMANDS[command]
    option = next(o for o in spec.options if flag in o.flags)
    args = [command, *(["funds-by-size"] if spec.arguments else []), flag, *_sample(option)]
    planned = plan(args)
    assert planned is not None
    value = planned[2][option.dest]
    expected = _sample(option)
    if option.kind == "flag":
        assert value is True
    elif option.multiple:
        assert value == tuple(expected)
    else:
        assert value == (7.0 if option.kind == "seconds" else expected[0])
    for global_option in GLOBAL_OPTIONS:
        assert global_option.dest in planned[1]


def test_the_click_commands_are_built_from_the_option_table():
    from hkit.cli.group import main

    for name, spec in COMMANDS.items():
        command = main.commands[name]
        table = [(a.dest, ()) for a in spec.arguments] + [(o.dest, o.flags) for o in spec.options]
        built = [
            (p.name, tuple(p.opts) if p.param_type_name == "option" else ()) for p in command.params
        ]
        assert built == table, name
    assert set(main.commands) == set(COMMANDS)


def test_an_endpoint_in_the_environment_is_used_by_the_fast_lane(monkeypatch):
    monkeypatch.setenv("HKIT_ENDPOINT", "http://127.0.0.1:9/sparql")
    planned = plan(["query", "funds-by-size"])
    assert planned is not None
    assert planned[2]["endpoint"] == "http://127.0.0.1:9/sparql"


def test_the_fast_lane_imports_neither_click_nor_rdflib():
    code = (
        "import sys; from hkit.cli.fast import main\n"
        "try:\n    main(['query', 'funds-by-size'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('click', 'rdflib', 'pyshacl', 'owlready2', 'dataclasses') "
        "if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, text=True)
    assert done.stderr == "[]"


def test_help_is_cached_in_hkit_cache_dir_when_it_is_set(tmp_path):
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "HKIT_CACHE_DIR": str(cache)}
    env.pop("XDG_CACHE_HOME", None)
    hkit = Path(sys.executable).parent / "hkit"
    for _ in range(2):
        done = subprocess.run([str(hkit), "--help"], capture_output=True, text=True, env=env)
        assert done.returncode == 0 and "Usage" in done.stdout
    assert (cache / "help.txt").is_file()
    assert not (home / ".cache").exists()


def test_neither_lane_names_a_command():
    """The click group and the fast lane are built from the table: no command's name is written
    in their code (only in the table, and as its work's name in hkit.cli.commands)."""
    import ast

    import hkit.cli.fast
    import hkit.cli.group

    for module in (hkit.cli.fast, hkit.cli.group):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))
        texts = {n.value for n in nodes if isinstance(n, ast.Constant)}
        works = {
            n.attr
            for n in nodes
            if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "commands"
        }
        works |= {
            a.name
            for n in nodes
            if isinstance(n, ast.ImportFrom) and n.module == "hkit.cli.commands"
            for a in n.names
        }
        assert not texts & set(COMMANDS), module.__name__
        assert not works & set(COMMANDS), module.__name__


def _greet(state, who: str, times: int = 1, loud: bool = False) -> int:
    """The work of the made-up command below: a line per time, or an error for some names."""
    errors = {
        "nobody": HkitError("there is nobody to greet", hint="name someone"),
        "ctrl-c": KeyboardInterrupt(),
        "sigterm": Stopped(15),
        "bug": RuntimeError("an unexpected state"),
        "pipe": BrokenPipeError(32, "Broken pipe"),
    }
    if who in errors:
        raise errors[who]
    line = f"hello, {who}" + (f" (timeout {state.timeout:g})" if loud else "")
    sys.stdout.write(f"{line.upper() if loud else line}\n" * times)
    if who == "late":
        raise HkitError("too late")
    return 1 if who == "fails" else 0


#: A made-up command: its entry in a table and its work, and nothing else.
GREET = Command(
    "greet",
    help="""Greet someone.

    Example:

        hkit greet world --loud
    """,
    arguments=(Argument("who"),),
    options=(
        Option(("--loud",), "loud", "Shout.", kind="flag"),
        Option(("-n", "--times"), "times", "How often.", kind="count", default=1),
    ),
    fast=True,
)
GREET_TABLE = {**COMMANDS, "greet": GREET}
GREET_WORK = type(sys)("work")
GREET_WORK.__dict__.update({name: getattr(commands, name) for name in COMMANDS}, greet=_greet)


def _both_lanes(args: list[str], capsys, monkeypatch) -> tuple[tuple, tuple]:
    """(exit code, stdout, stderr) of ``args`` in the fast lane and in click, both in this
    process, with the table above, 100 columns wide."""
    from click.testing import CliRunner

    from hkit.cli.fast import main as fast_main
    from hkit.cli.group import build

    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as info:
        fast_main(args, GREET_TABLE, GREET_WORK)
    out, err = capsys.readouterr()
    fast = (info.value.code, out, err)
    done = CliRunner().invoke(  # click leaves 2 of a terminal's columns unused
        build(GREET_TABLE, GREET_WORK), args, prog_name="hkit", terminal_width=98
    )
    return fast, (done.exit_code, done.stdout, done.stderr)


BUG_HINT = "hkit: hint: this is a bug in hkit; run again with --debug to see where, and report it\n"


@pytest.mark.parametrize(
    ("args", "code", "out", "err"),
    [
        (["greet", "world"], 0, "hello, world\n", ""),
        (
            ["--timeout=5", "greet", "-n2", "world", "--loud"],
            0,
            "HELLO, WORLD (TIMEOUT 5)\n" * 2,
            "",
        ),
        (["greet", "fails"], 1, "hello, fails\n", ""),
        (["greet", "late"], 2, "hello, late\n", "hkit: error: too late\n"),
        (
            ["greet", "nobody"],
            2,
            "",
            "hkit: error: there is nobody to greet\nhkit: hint: name someone\n",
        ),
        (
            ["greet", "bug"],
            3,
            "",
            "hkit: internal error: RuntimeError: an unexpected state\n" + BUG_HINT,
        ),
        (["greet", "ctrl-c"], 130, "", "hkit: interrupted\n"),
        (["greet", "sigterm"], 143, "", "hkit: stopped by SIGTERM\n"),
        (["greet", "pipe"], 141, "", ""),
        (
            ["greet", "-n", "0", "world"],
            2,
            "",
            "hkit: error: Invalid value for '-n' / '--times': 0 is not in the range x>=1.\n"
            "hkit: hint: see 'hkit greet --help'\n",
        ),
        (
            ["greet", "--help"],
            0,
            "  Greet someone.\n\n  Example:\n\n      hkit greet world --loud\n",
            "",
        ),
        (["--help"], 0, "  greet     Greet someone.\n", ""),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else "",
)
def test_a_new_command_is_its_table_entry_and_its_work(args, code, out, err, capsys, monkeypatch):
    """Adding a command touches at most three files: its entry in the option table
    (hkit/cli/options.py) with its help, its work (the function of its name in
    hkit/cli/commands.py), and the library function the work calls. Here an entry and a
    function made up for the test, given to the lanes as their table and their work, and
    nothing else, make a command that both lanes run alike: its output, its help and its
    errors, through the one error boundary."""
    fast, click = _both_lanes(args, capsys, monkeypatch)
    assert fast == click
    assert fast[0] == code
    assert out in fast[1] if "--help" in args else fast[1] == out
    assert fast[2] == err


def test_debug_shows_the_traceback_in_both_lanes(capsys, monkeypatch):
    fast, click = _both_lanes(["--debug", "greet", "nobody"], capsys, monkeypatch)
    for code, _, err in (fast, click):
        assert code == 2
        assert err.startswith("Traceback (most recent call last):")
        assert err.endswith("hkit: error: there is nobody to greet\nhkit: hint: name someone\n")
