"""Fixtures for the fake SiliconFlow server."""
