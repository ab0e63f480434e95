"""core.cloning: the clone flow against the fake SiliconFlow."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import (
    AudioEmpty,
    AudioTooShort,
    CloningUnsupported,
    ConsentRequired,
    InvalidName,
    NameTaken,
)
from tests.core.people import ALICE, speech_calls
from tests.samples import ogg_bytes, speech_like


async def test_clone_then_speak_with_it(sf_app, fake_siliconflow):
    svc = sf_app.service
    audio = ogg_bytes(speech_like(6.0, silence=1.0))
    check = await svc.check_clone_audio(audio, "voice.oga")
    assert 5.0 < check.speech_duration < 7.5
    with pytest.raises(ConsentRequired):
        await svc.clone(ALICE, audio, "kurisu")
    voice = await svc.clone(ALICE, audio, "Kurisu 牧瀬", filename="voice.oga", consent=True)
    assert voice.provider_id.startswith("speech:")
    assert voice.transcript  # transcribed by the (fake) SenseVoice, tags stripped
    assert "<|" not in voice.transcript
    upload = [r for r in fake_siliconflow.requests if r.path.endswith("/uploads/audio/voice")][-1]
    custom = upload.form["customName"]
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in custom)
    with pytest.raises(NameTaken):
        await svc.clone(ALICE, audio, "kurisu 牧瀬", consent=True)
    await svc.set_voice(ALICE, "Kurisu 牧瀬")
    await svc.speak(ALICE, "El Psy Kongroo")
    assert speech_calls(fake_siliconflow)[-1]["voice"] == voice.provider_id
    listing = await svc.voices(ALICE)
    assert [v.name for v in listing.clones] == ["Kurisu 牧瀬"] and listing.current == "Kurisu 牧瀬"


async def test_clone_rejects_bad_reference_audio(sf_app, fake_siliconflow):
    svc = sf_app.service
    with pytest.raises(AudioTooShort):
        await svc.clone(ALICE, ogg_bytes(speech_like(1.5, silence=2.0)), "short", consent=True)
    with pytest.raises(AudioEmpty):
        await svc.clone(ALICE, ogg_bytes(np.zeros(24000 * 5, dtype=np.int16)), "silent", consent=True)
    with pytest.raises(InvalidName):
        await svc.clone(ALICE, ogg_bytes(speech_like(5)), "alex", consent=True)
    with pytest.raises(InvalidName):
        await svc.clone(ALICE, ogg_bytes(speech_like(5)), "x" * 40, consent=True)
    uploads = [r for r in fake_siliconflow.requests if r.path.endswith("/uploads/audio/voice")]
    assert uploads == []
    assert (await svc.voices(ALICE)).clones == []


async def test_clone_needs_siliconflow(local_app):
    with pytest.raises(CloningUnsupported):
        await local_app.service.clone(ALICE, ogg_bytes(speech_like(5)), "me", consent=True)


async def test_the_clone_flow_checks_the_name_first_and_ends_with_the_users_new_voice(sf_app):
    from core.uploads import clone_uploads

    svc = sf_app.service
    checked: list[str] = []
    with pytest.raises(InvalidName):
        async with svc.clone_upload(ALICE, "", declared_bytes=10, check_file=lambda: checked.append("file")):
            pass
    assert checked == [] and clone_uploads(svc).reserved_bytes == 0  # refused before the file or the budget
    data = ogg_bytes(speech_like(5))
    async with svc.clone_upload(ALICE, "mine", declared_bytes=len(data),
                                check_file=lambda: checked.append("file")) as upload:
        assert checked == ["file"] and clone_uploads(svc).reserved_bytes == len(data)
        voice = await svc.complete_clone(ALICE, data, upload.name, transcript="hello")
    assert clone_uploads(svc).reserved_bytes == 0
    assert voice.name == "mine" and (await svc.settings(ALICE)).voice_name == "mine"
