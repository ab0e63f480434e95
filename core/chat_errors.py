"""Errors of talking characters: the chat model's faults (a branch of :class:`core.errors.ProviderError`, so every
adapter already reports them) and the user-facing refusals of ``/talk``.

Each chat-model error is also the matching speech-provider error (``ChatModelRateLimited`` is a
:class:`~core.errors.ProviderRateLimited` …), so code that asks "is this retryable / rate-limited?" works unchanged;
its own ``code`` gives it a sentence that names the language model, not the speech service.
"""

from __future__ import annotations

from core.errors import (
    InputError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderPaymentRequired,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderStreamCut,
    ProviderTimeout,
    ProviderUnavailable,
)


class ChatModelError(ProviderError):
    """The chat model failed. params: status, message (its own words, trimmed, no key)."""

    code = "chat_model"


class ChatModelAuthError(ChatModelError, ProviderAuthError):
    """401/403: the key was refused by the chat model's service."""

    code = "chat_model_auth"


class ChatModelPaymentRequired(ChatModelError, ProviderPaymentRequired):
    """402: the account that pays for the chat model has no balance left."""

    code = "chat_model_payment"


class ChatModelBadRequest(ChatModelError, ProviderBadRequest):
    """400/404/422: the service refused the request (unknown model, wrong base URL, too long a prompt)."""

    code = "chat_model_bad_request"


class ChatModelRateLimited(ChatModelError, ProviderRateLimited):
    """429 after our retries. params: retry_after (seconds or None)."""

    code = "chat_model_rate_limited"


class ChatModelUnavailable(ChatModelError, ProviderUnavailable):
    """5xx or a connection failure after our retries."""

    code = "chat_model_unavailable"


class ChatModelTimeout(ChatModelUnavailable, ProviderTimeout):
    """No first word in time, or the answer stalled."""

    code = "chat_model_timeout"


class ChatModelStreamCut(ChatModelUnavailable, ProviderStreamCut):
    """The answer stopped in the middle (the connection dropped, or the stream ended without its end mark)."""

    code = "chat_model_stream_cut"


class ChatModelProtocolError(ChatModelError, ProviderProtocolError):
    """The service answered with something that breaks the chat-completions contract (bad JSON …)."""

    code = "chat_model_protocol"


# --- refusals of /talk: bad requests of a user, nothing changed ----------------------------------


class TalkDisabled(InputError):
    """The operator turned talking off (``VOICEBRIDGE_TALK=off``) or configured no chat model."""

    code = "talk_disabled"


class TalkNeedsKey(InputError):
    """No key can pay for the chat model: the operator has none and the user has not set one (``/key``)."""

    code = "talk_needs_key"


class NotTalking(InputError):
    """No conversation is going on here (``/talk NAME`` starts one)."""

    code = "talk_not_active"


class TokenQuotaExceeded(InputError):
    """The user's daily share of the operator's chat-model tokens is used up. params: used, limit."""

    code = "talk_token_quota"
