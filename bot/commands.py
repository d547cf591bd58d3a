"""Stable import path for command parsing (`bot.commands.parse`); it lives in `bot.chat`."""

from bot.nlp.commands import COMMAND_NAMES, HELP_TEXT, Command, parse, take_reference

__all__ = ["COMMAND_NAMES", "HELP_TEXT", "Command", "parse", "take_reference"]
