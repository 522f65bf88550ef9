"""Presentation: how answers and the graph are shown and written. Answers rendered in each
format, files written atomically, source documents by name, an entity described, the graph's
statistics, the export of the graph and the HTML documentation of the ontology.

May import :mod:`hkit.quality`, :mod:`hkit.store` and :mod:`hkit.core`.
"""
