"""App-command cogs of the Discord bot; each module is an extension with an async ``setup(bot)``."""
