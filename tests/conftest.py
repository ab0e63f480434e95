"""Shared fixtures. Each area keeps its fixtures in a plugin module named here."""

pytest_plugins = [
    "tests.fakes.siliconflow_fixtures",
    "tests.storage.fixtures",
    "tests.app_fixtures",
]
