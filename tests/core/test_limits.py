"""core.limits: per-user limits of one process stay bounded."""

from __future__ import annotations


async def test_rate_windows_of_idle_users_are_swept(make_app, monkeypatch):
    import core.limits as limits_module

    monkeypatch.setattr(limits_module, "RATE_WINDOWS_SWEEP_AT", 5)
    app = await make_app("local", requests_per_minute=100)
    now = [1000.0]
    limits = app.service.limits
    limits._clock = lambda: now[0]
    for i in range(8):
        limits.check_rate(i)
    now[0] += 61
    limits.check_rate(99)
    assert set(limits._recent) == {99}
