"""Every handler of the bot, registered by :func:`register_handlers`.

One module per command group: ``general`` (/start, /help, private-chat text and audio), ``speak``,
``voices`` (/voices, /voice), ``clone``, ``settings`` (/settings, /speed, /gain, /lang, /style),
``pronounce``, ``account`` (/key, /usage, /forget, /link, /unlink), ``characters`` (/character) and ``talk``
(/talk, and the messages a talking character answers). Only new messages are handled
(edits are ignored, so editing a ``/speak`` message doesn't speak it again).
"""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from . import account, characters, clone, general, pronounce, seed, settings, speak, talk, voices, web
from ..uploads import is_text_file
from .common import answer

NEW_MESSAGE = filters.UpdateType.MESSAGE
AUDIO_MEDIA = filters.VOICE | filters.AUDIO | filters.Document.ALL


class TextFile(filters.MessageFilter):
    """A document that is plain text, by :func:`..uploads.is_text_file` (the rule /speak uses too)."""

    def filter(self, message: Message) -> bool:
        return is_text_file(message.document)


class CaptionCommand(filters.MessageFilter):
    """A caption that starts with ``/command`` (or ``/command@thisbot``)."""

    def __init__(self, command: str) -> None:
        super().__init__(name=f"CaptionCommand({command})")
        self.command = command.lower()

    def filter(self, message: Message) -> bool:
        caption = message.caption or ""
        entities = message.caption_entities or ()
        if not caption.startswith("/") or not entities:
            return False
        first = entities[0]
        if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
            return False
        name, _, target = caption[1:first.length].partition("@")
        if name.lower() != self.command:
            return False
        return not target or target.lower() == (message.get_bot().username or "").lower()


async def _stale_button(update, context) -> None:
    if update.callback_query is not None:
        await answer(update.callback_query)


def register_handlers(application: Application) -> None:
    commands = {
        "start": general.start,
        "help": general.help_command,
        "speak": speak.speak_command,
        "voices": voices.voices_command,
        "voice": voices.voice_command,
        "clone": clone.clone_command,
        "settings": settings.settings_command,
        "speed": settings.speed_command,
        "gain": settings.gain_command,
        "lang": settings.lang_command,
        "style": settings.style_command,
        "pronounce": pronounce.pronounce_command,
        "key": account.key_command,
        "usage": account.usage_command,
        "forget": account.forget_command,
        "link": account.link_command,
        "unlink": account.unlink_command,
        "share_voice": voices.share_voice_command,
        "web": web.web_command,
        "talk": talk.talk_command,
        "character": characters.character_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=NEW_MESSAGE))
    application.add_handler(MessageHandler(NEW_MESSAGE & AUDIO_MEDIA & CaptionCommand("clone"), clone.clone_command))
    application.add_handler(MessageHandler(NEW_MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                           general.private_text))
    application.add_handler(MessageHandler(NEW_MESSAGE & filters.ChatType.PRIVATE & TextFile()
                                           & ~filters.CaptionRegex(r"^/"), general.private_text_file))
    application.add_handler(MessageHandler(NEW_MESSAGE & filters.ChatType.PRIVATE & AUDIO_MEDIA
                                           & ~filters.CaptionRegex(r"^/"), general.private_audio))
    application.add_handler(CallbackQueryHandler(voices.on_voice_button, pattern=r"^vb:v:"))
    application.add_handler(CallbackQueryHandler(settings.on_settings_button, pattern=r"^vb:s:"))
    application.add_handler(CallbackQueryHandler(settings.on_lang_button, pattern=r"^vb:l:"))
    application.add_handler(CallbackQueryHandler(settings.on_style_button, pattern=r"^vb:y:"))
    application.add_handler(CallbackQueryHandler(clone.on_consent, pattern=r"^vb:c:"))
    application.add_handler(CallbackQueryHandler(account.on_forget_button, pattern=r"^vb:f:"))
    application.add_handler(CallbackQueryHandler(account.on_link_button, pattern=r"^vb:k:"))
    seed.register(application)  # /adopt_voice, /delete_voice, /format; samples, deletion and dynamic-voice buttons
    application.add_handler(CallbackQueryHandler(_stale_button))
    # talking characters: before the handlers above (group -1), which see the message when no character talks
    application.add_handler(MessageHandler(
        NEW_MESSAGE & ((filters.TEXT & ~filters.COMMAND) | filters.VOICE | filters.AUDIO)
        & (filters.ChatType.PRIVATE | filters.REPLY | filters.Entity("mention")), talk.talk_message), group=-1)
