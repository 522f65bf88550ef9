"""The store: where the graph's files are and how they are read, the embedded pyoxigraph store
and its on-disk cache (with damage recovery), the engines that answer a query (embedded, rdflib,
a SPARQL endpoint), and the bounded child process that queries and checks run in.

May import :mod:`hkit.core`.
"""
