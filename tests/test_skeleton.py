"""The project skeleton: the command line starts, the package carries its files, the README's
set-up commands are the ones CI runs, and the version lives in one place."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit import ResourceError
from hkit.cli.group import main
from hkit.store.files import ONTOLOGY, SHAPES, find_root, packaged_root


def test_version_option():
    result = CliRunner().invoke(main, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.strip() == f"hkit, version {hkit.__version__}"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_has_an_example(flag):
    result = CliRunner().invoke(main, [flag], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage: hkit" in result.output
    assert "Example" in result.output


def test_unknown_option_is_a_usage_error():
    result = CliRunner().invoke(main, ["--no-such-option"])
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_python_dash_m_hkit(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(hkit.__file__).resolve().parent.parent)}
    out = subprocess.run(
        [sys.executable, "-m", "hkit", "--version"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert out.stdout.strip() == f"hkit, version {hkit.__version__}"


def test_console_script_runs_from_any_directory(tmp_path):
    script = Path(sys.executable).with_name("hkit")
    if not script.exists():
        found = shutil.which("hkit")
        if found is None:
            pytest.skip("the hkit console script is not installed in this environment")
        script = Path(found)
    out = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == f"hkit, version {hkit.__version__}"


def test_installed_package_carries_ontology_data_and_queries():
    root = packaged_root()
    for sub in ("ontology", "data", "queries"):
        assert (root / sub).is_dir(), f"{root / sub} missing from the installed package"
    for rel in (ONTOLOGY, SHAPES):
        assert (root / rel).read_bytes() == (ROOT / rel).read_bytes(), (
            f"{rel} differs from the checkout"
        )


def test_find_root_prefers_explicit_then_env_then_checkout_then_package(tmp_path, monkeypatch):
    monkeypatch.delenv("HKIT_ROOT", raising=False)
    assert find_root(cwd=ROOT) == ROOT
    assert find_root(cwd=tmp_path) == packaged_root()
    with pytest.raises(ResourceError, match="has no ontology"):
        find_root(tmp_path)
    monkeypatch.setenv("HKIT_ROOT", str(ROOT))
    assert find_root(cwd=tmp_path) == ROOT


def test_version_lives_in_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{hkit.__version__}]" in changelog


def readme_setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_section = re.split(r"^## ", readme, flags=re.M)[1]
    return re.findall(r"```(?:sh|bash|console)?\n(.+?)\n```", first_section, re.S)


def test_readme_first_section_has_exactly_two_setup_commands():
    commands = readme_setup_commands()
    assert len(commands) == 2, commands
    main_job, tests = commands
    assert "pip install ." in main_job and "hkit" in main_job
    assert "pip install '.[test]'" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_setup_commands()[1] in ci
    assert "apt-get update" in ci


def test_readme_model_table_lists_every_class(ontology_graph):
    from rdflib.namespace import OWL, RDF

    from hkit.store.files import HKIT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    model = readme.split("## The model", 1)[1].split("\n## ", 1)[0]
    missing = [
        str(c).removeprefix(str(HKIT))
        for c in ontology_graph.subjects(RDF.type, OWL.Class)
        if str(c).startswith(str(HKIT)) and f"`hkit:{str(c).removeprefix(str(HKIT))}`" not in model
    ]
    assert not missing, f"README 'The model' does not list: {sorted(missing)}"


def test_readme_model_table_gives_each_class_its_ontology_definition(ontology_graph):
    """The README's meaning column is the ontology's skos:definition, word for word, so the two
    cannot drift apart."""
    import re

    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from hkit.store.files import HKIT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    model = readme.split("## The model", 1)[1].split("\n## ", 1)[0]
    table = model.split("| class | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = [re.split(r"(?<!\\) \| ", line.strip("| ")) for line in table.splitlines()[2:]]
    classes = [(cells[0].strip("`").removeprefix("hkit:"), cells[1]) for cells in rows]
    assert len(classes) > 40
    differ = [
        n
        for n, meaning in classes
        if meaning.replace("\\|", "|")
        != str(ontology_graph.value(URIRef(HKIT + n), SKOS.definition))
    ]
    assert not differ, f"README 'The model' differs from the ontology's definition of {differ}"


def test_readme_lists_every_environment_variable_hkit_reads():
    """Every HKIT_ variable named in the package, the tests or the benchmarks (as a string: how
    the environment is read) is in the README's Environment table."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Environment", 1)[1].split("\n## ", 1)[0]
    sources = [*ROOT.glob("hkit/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")]
    named = {
        name
        for path in sources
        for name in re.findall(r"""["'](HKIT_[A-Z_]+)["']""", path.read_text(encoding="utf-8"))
    }
    named -= {"HKIT_ID"}  # a Python name in hkit.store.files, not a variable
    assert {"HKIT_ROOT", "HKIT_QUERY_MEMORY_MB", "HKIT_SOURCES"} <= named
    missing = sorted(name for name in named if f"`{name}`" not in table)
    assert not missing, f"README 'Environment' does not list {missing}"


@pytest.mark.skipif(os.name != "posix", reason="the CI script is a bash script")
def test_ci_script_is_executable_bash():
    ci = ROOT / ".ci" / "run"
    assert ci.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash")
