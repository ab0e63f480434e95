"""The console's pages, one module per concern; :func:`add_routes` registers them all."""

from __future__ import annotations

from aiohttp import web

from bots.web.pages import account, clone, config, signin, speak, voices


def add_routes(app: web.Application) -> None:
    for module in (signin, speak, clone, voices, config, account):
        app.router.add_routes(module.routes)
