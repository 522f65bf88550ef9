"""The bounds hkit puts on its work unless told otherwise: the library's ``timeout`` and the
command line's ``--timeout`` both default to them. Imports nothing: the fast lane reads it."""

#: Seconds any one query may run, unless told otherwise.
DEFAULT_TIMEOUT = 30.0
