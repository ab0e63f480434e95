"""Which engine speaks for whom, and who pays (core/engines.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.config import load_config
from core.engines import EngineChoice, Engines

OPERATOR = "sk-operator-key-0123456789"
OWN = "sk-own-key-0123456789"


def engines(tmp_path, *, provider: str | None, operator_key: str | None = OPERATOR, remote: bool = True,
            cloning: bool = True) -> Engines:
    config = load_config(data_dir=tmp_path, provider=provider, siliconflow_api_key=operator_key)
    offline = SimpleNamespace(name="local", supports_cloning=False)
    cloud = SimpleNamespace(name="siliconflow", supports_cloning=cloning) if remote else None
    return Engines(config, offline, cloud)


def test_the_operators_choice_is_the_default(tmp_path) -> None:
    assert engines(tmp_path, provider="siliconflow").default == "siliconflow"
    assert engines(tmp_path, provider=None).default == "siliconflow"  # a key and no choice: the remote one
    assert engines(tmp_path, provider=None, operator_key=None).default == "local"
    assert engines(tmp_path, provider="local").default == "local"
    assert engines(tmp_path, provider="siliconflow", remote=False).default == "local"


def test_lookup_by_name_falls_back_to_the_offline_engine(tmp_path) -> None:
    e = engines(tmp_path, provider="siliconflow")
    assert e.get("siliconflow") is e.remote and e.get("local") is e.offline and e.get("nonesuch") is e.offline
    assert e.is_offline("local") and not e.is_offline("siliconflow")
    alone = engines(tmp_path, provider="local", remote=False)
    assert alone.get("siliconflow") is alone.offline


def test_cloning_needs_a_remote_engine_that_clones(tmp_path) -> None:
    assert engines(tmp_path, provider="siliconflow").can_clone
    assert not engines(tmp_path, provider="siliconflow", cloning=False).can_clone
    assert not engines(tmp_path, provider="local", remote=False).can_clone


def test_a_preset_on_the_users_own_key_is_billed_to_them(tmp_path) -> None:
    e = engines(tmp_path, provider="local")  # even where the operator chose the offline engine
    assert e.for_preset(7, OWN) == EngineChoice(engine="siliconflow", key_owner=7, billed=False)


def test_a_preset_without_a_key_is_the_operators_choice(tmp_path) -> None:
    assert engines(tmp_path, provider="siliconflow").for_preset(7, None) == \
        EngineChoice(engine="siliconflow", key_owner=None, billed=True)
    assert engines(tmp_path, provider="local").for_preset(7, None) == \
        EngineChoice(engine="local", key_owner=None, billed=False)
    assert engines(tmp_path, provider="local", remote=False).for_preset(7, OWN) == \
        EngineChoice(engine="local", key_owner=None, billed=False)  # a key, but no remote engine to use it


@pytest.mark.parametrize(("engine", "key", "owner", "expected"), [
    ("siliconflow", OPERATOR, 7, EngineChoice("siliconflow", None, True)),  # the operator's key: billed
    ("siliconflow", OWN, 7, EngineChoice("siliconflow", 7, False)),  # the owner's key pays
    ("siliconflow", None, None, EngineChoice("siliconflow", None, False)),
    ("local", OPERATOR, 7, EngineChoice("local", 7, False)),  # the offline engine is never billed
])
def test_choice_bills_only_the_operators_key_on_a_remote_engine(tmp_path, engine, key, owner, expected) -> None:
    assert engines(tmp_path, provider="siliconflow").choice(engine, key, owner) == expected
