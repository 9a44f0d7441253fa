"""A sub-command's own help without its module: the help card (issue 15).

``kluis <group> <name> --help`` used to import the module that defines ``<name>`` (its options
are in its signature), and with it the slice's service, SQLAlchemy and pydantic: ~1 s for a
page of text. The index (``kluis.cli.INDEX``) now holds, for each sub-command, what Typer's
Rich help reads of it and of each of its options and arguments (``card_of``: their names, help
texts, type labels, defaults as shown, usage pieces), taken from the real command when the
index is written. ``HelpCard`` is a ``TyperCommand`` rebuilt from that card alone, whose
options answer Typer's help with the stored strings, so Typer renders the same help, byte for
byte, at the cost of a group's help. It is built only for a lone help option; any other
arguments load the real command (``kluis.cli.Lazy.resolve_command``).

It relies on what Typer 0.29's ``rich_utils.rich_format_help`` reads of a command and its
parameters: re-check it when Typer is upgraded (``tests/test_cli_registry.py`` compares every
card's help with the real command's).
"""

from __future__ import annotations

from typing import Any, NoReturn

from typer import _click as click
from typer.core import TyperArgument, TyperCommand, TyperOption

SHOWN = (
    "name",
    "opts",
    "secondary_opts",
    "help",
    "hidden",
    "required",
    "envvar",
    "show_envvar",
    "allow_from_autoenv",
    "show_default",
    "rich_help_panel",
    "metavar",
    "nargs",
)
"""The attributes of an option or argument that the help reads as they are."""

COMMAND = ("epilog", "options_metavar", "rich_markup_mode", "add_help_option", "deprecated")
"""The attributes of a command, besides its name and help, that its own help reads."""


def card_of(command: click.Command, ctx: click.Context) -> dict[str, Any] | None:
    """What the help of ``command`` reads, as JSON data, or None when it reads something a card
    cannot hold (a parameter that is not Typer's, context settings): that command's help then
    loads its module as before."""
    if not isinstance(command, TyperCommand) or command.context_settings:
        return None
    params = []
    for param in command.params:
        if not isinstance(param, TyperOption | TyperArgument):
            return None
        default = param._extract_default_help_str(ctx=ctx)
        shown_str = isinstance(param.show_default, str)
        shows = shown_str or (default is not None and (param.show_default or ctx.show_default))
        params.append(
            {
                "kind": "argument" if isinstance(param, TyperArgument) else "option",
                **{k: getattr(param, k, None) for k in SHOWN},
                "type": param.display_type_rich(ctx=ctx),
                "range": param._get_number_range_help_str(),
                "default": None
                if not shows
                else param._get_default_string(
                    ctx=ctx, show_default_is_str=shown_str, default_value=default
                ),
                "usage": param.get_usage_pieces(ctx),
            }
        )
    return {**{k: getattr(command, k) for k in COMMAND}, "params": params}


class _Shown:
    """What an option or argument of a card answers to the help: the stored strings. It does
    not call its Typer base's ``__init__`` (that needs the real type and callback)."""

    card: dict[str, Any]

    def _fill(self, card: dict[str, Any]) -> None:
        self.card = card
        for key in SHOWN:
            setattr(self, key, card[key])

    def display_type_rich(self, ctx: click.Context) -> str | None:
        shown: str | None = self.card["type"]
        return shown

    def _get_number_range_help_str(self) -> str | None:
        shown: str | None = self.card["range"]
        return shown

    def _extract_default_help_str(self, *, ctx: click.Context) -> Any:
        return self.card["default"]

    def _get_default_string(
        self, *, ctx: click.Context, show_default_is_str: bool, default_value: Any
    ) -> str:
        shown: str = self.card["default"]
        return shown

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces: list[str] = self.card["usage"]
        return pieces


class ShownOption(_Shown, TyperOption):
    def __init__(self, card: dict[str, Any]) -> None:
        self._fill(card)


class ShownArgument(_Shown, TyperArgument):
    def __init__(self, card: dict[str, Any]) -> None:
        self._fill(card)


class HelpCard(TyperCommand):
    """The command ``name`` as far as its own help goes, rebuilt from its card."""

    def __init__(self, name: str, help: str, card: dict[str, Any], **listed: Any) -> None:
        params: list[click.Parameter] = [
            ShownArgument(p) if p["kind"] == "argument" else ShownOption(p) for p in card["params"]
        ]
        super().__init__(name, help=help, params=params, **{k: card[k] for k in COMMAND}, **listed)

    def parse_args(self, ctx: click.Context, args: list[str]) -> NoReturn:
        """Only ever given a lone help option: show the help as Click's help option does."""
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()
