"""``storage.Store`` implements every repository Protocol the core's use cases depend on."""

from __future__ import annotations

import inspect

import pytest

from core.accounts import AccountRepository
from core.characters import CharacterRepository
from core.cloning import CloneRepository
from core.dictionary import DictionaryRepository
from core.identity import IdentityRepository
from core.providers.cosyvoice_references import ReferenceRepository
from core.rendering import UsageRepository
from core.settings import SettingsRepository
from core.speech import SpeechRepository
from core.voices import VoiceRepository
from core.web_access import WebRepository
from storage import Store

PROTOCOLS = [AccountRepository, CharacterRepository, CloneRepository, DictionaryRepository, IdentityRepository,
             ReferenceRepository, SettingsRepository, SpeechRepository, UsageRepository, VoiceRepository, WebRepository]


def protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if inspect.isfunction(member) and not name.startswith("_")}


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_the_store_implements(protocol: type) -> None:
    wanted = protocol_methods(protocol)
    assert wanted, f"{protocol.__name__} declares no methods"
    for name, signature in wanted.items():
        method = getattr(Store, name, None)
        assert method is not None, f"Store has no {name} ({protocol.__name__})"
        assert inspect.iscoroutinefunction(method), f"Store.{name} is not async"
        actual = inspect.signature(method).parameters
        for param in signature.parameters.values():
            assert param.name in actual, f"Store.{name} lacks parameter {param.name}"
            assert actual[param.name].kind == param.kind, f"Store.{name}({param.name}) is of another kind"
        extra = [p for p in actual.values() if p.name not in signature.parameters]
        assert all(p.default is not inspect.Parameter.empty or p.kind is p.VAR_KEYWORD for p in extra), \
            f"Store.{name} needs arguments the core never passes: {[p.name for p in extra]}"


def test_a_protocol_that_drifts_is_caught() -> None:
    class Drifted(VoiceRepository):
        async def list_voices(self, owner: int) -> list: ...  # renamed parameter

    with pytest.raises(AssertionError):
        for name, signature in protocol_methods(Drifted).items():
            actual = inspect.signature(getattr(Store, name)).parameters
            for param in signature.parameters.values():
                assert param.name in actual
