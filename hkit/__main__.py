"""Run the hkit command line as ``python -m hkit``."""

from hkit.cli import main

if __name__ == "__main__":
    main()
