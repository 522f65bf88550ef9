"""The server (``hkit serve``): the Starlette application and its route table (app), the views
(views), the state and the running of queries (server), content negotiation (negotiation), the
guards (guard) and the OpenAPI document (openapi).
Needs the ``serve`` extra (``pip install 'hkit[serve]'``).

May import :mod:`hkit.api` and every layer below it.
"""
