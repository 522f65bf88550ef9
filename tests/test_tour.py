"""The tour notebook (docs/tour.ipynb) runs from top to bottom with nbclient on a fresh kernel,
and each cell gives the kind of output its question needs: tables as HTML, plots as images,
the note of an empty answer as text. It is committed without outputs (a diff shows the code
alone), which this test checks too."""

from __future__ import annotations

import pytest
from helpers import ROOT
from stores import missing

NOTEBOOK = ROOT / "docs" / "tour.ipynb"


def _kinds(cell) -> set[str]:
    kinds: set[str] = set()
    for output in cell.get("outputs", []):
        if output["output_type"] == "error":
            kinds.add("error")
        elif output["output_type"] == "stream":
            kinds.add("text")
        else:
            data = set(output.get("data", {}))
            if "text/html" in data:
                kinds.add("html")
            if "image/png" in data:
                kinds.add("image")
            if data == {"text/plain"}:
                kinds.add("value")
    return kinds


def test_the_tour_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_the_tour_runs_and_each_cell_shows_what_it_answers(tmp_path, monkeypatch):
    import importlib.util

    absent = [m for m in ("nbclient", "ipykernel", "matplotlib") if not importlib.util.find_spec(m)]
    if absent:
        missing(", ".join(absent) + " (the notebook extra)")
    import nbclient
    import nbformat

    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    kinds = [_kinds(c) for c in code]
    assert not any("error" in k for k in kinds), kinds
    tables = sum("html" in k for k in kinds)
    plots = sum("image" in k for k in kinds)
    assert tables >= 5 and plots >= 2, kinds
    texts = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "sector='biotech' names nothing of its kind; nearest: biotechnology" in texts
    assert "exactly" in texts
