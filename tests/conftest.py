"""Shared fixtures. Each area keeps its fixtures in a plugin module named here."""

pytest_plugins = [
    "tests.fakes.siliconflow_fixtures",
    "tests.fakes.chat_model_fixtures",
    "tests.storage.fixtures",
    "tests.app_fixtures",
]
