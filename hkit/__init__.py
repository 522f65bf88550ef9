"""hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem."""

__version__ = "0.1.0"
