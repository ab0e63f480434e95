"""GuildPlayer with a service that answers in the engine's own 20 ms Opus packets (``stream_voice`` yielding
``OpusFrames``): they go to the connection as they are, after the lead-in, with the per-message cap and /skip
working as for PCM; PCM pieces in the same item are still encoded, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bots.discord.voice_channel.player import GuildPlayer, PlayerSettings, Speech
from bots.discord.voice_channel.source import OPUS_SILENCE
from core.audio.opus_frames import OpusFrames
from core.models import PCMChunk
from tests.bots.discord.voice_channel.fakes import (
    FakeChannel,
    FakeConnector,
    FakeMember,
    SlowFirstChunkService,
    TaggingEncoder,
    lead_in,
    user,
    wait_for,
)

LEAD = TaggingEncoder.LEAD


class OpusService(SlowFirstChunkService):
    """Answers each text with ``script``: OpusFrames of packets b"O<text[0]><n>" and/or PCM chunks."""

    def __init__(self, script: list[tuple[str, int]]) -> None:
        super().__init__()
        self.script = script
        self.hold: asyncio.Event | None = None

    async def stream_voice(self, utt) -> AsyncIterator[OpusFrames | PCMChunk]:
        self.streams_started.append(utt.text)
        marker = utt.text[:1].encode()
        n = 0
        try:
            for kind, count in self.script:
                if self.hold is not None and n:
                    await self.hold.wait()
                if kind == "opus":
                    yield OpusFrames(tuple(b"O" + marker + b"%d" % (n + k) for k in range(count)))
                    n += count
                else:  # count × 20 ms of PCM at 24 kHz
                    yield PCMChunk(marker * (480 * 2 * count), 24000)
                await asyncio.sleep(0)
        finally:
            self.streams_closed.append(utt.text)
            self.release(utt)


async def start(service, **over) -> tuple[GuildPlayer, FakeConnector]:
    connector = FakeConnector()
    settings = PlayerSettings(**{"idle_timeout": 0, "alone_grace": 3600, "keepalive_interval": 3600,
                                 "prefetch_seconds": 0.02, **over})
    player = GuildPlayer(1, service=service, connector=connector, settings=settings, encoder_factory=TaggingEncoder,
                         lead_in=lead_in, listeners=lambda channel: 1)
    await player.connect(FakeChannel(10, members=[FakeMember(1)]))
    return player, connector


def heard(conn) -> list[bytes]:
    return [p for p in conn.packets() if p != OPUS_SILENCE]


async def say(player, service, author: int, text: str, **speech):
    return player.enqueue(str(author), Speech(await service.prepare(user(author), text), **speech))


async def test_engine_opus_goes_out_as_it_is_after_the_lead_in() -> None:
    service = OpusService([("opus", 30), ("pcm", 2), ("opus", 3)])
    player, connector = await start(service)
    try:
        await say(player, service, 1, "hello")
        await wait_for(lambda: player.stats.items_spoken == 1)
        packets = heard(connector.last)
        opus = [b"Oh%d" % k for k in range(30)]
        assert packets == [LEAD] * 10 + opus + [b"Ph", b"Ph", b"END"] + [b"Oh%d" % k for k in range(30, 33)]
        assert round(player.stats.audio_seconds, 6) == 0.7  # 33 packets and 40 ms of PCM
    finally:
        await player.close()


async def test_the_cap_counts_passed_through_packets() -> None:
    service = OpusService([("opus", 40), ("opus", 40)])
    player, connector = await start(service)
    try:
        await say(player, service, 1, "capped", max_seconds=1.0)
        await wait_for(lambda: player.stats.items_spoken == 1)
        assert heard(connector.last) == [LEAD] * 10 + [b"Oc%d" % k for k in range(50)]
        assert player.stats.items_capped == 1 and "capped" in service.streams_closed
    finally:
        await player.close()


async def test_skip_drops_passed_through_packets_and_closes_the_stream() -> None:
    service = OpusService([("opus", 5), ("opus", 500)])
    service.hold = asyncio.Event()
    player, connector = await start(service)
    try:
        await say(player, service, 1, "long")
        await say(player, service, 2, "next")
        await wait_for(lambda: b"Ol4" in connector.last.packets())
        player.skip("1")
        await wait_for(lambda: "long" in service.streams_closed)
        service.hold.set()
        await wait_for(lambda: player.stats.items_spoken == 1)
        packets = heard(connector.last)
        assert b"Ol5" not in packets  # the held-back rest of the skipped item never came
        assert [p for p in packets if p.startswith(b"On")] == [b"On%d" % k for k in range(505)]
        assert player.stats.items_skipped == 1
    finally:
        await player.close()


async def test_gathered_pcm_goes_before_the_engine_opus_that_follows(monkeypatch) -> None:
    from bots.discord.voice_channel import player as playermod

    monkeypatch.setattr(playermod, "BATCH_AHEAD", 0.0)  # PCM chunks are gathered for one encoder call
    service = OpusService([("pcm", 1), ("pcm", 2), ("pcm", 3), ("opus", 2), ("pcm", 1), ("pcm", 1)])
    player, connector = await start(service)
    try:
        await say(player, service, 1, "mix")
        await wait_for(lambda: player.stats.items_spoken == 1)
        assert heard(connector.last) == ([LEAD] * 10 + [b"Pm"] * 6 + [b"END", b"Om0", b"Om1"]
                                         + [b"Pm"] * 2 + [b"END"])
        assert player.stats.encode_calls == 3  # the first chunk; the next two and the flush; the last two and the flush
    finally:
        await player.close()
