"""The command line: the option table every command is declared in, the fast lane that runs the
common commands without click, the click group built from the same table, the commands' work
and the error boundary they share.

May import every layer below it (the library API, the server's launcher included). Importing
this package imports nothing: the fast lane's start-up stays short.
"""
