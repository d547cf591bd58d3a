"""The office dashboard and the sandbox web console (aiohttp, same process as the bot)."""

from bot.web.server import create_web_app, start_web

__all__ = ["create_web_app", "start_web"]
