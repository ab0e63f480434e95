"""The error tree.

Every error a user can cause or see is a :class:`VoiceBridgeError`. It carries a stable ``code``
(a key into :mod:`core.i18n`) and the ``params`` that fill the sentence, so each adapter can show
it in the user's language with ``core.i18n.error_text(err, lang)``. ``str(err)`` is the English
sentence, which is what logs and the CLI print. Messages never contain secrets.
"""

from __future__ import annotations

from typing import Any


class VoiceBridgeError(Exception):
    """Base of every expected error. ``code`` names the user-facing sentence."""

    code = "internal"
    #: Whether repeating the same call later may succeed (used by retry loops and adapters).
    retryable = False

    def __init__(self, detail: str | None = None, **params: Any) -> None:
        self.params: dict[str, Any] = params
        self.detail = detail
        super().__init__(self.english())

    def english(self) -> str:
        from core.i18n import error_text  # local import: i18n imports nothing from here at load

        return error_text(self, "en")


# --- configuration -------------------------------------------------------------------------


class ConfigError(VoiceBridgeError):
    """A setting is missing or invalid. params: name, allowed."""

    code = "config"


class SecretKeyFileInvalid(ConfigError):
    """The generated secret key file is empty, corrupt or unreadable. params: path, problem."""

    code = "secret_key_file"


class SecretKeyMissing(ConfigError):
    """No secret key is set and none may be generated here (PostgreSQL: every instance needs the same
    one). params: path."""

    code = "secret_key_missing"


class SecretKeyLost(ConfigError):
    """No secret key is set or generated, but the database's API keys were encrypted with one.
    params: expected (its key id), path."""

    code = "secret_key_lost"


class SecretKeyMismatch(ConfigError):
    """The secret key is not the one the database's API keys were encrypted with. params: source (where
    the key came from), expected and actual (non-reversible key ids)."""

    code = "secret_key_mismatch"


# --- bad input from a user: shown to them, changes nothing ---------------------------------


class InputError(VoiceBridgeError):
    """The user's input is unacceptable; nothing was changed."""

    code = "input"


class EmptyText(InputError):
    code = "empty_text"


class TextTooLong(InputError):
    """params: length, limit (UTF-8 bytes or characters, as ``unit`` says)."""

    code = "text_too_long"


class UnknownVoice(InputError):
    """params: name."""

    code = "unknown_voice"


class OutOfRange(InputError):
    """params: name, value, low, high."""

    code = "out_of_range"


class InvalidValue(InputError):
    """params: name, value, allowed."""

    code = "invalid_value"


class InvalidName(InputError):
    """params: name, rule."""

    code = "invalid_name"


class NameTaken(InputError):
    """params: name."""

    code = "name_taken"


class NotFound(InputError):
    """params: what, name."""

    code = "not_found"


class PermissionDenied(InputError):
    # ``action`` is best a catalog key (``action_…``): it is then shown in the reader's language.
    """params: action."""

    code = "permission_denied"


class NoPronunciation(InputError):
    """The dictionary has no entry for that word. params: word."""

    code = "no_pronunciation"


class DictionaryFull(InputError):
    """A pronunciation dictionary already holds its maximum. params: limit."""

    code = "dictionary_full"


class LinkCodeInvalid(InputError):
    """The link code is unknown, used or expired."""

    code = "link_code_invalid"


class LinkSamePlatform(InputError):
    """Both accounts are on the same platform."""

    code = "link_same_platform"


class AlreadyLinked(InputError):
    """This account is already linked (as either side)."""

    code = "already_linked"


class LinkPrivateOnly(InputError):
    """Link codes are shown and typed only where nobody else can see them."""

    code = "link_private_only"


class LinkKeyClash(InputError):
    """Both accounts have their own, different API keys, and clones made with the joining one's key
    would stop working. params: names."""

    code = "link_key_clash"


class LinkNameClash(NameTaken):
    """Both accounts have a voice of this name. params: name."""

    code = "link_name_clash"


class PrivateChatOnly(InputError):
    """A secret was sent where others can see it (``/key`` in a group)."""

    code = "private_only"


class ConsentRequired(InputError):
    code = "consent_required"


class InvalidApiKey(InputError):
    code = "invalid_api_key"


class QuotaExceeded(InputError):
    """params: used, limit (UTF-8 bytes per day)."""

    code = "quota_exceeded"


class TooManyRequests(InputError):
    """The user's own rate limit. params: retry_after (seconds)."""

    code = "too_many_requests"
    retryable = True


class Busy(InputError):
    """The user already has too many requests queued. params: limit."""

    code = "busy"
    retryable = True


class CloningUnsupported(InputError):
    """The active provider cannot clone (the offline engine)."""

    code = "cloning_unsupported"


class VoiceKeyMismatch(InputError):
    """A cloned voice exists only for the account key that made it, and that key is gone."""

    code = "voice_key_mismatch"


class NotYourRecording(InputError):
    """A clone asked for from a recording someone else posted: only its speaker may clone it."""

    code = "not_your_recording"


class VoiceNotShared(InputError):
    """Someone else's clone that its owner does not share (``/share_voice``), e.g. through a character."""

    code = "voice_not_shared"


# --- audio uploads -------------------------------------------------------------------------


class AudioError(InputError):
    """An uploaded file cannot be used as audio."""

    code = "audio_invalid"


class UnsupportedAudio(AudioError):
    """Not an audio file we can decode (garbage, wrong type). params: reason."""

    code = "audio_unsupported"


class AudioTooLarge(AudioError):
    """params: size, limit (bytes)."""

    code = "audio_too_large"


class AudioTooLong(AudioError):
    """params: limit (seconds)."""

    code = "audio_too_long"


class AudioTooShort(AudioError):
    """params: duration, minimum (seconds)."""

    code = "audio_too_short"


class AudioEmpty(AudioError):
    """No samples, or only silence."""

    code = "audio_empty"


class NoAudioStream(AudioError):
    """A container with no audio stream (an image, a video without sound)."""

    code = "audio_no_stream"


class AudioTruncated(AudioError):
    """The file ends before its audio does."""

    code = "audio_truncated"


# --- the provider -------------------------------------------------------------------------


class StorageUnavailable(VoiceBridgeError):
    """The database is down or unreachable right now; nothing was changed. Repeating later may work."""

    code = "storage_unavailable"
    retryable = True


class ProviderError(VoiceBridgeError):
    """The speech provider failed. params: status, message (the provider's own words, trimmed)."""

    code = "provider"


class ProviderAuthError(ProviderError):
    """401: the API key was refused."""

    code = "provider_auth"


class ProviderForbidden(ProviderError):
    """403: the account may not use this model or voice."""

    code = "provider_forbidden"


class ProviderBadRequest(ProviderError):
    """400: the provider refused the request's content."""

    code = "provider_bad_request"


class ProviderNotFound(ProviderError):
    """404: wrong base URL or the voice no longer exists."""

    code = "provider_not_found"


class ProviderPaymentRequired(ProviderError):
    """402: the account has no balance left."""

    code = "provider_payment"


class ProviderRateLimited(ProviderError):
    """429 after our retries. params: retry_after (seconds or None)."""

    code = "provider_rate_limited"
    retryable = True


class ProviderUnavailable(ProviderError):
    """503/504/5xx or connection failure after our retries."""

    code = "provider_unavailable"
    retryable = True


class ProviderTimeout(ProviderUnavailable):
    """A connect, first-byte or total timeout."""

    code = "provider_timeout"


class ProviderStreamCut(ProviderUnavailable):
    """The audio stream ended early (connection dropped mid-way)."""

    code = "provider_stream_cut"


class ProviderProtocolError(ProviderError):
    """The provider answered with something that breaks its contract."""

    code = "provider_protocol"


class ProviderNotAudio(ProviderProtocolError, ProviderUnavailable):
    """A 200 speech answer that is not usable audio: a web page, JSON, text, an empty body, another
    file format, or more audio than the text could ever take. Also a :class:`ProviderUnavailable`, so
    callers that fall back to the offline engine when the provider is down do so here too."""

    code = "provider_not_audio"
