"""Alembic migrations for voicebridge (run them with :func:`storage.migrate.upgrade`)."""
