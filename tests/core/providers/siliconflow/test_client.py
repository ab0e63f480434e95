"""core.providers.siliconflow.client: the API key never leaks, and trace ids are logged."""

from __future__ import annotations

import logging
import traceback

import pytest

from core.providers.siliconflow import SiliconFlowProvider
from tests.core.providers.siliconflow.helpers import (
    ErrorLog,
    Factory,
    RecordingSleep,
    collect,
    say,
)
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY

# --- secrets and logs --------------------------------------------------------------------------------------


async def test_the_key_never_appears_in_errors_or_logs(sf_provider_factory: Factory, fake_siliconflow: FakeSiliconFlow,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider = sf_provider_factory(api_key=OPERATOR_KEY, max_retries=1, first_byte_timeout=0.2,
                                   sleep=RecordingSleep())
    log = ErrorLog()
    errors, attempt = log.errors, log.attempt

    fake_siliconflow.fail(400, message=f"key {OPERATOR_KEY} is not allowed here")  # a service echoing the key
    await attempt(lambda: collect(provider, say()))
    fake_siliconflow.fail(403, message=f"Forbidden for {OPERATOR_KEY}")
    await attempt(lambda: provider.list_voices())
    for status in (401, 402, 429, 503, 504):
        fake_siliconflow.fail(status, times=None, message=f"{status} {OPERATOR_KEY}")
        await attempt(lambda: collect(provider, say()))
        fake_siliconflow.clear_faults()
    fake_siliconflow.cut_stream(after_bytes=3000)
    await attempt(lambda: collect(provider, say("a" * 30)))
    fake_siliconflow.hang(times=None)
    await attempt(lambda: collect(provider, say()))
    fake_siliconflow.reset()
    await attempt(lambda: provider.clone(b"junk" * 10, "x.wav", "x", "hi"))

    assert len(errors) == 10
    texts = [repr(provider), caplog.text]
    for err in errors:
        texts += [str(err), repr(err), repr(err.params), str(err.detail), "".join(traceback.format_exception(err))]
    for text in texts:
        assert OPERATOR_KEY not in text
    assert any("***" in str(err.params.get("message")) for err in errors)


async def test_trace_id_is_logged_at_debug(sf_provider: SiliconFlowProvider, fake_siliconflow: FakeSiliconFlow,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="core.providers.siliconflow")
    await collect(sf_provider, say())
    await sf_provider.list_voices()
    for sent in fake_siliconflow.requests:
        assert sent.trace_id and sent.trace_id in caplog.text
