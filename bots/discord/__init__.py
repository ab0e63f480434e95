"""The Discord adapter: app commands in cogs, native voice messages, server settings.

Start it with :func:`bots.discord.runner.run_discord`; the bot class is :class:`bots.discord.bot.VoiceBridgeBot`;
its ``DISCORD_*`` settings are :class:`bots.discord.settings.DiscordSettings`.
"""
