"""hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

>>> import hkit
>>> kg = hkit.open()
>>> kg.query("funds-by-size", currency="HKD").variables[:4]
['initiative', 'label', 'qualifier', 'value']

``hkit.open()`` returns a :class:`hkit.api.KnowledgeGraph`; see :mod:`hkit.api`.
"""

__version__ = "0.1.0"

__all__ = ["KnowledgeGraph", "__version__", "open"]


def __getattr__(name: str) -> object:
    # the library is imported on first use, so that the command line's start-up does not pay
    if name in ("open", "KnowledgeGraph"):
        from hkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'hkit' has no attribute {name!r}")
