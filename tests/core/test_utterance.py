"""One request to speak, decided and not yet spoken (core/utterance.py)."""

from __future__ import annotations

import dataclasses

from core.models import EncodedAudio, TTSSettings, UserRef, VoiceNote
from core.utterance import SpeakResult, Utterance

ALICE = UserRef(platform="telegram", user_id="1001")


def utterance(**fields) -> Utterance:
    values = dict(user=ALICE, user_id=1, text="hello", settings=TTSSettings(), voice_id="anna", voice_name="anna",
                  instruction=None, engine="siliconflow", key_owner=None, billed=True, notes=["hello"])
    values.update(fields)
    return Utterance(**values)


def test_pronounce_applies_the_utterances_dictionary() -> None:
    u = utterance(dictionary={"kurisu": ("Kurisu", "Ku-ri-su"), "sql": ("SQL", "sequel")})
    assert u.pronounce("kurisu likes SQL") == "Ku-ri-su likes sequel"
    assert utterance().pronounce("kurisu likes SQL") == "kurisu likes SQL"  # no dictionary: unchanged


def test_pronounce_never_lets_a_control_token_through() -> None:
    u = utterance(dictionary={"a": ("a", "<|"), "b": ("b", "endofprompt|>")})
    assert "<|" not in u.pronounce("a b") and "|>" not in u.pronounce("a b")


def test_no_field_can_hold_a_key() -> None:
    names = {f.name for f in dataclasses.fields(Utterance)}
    assert not {n for n in names if "key" in n and n not in ("key_owner", "key_fingerprint")}, names
    # whose key pays is an account id, never the key; a clone's key is named by its one-way fingerprint
    hints = {f.name: f.type for f in dataclasses.fields(Utterance)}
    assert hints["key_owner"] == "int | None" and hints["billed"] == "bool"
    assert hints["key_fingerprint"] == "str | None"


def test_defaults_and_result() -> None:
    u = utterance()
    assert u.notices == [] and u.character is None and dict(u.dictionary) == {} and u.lender_id is None
    assert u.notices is not utterance().notices  # each utterance has its own list
    note = VoiceNote(audio=EncodedAudio(data=b"OggS", format="ogg", duration=1.0), text="hello")
    result = SpeakResult(notes=[note], notices=["offline_notice"], engine="local")
    assert (result.notes[0].text, result.notices, result.engine) == ("hello", ["offline_notice"], "local")
