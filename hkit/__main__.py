"""python -m hkit: the same entry point as the hkit command."""

from hkit.cli.fast import main

if __name__ == "__main__":
    main()
