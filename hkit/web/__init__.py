"""The server (``hkit serve``): the Starlette application, its guards and its OpenAPI document.
Needs the ``serve`` extra (``pip install 'hkit[serve]'``).

May import :mod:`hkit.api` and every layer below it.
"""
