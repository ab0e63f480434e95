"""``/voices`` (list and pick, ▶ samples, the clones' IDs), ``/voice NAME`` (autocomplete served from memory),
``/delete_voice``, ``/share_voice`` and ``/adopt_voice`` (a ``speech:…`` ID made elsewhere)."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord import seed_strings  # noqa: F401 - registers the sentences used here
from bots.discord.common import OwnerView, ask_confirmation, reply, ui_lang, user_ref
from core.errors import UnknownVoice
from core.i18n import t
from core.models import PRESET_LABELS, PRESET_VOICES, Voice

if TYPE_CHECKING:
    from bots.discord.bot import VoiceBridgeBot

log = logging.getLogger("bots.discord.voices")

MAX_CHOICES = 25
#: How long a user's clone list is trusted without being reloaded (it is also dropped on clone/forget).
CACHE_TTL = 600.0
#: An autocomplete must be answered within 3 s: don't wait longer than this for the store.
LOAD_TIMEOUT = 1.5
COG_NAME = "Voices"


def preset_label(name: str, lang: str) -> str:
    labels = PRESET_LABELS.get(name, {})
    return labels.get(lang) or labels.get("en") or ""


class CloneNames:
    """Per-user clone names, in memory, for autocomplete. Dropped on clone, delete and forget."""

    def __init__(self, ttl: float = CACHE_TTL, max_users: int = 10_000) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._names: dict[str, tuple[float, list[str]]] = {}
        self._loading: dict[str, asyncio.Task[list[str]]] = {}

    def get(self, user_id: str) -> list[str] | None:
        entry = self._names.get(user_id)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, user_id: str, names: list[str]) -> None:
        if len(self._names) >= self.max_users and user_id not in self._names:
            oldest = min(self._names, key=lambda k: self._names[k][0])
            del self._names[oldest]
        self._names[user_id] = (time.monotonic(), list(names))

    def invalidate(self, user_id: str) -> None:
        self._names.pop(user_id, None)

    def clear(self) -> None:
        """Drop every user's names (another process changed some clones: whose, this one can't tell)."""
        self._names.clear()

    def __len__(self) -> int:
        return len(self._names)


def voice_choices(clones: list[str], current: str, lang: str) -> list[app_commands.Choice[str]]:
    """At most 25 choices: the user's clones whose name starts with what was typed, then the presets
    whose name starts with it (or whose description contains it)."""
    typed = (current or "").strip().lower()
    choices = [app_commands.Choice(name=name[:100], value=name[:100])
               for name in clones if name.lower().startswith(typed)]
    taken = {c.value.lower() for c in choices}
    for name in PRESET_VOICES:
        label = preset_label(name, lang)
        if name in taken:
            continue
        if name.startswith(typed) or (typed and typed in label.lower()):
            choices.append(app_commands.Choice(name=f"{name} — {label}"[:100], value=name))
    return choices[:MAX_CHOICES]


class VoicePicker(discord.ui.Select):
    def __init__(self, options: list[discord.SelectOption], placeholder: str) -> None:
        super().__init__(placeholder=placeholder, options=options, min_values=1, max_values=1)

    # discord.py types item callbacks for any client; ours only ever runs in the VoiceBridgeBot
    async def callback(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:  # type: ignore[override]
        service = interaction.client.service
        view = await service.set_voice(user_ref(interaction), self.values[0])
        lang = await ui_lang(service, interaction)
        await interaction.response.edit_message(content=t("voice_chosen", lang, name=f"**{view.voice_name}**"),
                                                embed=None, view=None)


def clone_line(voice: Voice, lang: str) -> str:
    """A clone in the /voices list: its name and ID (for use elsewhere with the key that made it)."""
    if not voice.provider_id:
        return f"`{voice.name}`"
    return t("voices_clone_with_id", lang, name=voice.name, voice_id=voice.provider_id)


def whole_lines(lines: list[str], limit: int = 1024) -> str:
    """As many whole ``lines`` as fit in an embed field (``…`` when some are left out)."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 2:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


class SamplePicker(discord.ui.Select):
    """▶ a voice: its sample (made once, cached) as an audio file only the invoker gets."""

    def __init__(self, options: list[discord.SelectOption], placeholder: str) -> None:
        super().__init__(placeholder=placeholder, options=options, min_values=1, max_values=1,
                         custom_id=f"vb:sample:{secrets.token_hex(4)}")

    async def callback(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:  # type: ignore[override]
        service = interaction.client.service
        name = self.values[0]
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await ui_lang(service, interaction)
        note = await service.voice_sample(user_ref(interaction), name, lang)
        await interaction.followup.send(t("voice_sample_caption", lang, name=name), ephemeral=True,
                                        file=discord.File(io.BytesIO(note.audio.data), filename="sample.ogg"))


class Voices(commands.Cog, name=COG_NAME):
    """Voices: list, choose."""

    def __init__(self, bot: VoiceBridgeBot) -> None:
        self.bot = bot
        self.clone_names = CloneNames()

    @property
    def service(self):
        return self.bot.service

    async def clones_of(self, user_id: str, interaction: discord.Interaction[VoiceBridgeBot]) -> list[str]:
        """The user's clone names, from memory; loaded once (briefly awaited) when not cached."""
        cached = self.clone_names.get(user_id)
        if cached is not None:
            return cached
        try:
            listing = await asyncio.wait_for(self.service.voices(user_ref(interaction)), LOAD_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - an autocomplete must answer: presets only this time
            log.warning("could not load clones for autocomplete: %s", type(exc).__name__)
            return []
        names = [v.name for v in listing.clones]
        self.clone_names.put(user_id, names)
        return names

    def remember(self, user_id: str, clones: list[str]) -> None:
        self.clone_names.put(user_id, clones)

    def invalidate(self, user_id: str) -> None:
        self.clone_names.invalidate(user_id)

    @app_commands.command(name="voices")
    async def voices(self, interaction: discord.Interaction[VoiceBridgeBot]) -> None:
        """List the preset voices and your clones, and pick one."""
        user = user_ref(interaction)
        lang = await ui_lang(self.service, interaction)
        listing = await self.service.voices(user)
        self.remember(user.user_id, [v.name for v in listing.clones])
        embed = discord.Embed(title=t("voices_title", lang),
                              description=t("voices_current", lang, name=listing.current or "?"),
                              colour=discord.Colour.blurple())
        embed.add_field(name=t("voices_section_presets", lang),
                        value="\n".join(f"`{p.name}` — {preset_label(p.name, lang)}" for p in listing.presets)[:1024],
                        inline=False)
        # the reply is ephemeral: each clone's ID is shown to its owner only
        embed.add_field(name=t("voices_section_clones", lang),
                        value=whole_lines([clone_line(v, lang) for v in listing.clones]) or t("voices_no_clones", lang),
                        inline=False)
        if listing.shared:
            embed.add_field(name=t("voices_section_shared", lang, place="place_server"),
                            value="\n".join(f"`{v.name}`" for v in listing.shared)[:1024], inline=False)
        options = [discord.SelectOption(label=v.name[:100], value=v.name[:100], emoji="🎙️",
                                        default=v.name == listing.current) for v in listing.clones]
        options += [discord.SelectOption(label=p.name, value=p.name, description=preset_label(p.name, lang)[:100],
                                         default=p.name == listing.current) for p in listing.presets]
        view = OwnerView(interaction.user.id, lang=lang, timeout=300)
        view.add_item(VoicePicker(options[:MAX_CHOICES], t("voices_pick_placeholder", lang)))
        samples = [discord.SelectOption(label=f"▶ {o.label}"[:100], value=o.value) for o in options[:MAX_CHOICES]]
        view.add_item(SamplePicker(samples, t("voices_sample_placeholder", lang)))
        await reply(interaction, embed=embed, view=view)

    @app_commands.command(name="voice")
    @app_commands.describe(name="A preset (alex, anna, …) or one of your clones")
    async def voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                    name: app_commands.Range[str, 1, 100]) -> None:
        """Choose the voice you speak with: a preset or one of your clones."""
        view = await self.service.set_voice(user_ref(interaction), name)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_chosen", lang, name=f"**{view.voice_name}**"))

    @voice.autocomplete("name")
    async def voice_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                 current: str) -> list[app_commands.Choice[str]]:
        clones = await self.clones_of(str(interaction.user.id), interaction)
        lang = interaction.extras.get("voicebridge_lang") or _locale_lang(interaction)
        return voice_choices(clones, current, lang)


    @app_commands.command(name="delete_voice")
    @app_commands.describe(name="One of your cloned voices")
    async def delete_voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                           name: app_commands.Range[str, 1, 100]) -> None:
        """Delete one of your cloned voices, at the provider too (asks first)."""
        lang = await ui_lang(self.service, interaction)
        user = user_ref(interaction)
        listing = await self.service.voices(user)
        if not any(v.name.lower() == name.strip().lower() for v in listing.clones):
            raise UnknownVoice(name=name[:64])
        pressed = await ask_confirmation(interaction, t("delete_voice_confirm", lang, name=name), lang=lang,
                                         confirm_label=t("button_delete_voice", lang), danger=True)
        if pressed is None:
            return
        await pressed.response.edit_message(content="…", view=None)
        try:
            voice = await self.service.delete_voice(user, name)
        finally:
            self.invalidate(user.user_id)
        await interaction.edit_original_response(content=t("voice_deleted", lang, name=voice.name), view=None)

    @app_commands.command(name="adopt_voice")
    @app_commands.describe(voice_id="The voice's ID, speech:NAME:xxxx:yyyy (made with your own key)",
                           name="What to call it here")
    async def adopt_voice(self, interaction: discord.Interaction[VoiceBridgeBot],
                          voice_id: app_commands.Range[str, 1, 512], name: app_commands.Range[str, 1, 32]) -> None:
        """Add a voice you cloned elsewhere with your own key, by its speech:… ID."""
        user = user_ref(interaction)
        try:
            voice = await self.service.adopt_voice(user, voice_id, name)
        finally:
            self.invalidate(user.user_id)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_adopted", lang, name=voice.name))

    @app_commands.command(name="share_voice")
    @app_commands.describe(name="One of your cloned voices",
                           shared="Whether others may speak with it through characters (your key pays if it made it)")
    async def share_voice(self, interaction: discord.Interaction[VoiceBridgeBot], name: app_commands.Range[str, 1, 100],
                          shared: bool) -> None:
        """Let others speak with one of your cloned voices through characters, or stop them."""
        voice = await self.service.share_voice(user_ref(interaction), name, shared)
        lang = await ui_lang(self.service, interaction)
        await reply(interaction, t("voice_shared" if shared else "voice_private", lang, name=voice.name))

    @share_voice.autocomplete("name")
    @delete_voice.autocomplete("name")
    async def delete_voice_autocomplete(self, interaction: discord.Interaction[VoiceBridgeBot],
                                        current: str) -> list[app_commands.Choice[str]]:
        clones = await self.clones_of(str(interaction.user.id), interaction)
        typed = (current or "").strip().lower()
        return [app_commands.Choice(name=c[:100], value=c[:100]) for c in clones
                if c.lower().startswith(typed)][:MAX_CHOICES]


def _locale_lang(interaction: discord.Interaction[VoiceBridgeBot]) -> str:
    from core.i18n import normalize_language

    return normalize_language(str(interaction.locale) if interaction.locale else None)


def invalidate_clones(bot: VoiceBridgeBot, user_id: str | int) -> None:
    """Drop a user's cached clone names (call after clone, delete or forget)."""
    cog = bot.get_cog(COG_NAME)
    if isinstance(cog, Voices):
        cog.invalidate(str(user_id))


__all__ = ["CloneNames", "Voices", "invalidate_clones", "voice_choices"]


async def setup(bot: VoiceBridgeBot) -> None:
    await bot.add_cog(Voices(bot))
