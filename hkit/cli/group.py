"""The ``hkit`` command line on click, built from the option table (hkit.cli.options): the
global options and a command per entry, each doing its work through the function of its name in
hkit.cli.commands. Nothing here names a command."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import click

from hkit.api import KnowledgeGraph
from hkit.cli import commands
from hkit.cli.boundary import ErrorBoundary, handle_stop_signals, restore_signals
from hkit.cli.commands import State
from hkit.cli.options import (
    COMMANDS,
    GLOBAL_OPTIONS,
    PROGRAM_HELP,
    Argument,
    Command,
    Option,
    choices_of,
)
from hkit.core.errors import EXIT_INTERRUPTED
from hkit.core.version import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HkitGroup(click.Group):
    """Turns the project's errors, and click's usage errors, into one line on stderr (and a hint)
    with a documented exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001, ANN201
        """Run the command line; click's errors and aborts become one line and an exit code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        replaced = handle_stop_signals()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            click.echo(f"hkit: error: {exc.format_message()}", err=True)
            context = getattr(exc, "ctx", None)
            where = context.command_path if context is not None else "hkit"
            click.echo(f"hkit: hint: see '{where} --help'", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("hkit: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            restore_signals(replaced)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        """Run a command; hkit's errors and unexpected ones become one line and an exit code."""
        with ErrorBoundary(
            lambda: isinstance(ctx.obj, State) and ctx.obj.debug,
            passing=(click.exceptions.Exit, click.ClickException, click.Abort),
        ):
            return super().invoke(ctx)


class _Choice(click.Choice):
    """click's Choice over the choices of an option of the table, read from their registry when
    click first needs them (a registry's module may be heavy to import: review's is rdflib's)."""

    def __init__(self, spec: Option) -> None:  # click.Choice's own attributes, read lazily
        self.spec = spec
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]  # click's, read lazily
        return choices_of(self.spec)


def _parameters(specs: Iterable[Option | Argument]) -> Callable[[Callable], Callable]:
    """A decorator that gives a click command the options and arguments of ``specs``, in their
    order, from their lines in the option table."""
    decorators = []
    for spec in specs:
        completion = {"names": _complete_names, "params": _complete_params}.get(spec.complete or "")
        kind: click.ParamType | None = click.Path(dir_okay=False) if spec.kind == "file" else None
        if isinstance(spec, Argument):
            decorators.append(
                click.argument(
                    spec.dest, required=spec.required, type=kind, shell_complete=completion
                )
            )
            continue
        if spec.choices:
            kind = _Choice(spec)
        elif spec.kind == "seconds":
            kind = click.FloatRange(min=0, min_open=True)
        elif spec.kind == "count":
            kind = click.IntRange(min=1)
        elif spec.kind == "port":
            kind = click.IntRange(min=1, max=65535)
        decorators.append(
            click.option(
                *spec.flags,
                spec.dest,
                help=spec.help,
                type=kind,
                is_flag=spec.kind == "flag",
                multiple=spec.multiple,
                default=spec.default,
                envvar=spec.envvar,
                metavar=spec.metavar,
                show_default=spec.show_default,
                required=spec.required,
                shell_complete=completion,
            )
        )

    def decorate(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate


def _catalog_for_completion(ctx: click.Context) -> dict:
    """The saved queries of the --root being completed (or the default one); {} on any error:
    completion must never print an error into the user's shell."""
    import os

    try:
        root = ctx.find_root().params.get("root") or os.environ.get("HKIT_ROOT")
        return KnowledgeGraph(root=root).queries
    except Exception:
        return {}


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Saved-query names, for shell completion."""
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(name, help=q.summary)
        for name, q in sorted(_catalog_for_completion(ctx).items())
        if name.startswith(incomplete)
    ]


def _complete_params(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """NAME= for the parameters of the saved query being completed, then its allowed values."""
    import os

    from click.shell_completion import CompletionItem

    queries = _catalog_for_completion(ctx)
    # while completing, click may not have bound the NAME argument yet: read it from the words
    words = [ctx.params.get("name") or "", *os.environ.get("COMP_WORDS", "").split()]
    saved = next((queries[w] for w in words if w in queries), None)
    if saved is None:
        return []
    name, sep, _ = incomplete.partition("=")
    items = []
    for p in saved.params:
        if sep and p.name == name:
            items += [f"{p.name}={v}" for v in p.allowed]
        elif not sep:
            items.append(f"{p.name}=")
    return [CompletionItem(item) for item in items if item.startswith(incomplete)]


def build(table: Mapping[str, Command] = COMMANDS, work: object = commands) -> HkitGroup:
    """The click command line of ``table``: the global options, then a command per entry, its
    grammar and help from the entry and its work done by the function of its name in ``work``
    (default: hkit's own, in hkit.cli.commands)."""

    @click.pass_context
    def program(ctx: click.Context, **globals_: Any) -> None:
        ctx.obj = State(**globals_)

    program = _parameters(GLOBAL_OPTIONS)(program)
    program = click.version_option(__version__, "-V", "--version", prog_name="hkit")(program)
    group = click.group(
        "main", cls=HkitGroup, help=PROGRAM_HELP, context_settings=CONTEXT_SETTINGS
    )(program)
    for spec in table.values():
        group.add_command(_command(spec, getattr(work, spec.name)))
    return group


def _command(spec: Command, work: Callable[..., int]) -> click.Command:
    """The click command of an entry of the option table, whose work ``work`` does."""

    @click.pass_obj
    def callback(state: State, **values: object) -> None:
        code = work(state, **values)
        if code:
            sys.stdout.flush()
            sys.exit(code)

    callback = _parameters((*spec.arguments, *spec.options))(callback)
    return click.command(spec.name, help=spec.help, context_settings=CONTEXT_SETTINGS)(callback)


#: hkit's command line. The entry point names it hkit (prog_name); a caller that gives no name
#: sees its own, main.
main = build()
