"""The error tree (core/errors.py): a stable code per error, its parameters, what may be retried."""

from __future__ import annotations

import pytest

from core import errors
from core.error_strings import ERROR_STRINGS
from core.i18n import error_text


def every_error() -> list[type[errors.VoiceBridgeError]]:
    found, todo = [], [errors.VoiceBridgeError]
    while todo:
        cls = todo.pop()
        if cls not in found:  # ProviderNotAudio has two parents
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__ == "core.errors"]


def test_every_error_has_its_own_code_and_a_sentence() -> None:
    classes = every_error()
    assert len(classes) > 40
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    assert [cls.__name__ for cls in classes if cls.code not in ERROR_STRINGS] == []


def test_the_params_fill_the_english_sentence_and_the_detail_stays_out() -> None:
    err = errors.QuotaExceeded("sk-secret-in-a-detail", used=10, limit=20)
    assert err.params == {"used": 10, "limit": 20} and err.detail == "sk-secret-in-a-detail"
    assert str(err) == err.english() == "You have used today's allowance (10 of 20 bytes). Try again tomorrow, " \
                                        "or add your own key with /key."
    assert "sk-secret" not in str(err)
    assert error_text(err, "zh").startswith("今日额度已用完（10/20 字节）")


def test_an_error_without_a_sentence_of_its_own_says_its_parents() -> None:
    class Unheard(errors.ProviderUnavailable):
        code = "no_such_sentence"

    assert str(Unheard()) == "The speech service is unavailable right now. Please try again shortly."
    assert str(errors.VoiceBridgeError()) == ERROR_STRINGS["internal"]["en"]


@pytest.mark.parametrize("cls", [errors.StorageUnavailable, errors.ProviderRateLimited, errors.ProviderUnavailable,
                                 errors.ProviderTimeout, errors.ProviderStreamCut, errors.ProviderNotAudio,
                                 errors.TooManyRequests, errors.Busy])
def test_what_may_work_later_is_retryable(cls) -> None:
    assert cls.retryable


@pytest.mark.parametrize("cls", [errors.VoiceBridgeError, errors.ConfigError, errors.InputError, errors.QuotaExceeded,
                                 errors.ProviderError, errors.ProviderAuthError, errors.ProviderBadRequest,
                                 errors.ProviderProtocolError, errors.AudioTooLong])
def test_what_will_fail_again_is_not(cls) -> None:
    assert not cls.retryable


def test_the_families() -> None:
    assert issubclass(errors.SecretKeyMismatch, errors.ConfigError)
    assert issubclass(errors.LinkNameClash, errors.NameTaken) and issubclass(errors.NameTaken, errors.InputError)
    assert issubclass(errors.AudioTruncated, errors.AudioError) and issubclass(errors.AudioError, errors.InputError)
    # a 200 that is not audio is a broken contract, and also "down" (so callers fall back to the offline engine)
    assert issubclass(errors.ProviderNotAudio, errors.ProviderProtocolError)
    assert issubclass(errors.ProviderNotAudio, errors.ProviderUnavailable)
    assert not issubclass(errors.StorageUnavailable, errors.ProviderError)
