"""Make a release of the ontology: ``releases/<version>/``, from ``ontology/hkit.ttl``'s
``owl:versionInfo``.

Bump ``owl:versionInfo``, ``owl:versionIRI``, ``owl:priorVersion`` and ``dcterms:modified`` in
``ontology/hkit.ttl`` first (``hkit check`` says what is missing), then run, from the checkout:

    .venv/bin/python scripts/release.py

and commit the folder it writes. A release is never rewritten: the script refuses an existing
folder. ``--prior-commit REV`` takes the prior version's ontology from git
(``REV:ontology/hkit.ttl``) for the changelog, for a version that has no release folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from hkit.core.errors import HkitError
from hkit.present.release import write_release


def main(argv: list[str] | None = None) -> int:
    """Write the release; exit 0 with its folder printed, or 1 with a one-line reason."""
    parser = argparse.ArgumentParser(description="Write releases/<version>/ for the ontology.")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument(
        "--prior-commit",
        metavar="REV",
        help="compare with ontology/hkit.ttl at this git commit for the changelog",
    )
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prior, note = None, None
            if args.prior_commit:
                shown = subprocess.run(
                    ["git", "show", f"{args.prior_commit}:ontology/hkit.ttl"],
                    cwd=args.root,
                    capture_output=True,
                    check=False,
                )
                if shown.returncode:
                    print(f"release: git cannot show {args.prior_commit}", file=sys.stderr)
                    return 1
                prior = Path(tmp) / "prior.ttl"
                prior.write_bytes(shown.stdout)
                note = (
                    f"since the prior version, taken as ontology/hkit.ttl at commit "
                    f"{args.prior_commit} (it has no release folder)"
                )
            folder = write_release(args.root, prior, note)
    except HkitError as exc:
        print(f"release: {exc.message}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
