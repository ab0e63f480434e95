"""Personal settings: ``/settings``, ``/speed``, ``/gain``, ``/lang``, ``/style``, ``/uilang``, ``/reset``,
``/key``, ``/usage`` and ``/forget``. Every answer is ephemeral."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.cogs.voices import invalidate_clones
from bots.discord.common import (
    ask_confirmation,
    clip,
    forget_ui_lang,
    reply,
    ui_lang,
    user_ref,
)
from core.i18n import LANGUAGE_NAMES, OFF_WORDS, UI_LANGUAGES, forget_abandoned_text, listing, platform_names, t
from core.models import (
    GAIN_RANGE,
    LANGUAGES,
    SPEED_RANGE,
    STYLE_ALIASES,
    STYLE_PRESETS,
)
from core.settings import SETTING_NAMES

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.settings")

LANGUAGE_LABELS = LANGUAGE_NAMES
LANGUAGE_CHOICES = [app_commands.Choice(name=LANGUAGE_LABELS[code], value=code) for code in LANGUAGES]
UI_CHOICES = [
    app_commands.Choice(name="auto (from Discord)", value="auto"),
    *(app_commands.Choice(name=LANGUAGE_NAMES[code], value=code) for code in UI_LANGUAGES),
]
RESET_CHOICES = [
    app_commands.Choice(name=name, value=value) for name, value in (
        ("voice", "voice"), ("speed", "speed"), ("gain", "gain"), ("language", "language"),
        ("style", "style"), ("all", "all"))
]
_STYLE_ENGLISH = {v: k for k, v in STYLE_ALIASES.items()}
KEY_CLEAR_WORDS = OFF_WORDS


def style_choices(current: str, lang: str) -> list[app_commands.Choice[str]]:
    """Style presets (+ off) filtered by what was typed; free text is offered as typed."""
    typed = (current or "").strip()
    low = typed.lower()
    choices: list[app_commands.Choice[str]] = []
    off = t("style_off_choice", lang)
    if not low or "off".startswith(low) or off.lower().startswith(low):
        choices.append(app_commands.Choice(name=off, value="off"))
    for key in STYLE_PRESETS:
        english = _STYLE_ENGLISH.get(key, "")
        if not low or key.startswith(typed) or english.startswith(low):
            choices.append(app_commands.Choice(name=f"{key} ({english})" if english else key, value=key))
    if typed and not any(c.value == typed for c in choices):
        choices.insert(0, app_commands.Choice(name=typed[:100], value=typed[:100]))
    return choices[:25]


def format_value(field: str, value: object, lang: str) -> str:
    if value is None or value == "":
        return t("value_none", lang)
    if field == "speed":
        return f"{float(value):g}×"  # type: ignore[arg-type]
    if field == "gain":
        return f"{float(value):+g} dB"  # type: ignore[arg-type]
    if field == "language":
        return LANGUAGE_LABELS.get(str(value), str(value))
    return str(value)


def settings_embed(view, lang: str) -> discord.Embed:  # view: core.settings.SettingsView
    """The /settings card: each value and where it comes from (yours, the server's, the default)."""
    embed = discord.Embed(title=t("settings_title", lang), colour=discord.Colour.blurple())
    effective = view.effective
    for field, label_key in (("voice", "field_voice"), ("speed", "field_speed"), ("gain", "field_gain"),
                             ("language", "field_language"), ("style", "field_style")):
        value = view.voice_name if field == "voice" else getattr(effective, field)
        if getattr(view.user, field) is not None:
            source = t("source_user", lang)
        elif getattr(view.scope, field) is not None:
            source = t("source_server", lang)
        else:
            source = t("source_default", lang)
        embed.add_field(name=t(label_key, lang), value=f"{format_value(field, value, lang)} · *{source}*", inline=True)
    embed.add_field(name=t("field_ui", lang), value=view.ui_language, inline=True)
    if view.api_key_hint is None:
        key_text = t("key_none_operator", lang)
    else:
        key_text = view.api_key_hint if view.api_key_hint.strip("…") else "✓"  # "…abcd", or "…" for short keys
    embed.add_field(name=t("field_key", lang), value=key_text, inline=True)
    embed.add_field(name=t("field_engine", lang), value=view.engine, inline=True)
    if view.pronunciations:
        embed.add_field(name=t("field_pronunciations", lang), value=f"{view.pronunciations} · `/pronounce list`",
                        inline=True)
    if view.linked:
        embed.add_field(name=t("field_linked", lang), value=platform_names(list(view.linked)), inline=True)
    return embed


class Settings(commands.Cog):
    """Your own settings, key, usage and data."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot

    @property
    def service(self):
        return self.bot.service

    async def _lang(self, interaction: discord.Interaction[VoiceBridgeBot]) -> str:
        return await ui_lang(self.service, interaction)

    @app_commands.command(name="settings")
    async def settings(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Show your settings and where each comes from (you, the server, or the default)."""
        view = await self.service.settings(user_ref(interaction))
        await reply(interaction, embed=settings_embed(view, await self._lang(interaction)))

    @app_commands.command(name="speed")
    @app_commands.describe(value="0.25 (slow) to 4.0 (fast); 1.0 is normal")
    async def speed(self, interaction: discord.Interaction[VoiceBridgeBot],
                    value: app_commands.Range[float, SPEED_RANGE[0], SPEED_RANGE[1]]) -> None:
        """Set how fast you speak (0.25–4.0, normal 1.0)."""
        view = await self.service.update_settings(user_ref(interaction), speed=value)
        await reply(interaction, t("speed_set", await self._lang(interaction), value=f"{view.effective.speed:g}"))

    @app_commands.command(name="gain")
    @app_commands.describe(db="-10 (quieter) to 10 (louder) dB; 0 is unchanged")
    async def gain(self, interaction: discord.Interaction[VoiceBridgeBot],
                   db: app_commands.Range[float, GAIN_RANGE[0], GAIN_RANGE[1]]) -> None:
        """Set your volume gain in dB (-10 to 10, normal 0)."""
        view = await self.service.update_settings(user_ref(interaction), gain=db)
        await reply(interaction, t("gain_set", await self._lang(interaction), value=f"{view.effective.gain:+g}"))

    @app_commands.command(name="lang")
    @app_commands.describe(language="The language your text is spoken in; auto detects it")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def lang(self, interaction: discord.Interaction[VoiceBridgeBot], language: app_commands.Choice[str]) -> None:
        """Set the speech language: auto, zh, en, ja, ko or yue (Cantonese)."""
        await self.service.update_settings(user_ref(interaction), language=language.value)
        await reply(interaction, t("language_set", await self._lang(interaction), value=language.name))

    @app_commands.command(name="style")
    @app_commands.describe(style="A preset (happy, sad, whisper, Cantonese, …), your own words, or off")
    async def style(self, interaction: discord.Interaction[VoiceBridgeBot],
                    style: app_commands.Range[str, 1, 100]) -> None:
        """Set how to speak: an emotion, a dialect or your own instruction; or off."""
        view = await self.service.set_style(user_ref(interaction), style)
        lang = await self._lang(interaction)
        if view.user.style is None:
            await reply(interaction, t("style_off", lang))
        else:
            await reply(interaction, t("style_set", lang, value=view.user.style))

    @style.autocomplete("style")
    async def style_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                 current: str) -> list[app_commands.Choice[str]]:
        from core.i18n import normalize_language

        return style_choices(current, normalize_language(str(interaction.locale) if interaction.locale else None))

    @app_commands.command(name="uilang")
    @app_commands.describe(language="The language I answer you in; auto follows your Discord language")
    @app_commands.choices(language=UI_CHOICES)
    async def uilang(self, interaction: discord.Interaction[VoiceBridgeBot],
                     language: app_commands.Choice[str]) -> None:
        """Choose the language I answer you in (English, 中文, 日本語, or auto)."""
        lang = await self.service.set_ui_language(user_ref(interaction),
                                                  None if language.value == "auto" else language.value)
        forget_ui_lang(interaction)
        await reply(interaction, t("reply_language_set", lang))

    @app_commands.command(name="reset")
    @app_commands.describe(setting="Which of your settings to clear (the server's or the default applies)")
    @app_commands.choices(setting=RESET_CHOICES)
    async def reset(self, interaction: discord.Interaction[VoiceBridgeBot], setting: app_commands.Choice[str]) -> None:
        """Clear one of your settings, or all of them, so the server default applies."""
        fields = SETTING_NAMES if setting.value == "all" else (setting.value,)
        await self.service.update_settings(user_ref(interaction), **{name: None for name in fields})
        await reply(interaction, t("setting_reset", await self._lang(interaction), field=setting.name))

    @app_commands.command(name="key")
    @app_commands.describe(key="Your SiliconFlow API key (only you see this), or clear to remove it")
    async def key(self, interaction: discord.Interaction[VoiceBridgeBot], key: app_commands.Range[str, 1, 300]) -> None:
        """Use your own SiliconFlow API key (private to you), or `clear` to remove it."""
        # Slash-command options are visible only to the invoker and every answer here is ephemeral,
        # so this is a private exchange even inside a server.
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = user_ref(interaction, is_private=True)
        lang = await self._lang(interaction)
        if key.strip().lower() in KEY_CLEAR_WORDS:
            removed = await self.service.clear_api_key(user)
            text = t("key_was_removed" if removed else "key_none_to_clear", lang)
            if removed.stranded:
                text += t("key_stranded_voices", lang, names=listing([f"“{n}”" for n in removed.stranded], lang))
            await reply(interaction, clip(text))
            return
        masked = await self.service.set_api_key(user, key)
        await reply(interaction, t("key_saved_encrypted", lang, masked=masked))

    @app_commands.command(name="usage")
    async def usage(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Show the bytes of text you had spoken, the tokens of your talks and the estimated cost."""
        report = await self.service.usage(user_ref(interaction))
        lang = await self._lang(interaction)
        limit = (t("usage_daily_limit", lang, used=report.quota_used, limit=report.daily_limit)
                 if report.daily_limit else "")
        text = t("usage_summary", lang, today_bytes=report.today_bytes, today_requests=report.today_requests,
                 total_bytes=report.total_bytes, total_requests=report.total_requests,
                 cost=f"{report.estimated_cost:.4f}", currency=report.currency, limit=limit)
        if report.lent_total:
            text += t("usage_lent", lang, today=report.lent_today, total=report.lent_total)
        if report.tokens_total:  # talking characters
            text += t("usage_tokens", lang, today=report.tokens_today, total=report.tokens_total)
            if report.token_limit:
                text += t("usage_tokens_limit", lang, used=report.tokens_quota_used, limit=report.token_limit)
        await reply(interaction, text)

    @app_commands.command(name="forget")
    async def forget(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """Delete everything stored about you, including your cloned voices (asks first)."""
        lang = await self._lang(interaction)
        pressed = await ask_confirmation(interaction, t("forget_confirm", lang), lang=lang,
                                         confirm_label=t("button_delete_everything", lang), danger=True)
        if pressed is None:
            return
        await pressed.response.edit_message(content="…", view=None)
        user = user_ref(interaction)
        report = await self.service.forget(user)
        invalidate_clones(self.bot, user.user_id)
        forget_ui_lang(interaction)
        if report.failed_remote_voices:
            text = t("forget_partial", lang, names=", ".join(report.failed_remote_voices))
        else:
            text = t("forget_done_count", lang, voices=len(report.deleted_remote_voices))
            if report.abandoned_remote_voices:
                text += "\n" + forget_abandoned_text(report.abandoned_remote_voices, lang)
        await interaction.edit_original_response(content=clip(text), view=None)


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Settings(bot))
