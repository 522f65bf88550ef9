"""Refresh the SPARQL editor's vendored files (CodeMirror 6 and its SPARQL mode), which ``hkit
serve`` serves at /static/vendor/codemirror/ for the editor page at /sparql.

Installs the pinned versions below from the npm registry into a temporary folder, bundles what
the editor uses into one minified script with esbuild, and writes into
hkit/web/static/vendor/codemirror/: the script, the licence of every package bundled in it, and
the versions of those packages. Installing hkit then needs no Node; the pages load nothing from
outside. Needs Node.js and npm; run from the checkout: ``python3 scripts/refresh-editor.py``.
To move to newer versions, change PINNED and run it again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: The packages installed, at exact versions (esbuild builds; the others are bundled).
PINNED = {
    "@codemirror/autocomplete": "6.20.4",
    "@codemirror/commands": "6.11.1",
    "@codemirror/language": "6.13.1",
    "@codemirror/legacy-modes": "6.5.5",
    "@codemirror/state": "6.7.6",
    "@codemirror/view": "6.43.15",
    "esbuild": "0.28.2",
}
#: What the editor (hkit/web/static/editor.js) takes from the bundle, as ``HkitCodeMirror.NAME``.
ENTRY = """\
export {EditorState} from "@codemirror/state";
export {EditorView, keymap, lineNumbers, drawSelection, highlightActiveLine,
        highlightActiveLineGutter, placeholder} from "@codemirror/view";
export {StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
        indentOnInput} from "@codemirror/language";
export {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
export {autocompletion, completionKeymap, closeBrackets,
        closeBracketsKeymap} from "@codemirror/autocomplete";
export {sparql} from "@codemirror/legacy-modes/mode/sparql";
"""
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "hkit" / "web" / "static" / "vendor" / "codemirror"


def _package_of(path: str) -> str:
    """The npm package an input file of the bundle belongs to."""
    parts = path.split("node_modules/")[-1].split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def main() -> int:
    """Install, bundle, and write the vendored files; 0 on success."""
    npm = shutil.which("npm")
    if npm is None:
        print("refresh-editor: npm is needed (Debian's nodejs and npm)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="hkit-editor-") as folder:
        work = Path(folder)
        manifest = {"name": "hkit-editor-build", "private": True, "dependencies": PINNED}
        (work / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        (work / "entry.js").write_text(ENTRY)
        # no install scripts: esbuild's binary comes in its platform package all the same
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact"],
            cwd=work,
            check=True,
        )
        subprocess.run(
            [
                str(work / "node_modules" / ".bin" / "esbuild"),
                "entry.js",
                "--bundle",
                "--minify",
                "--format=iife",
                "--global-name=HkitCodeMirror",
                "--target=es2020",
                "--legal-comments=none",
                "--metafile=meta.json",
                "--outfile=codemirror.min.js",
            ],
            cwd=work,
            check=True,
        )
        meta = json.loads((work / "meta.json").read_text())
        bundled = sorted({_package_of(p) for p in meta["inputs"] if "node_modules/" in p})
        lock = json.loads((work / "package-lock.json").read_text())["packages"]
        versions = {name: lock[f"node_modules/{name}"]["version"] for name in bundled}

        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        shutil.copy(work / "codemirror.min.js", TARGET / "codemirror.min.js")
        licences = []
        for name in bundled:
            found = sorted((work / "node_modules" / name).glob("LICEN[CS]E*"))
            if not found:
                print(f"refresh-editor: {name} ships no licence file", file=sys.stderr)
                return 1
            text = found[0].read_text(encoding="utf-8").strip()
            licences.append(f"{name} {versions[name]}\n{'=' * 72}\n{text}\n")
        (TARGET / "LICENSE").write_text(
            "The packages bundled in codemirror.min.js, each with its licence.\n\n"
            + "\n\n".join(licences),
            encoding="utf-8",
        )
        record = {"bundled": versions, "built_with": {"esbuild": PINNED["esbuild"]}}
        (TARGET / "versions.json").write_text(json.dumps(record, indent=2) + "\n")
    size = (TARGET / "codemirror.min.js").stat().st_size
    print(f"refresh-editor: {len(bundled)} packages, codemirror.min.js {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
