"""Errors of the seed's voice workflow: adopting a ``speech:…`` ID, speaking in the voice of a recording
(a "dynamic voice"), voice samples and audio downloads. Their sentences are in :mod:`core.seed_strings`."""

from __future__ import annotations

from core.errors import InputError


class InvalidVoiceId(InputError):
    """Not a provider voice ID (``speech:NAME:…``). params: value."""

    code = "invalid_voice_id"


class VoiceIdNeedsOwnKey(InputError):
    """Adopting a voice ID needs the user's own API key: the ID works only with the key that made it."""

    code = "voice_id_needs_own_key"


class VoiceIdNotOnKey(InputError):
    """The provider's voice list for the user's key does not hold this ID. params: value."""

    code = "voice_id_not_on_key"


class VoiceIdAlreadyAdded(InputError):
    """The ID is already one of the stored voices. params: name."""

    code = "voice_id_already_added"


class VoiceIdTaken(InputError):
    """Another account (on the same provider key) already added this ID; one voice, one owner here."""

    code = "voice_id_taken"


class DynamicVoiceUnsupported(InputError):
    """This bot's speech engine (or its key situation) cannot speak in the voice of a recording."""

    code = "dynamic_voice_unsupported"


class DynamicVoiceRefused(InputError):
    """The provider refused a request with a reference recording (e.g. the field is unknown to the model)."""

    code = "dynamic_voice_refused"


class ExportTooLarge(InputError):
    """The audio file would be larger than the place it goes can take. params: size_mb, limit_mb."""

    code = "export_too_large"


class InvalidAudioFormat(InputError):
    """An audio file format or sample rate that is not offered. params: value, allowed."""

    code = "invalid_audio_format"
