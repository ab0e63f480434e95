"""The web console: an aiohttp adapter like the chat bots (it parses a request, calls ``VoiceService``,
renders a Jinja2 page). :mod:`bots.web.server` builds and serves it; pages live in :mod:`bots.web.pages`."""
