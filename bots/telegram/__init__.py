"""The Telegram adapter (python-telegram-bot 22): see :mod:`bots.telegram.runner` for the entry points and
:mod:`bots.telegram.settings` for its ``TELEGRAM_*`` settings."""

from __future__ import annotations

__all__ = ["build_application", "run_telegram"]


def __getattr__(name: str):  # lazy: importing the package doesn't import PTB or the core
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)
