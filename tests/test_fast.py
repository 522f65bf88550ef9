"""The fast lane of the ``hkit`` entry point gives exactly what the click command line gives:
the same output, errors and exit code, for every form it handles; anything else goes to click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from hkit.cli.fast import plan
from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS, choices_of

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
