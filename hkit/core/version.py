"""hkit's version: one place, read by the package's build (hatch) and by hkit itself."""

__version__ = "0.1.0"
