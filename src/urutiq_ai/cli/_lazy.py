"""The command tree, converted from Typer to Click one branch at a time.

Before it parses anything, Typer turns every registered command into a Click command:
it reads each function's signature and builds its parameters. With some 120 commands
that was most of the time ``urutiq-ai deployments status --help`` took. Here a group's
commands are converted when one of them is asked for (to run it, to show its help, or
to list it in the group's help), and a sub-group's commands only when that sub-group is.
The root's own commands are converted as Typer does; the groups added to it wait.

This leans on Typer's conversion functions (``typer.main``); tests/cli compare the help
of every command with Typer's own conversion, so a Typer upgrade that changes them fails
there rather than in front of a user.
"""

from typing import Any

import typer
from typer import main as typer_main
from typer._click import Command, Context, Parameter
from typer._coercion import PassThroughRuntimeParam
from typer.core import TyperGroup, TyperOption
from typer.models import CommandInfo, TyperInfo


class LazyGroup(TyperGroup):
    """A Click group whose commands come from Typer registrations, converted on demand.

    ``pending`` maps a name to its registration (a command or a sub-group), in the order
    they were registered; a later registration under the same name replaces the earlier
    one in place, as Typer's own conversion does.
    """

    def __init__(
        self,
        *,
        pending: dict[str, CommandInfo | TyperInfo] | None = None,
        pretty_exceptions_short: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pending: dict[str, CommandInfo | TyperInfo] = dict(pending or {})
        self.pretty_exceptions_short = pretty_exceptions_short

    def list_commands(self, ctx: Context) -> list[str]:
        built = super().list_commands(ctx)
        return [*built, *(name for name in self.pending if name not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in self.pending:
            self.commands[cmd_name] = self._convert(self.pending.pop(cmd_name))
        return super().get_command(ctx, cmd_name)

    def get_params(self, ctx: Context) -> list[Parameter]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.is_flag and param.default is None:
                # --help, --install-completion: not given, a flag's value is None, which
                # Typer coerces to a bool with a Pydantic adapter, and importing Pydantic
                # cost `urutiq-ai deployments status --help` a tenth of a second. False is a
                # bool already.
                param.default = False
            elif isinstance(param, TyperOption) and _is_plain_text(param):
                # The root's --url, --api-key, --company: Click processes a group's options
                # before its subcommand's --help, and Typer builds a Pydantic adapter for
                # each, given or not. A command-line value is a str already.
                param._runtime_param = PassThroughRuntimeParam(
                    annotation=str, parameter_info=param.type_descriptor.parameter_info
                )
        return params

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] not in self.commands and args[0] not in self.pending:
            # A name that is no command: Typer suggests close ones among the converted
            # commands, so convert them all (this is the error's path, not the usual one).
            for name in list(self.pending):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def _convert(self, info: CommandInfo | TyperInfo) -> Command:
        if isinstance(info, CommandInfo):
            return typer_main.get_command_from_info(
                info,
                pretty_exceptions_short=self.pretty_exceptions_short,
                rich_markup_mode=self.rich_markup_mode,
            )
        return lazy_group(
            info,
            pretty_exceptions_short=self.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
            suggest_commands=self.suggest_commands,
        )


def _is_plain_text(param: TyperOption) -> bool:
    """A single-valued ``str`` option whose value Typer has not converted yet."""
    return (
        param.type_descriptor.annotation is str
        and not param.multiple
        and param.nargs == 1
        and param._runtime_param is None
    )


def registrations(
    commands: list[CommandInfo], groups: list[TyperInfo]
) -> dict[str, CommandInfo | TyperInfo]:
    """Registrations by command name, in Typer's order: the commands, then the groups."""
    found: dict[str, CommandInfo | TyperInfo] = {}
    for command in commands:
        if command.callback is None:
            continue
        found[command.name or typer_main.get_command_name(command.callback.__name__)] = command
    for group in groups:
        found[typer_main.solve_typer_info_defaults(group).name or ""] = group
    return found


def lazy_group(
    info: TyperInfo,
    *,
    pretty_exceptions_short: bool,
    rich_markup_mode: Any,
    suggest_commands: bool,
) -> Command:
    """The Click group of a sub-app, its commands converted when first asked for.

    A group with a callback or a class of its own is converted whole, by Typer."""
    solved = typer_main.solve_typer_info_defaults(info)
    if info.typer_instance is None or solved.callback is not None or solved.cls is not None:
        return typer_main.get_group_from_info(
            info,
            pretty_exceptions_short=pretty_exceptions_short,
            rich_markup_mode=rich_markup_mode,
            suggest_commands=suggest_commands,
        )
    return LazyGroup(
        pending=registrations(
            info.typer_instance.registered_commands, info.typer_instance.registered_groups
        ),
        pretty_exceptions_short=pretty_exceptions_short,
        name=solved.name or "",
        invoke_without_command=solved.invoke_without_command,
        no_args_is_help=solved.no_args_is_help,
        subcommand_metavar=solved.subcommand_metavar,
        result_callback=solved.result_callback,
        context_settings=solved.context_settings,
        help=solved.help,
        epilog=solved.epilog,
        short_help=solved.short_help,
        options_metavar=solved.options_metavar,
        add_help_option=solved.add_help_option,
        hidden=solved.hidden,
        deprecated=solved.deprecated,
        rich_markup_mode=rich_markup_mode,
        rich_help_panel=solved.rich_help_panel,
        suggest_commands=suggest_commands,
    )


class LazyTyper(typer.Typer):
    """A root Typer app whose added groups wait, unconverted, until they are asked for.

    Commands and ``add_typer`` are used as with ``typer.Typer``; the groups are kept aside
    from Typer's eager conversion and handed to the root's :class:`LazyGroup`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        groups: list[TyperInfo] = []
        self.lazy_groups = groups
        pretty_exceptions_short = self.pretty_exceptions_short

        class Root(LazyGroup):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(pretty_exceptions_short=pretty_exceptions_short, **kwargs)
                for name, info in registrations([], groups).items():
                    self.commands.pop(name, None)  # as with Typer, a group wins over a command
                    self.pending[name] = info

        self.info.cls = Root

    def add_typer(self, typer_instance: typer.Typer, **kwargs: Any) -> None:
        super().add_typer(typer_instance, **kwargs)
        self.lazy_groups.append(self.registered_groups.pop())
