"""Registration of the seed's voice workflow on Telegram: /adopt_voice, /delete_voice and /format, and the buttons
of samples (``vb:p:``), deleting a voice (``vb:d:``) and speaking in the voice of a recording (``vb:x:``)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from .. import seed_strings
from . import speak, voices


def register(application: Application) -> None:
    """Add the handlers (before the catch-all for stale buttons)."""
    seed_strings.register_strings()
    new_message = filters.UpdateType.MESSAGE
    for name, command in (("adopt_voice", voices.adopt_voice_command),
                          ("delete_voice", voices.delete_voice_command),
                          ("format", speak.format_command)):
        application.add_handler(CommandHandler(name, command, filters=new_message))
    application.add_handler(CallbackQueryHandler(voices.on_sample_button, pattern=r"^vb:p:"))
    application.add_handler(CallbackQueryHandler(voices.on_delete_button, pattern=r"^vb:d:"))
    application.add_handler(CallbackQueryHandler(speak.on_dynamic_button, pattern=r"^vb:x:"))
