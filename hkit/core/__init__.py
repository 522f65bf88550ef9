"""The core: what every other layer builds on, and which imports nothing else of hkit.

The project's errors and exit codes, its vocabulary (prefixes and namespaces), SPARQL text (checks,
escapes, values bound into a query), the saved-query catalogue, the answer model (``Term``,
``Result``) with its ordering and Python values, the format registry, the default limits (a
query's timeout), and the cache folder.
Light on imports: the command line's start-up pays for what it imports from here.
"""
