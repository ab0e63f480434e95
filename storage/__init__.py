"""Persistent state: SQLAlchemy 2 async Core + Alembic, on SQLite (default) or PostgreSQL.

``Store`` is the only object that talks SQL; ``upgrade`` applies migrations (``voicebridge db
upgrade``); ``storage.transfer`` moves everything between databases (``voicebridge db export/import``).
"""

import logging

# Alembic logs at INFO while it imports and on every run; that chatter would land in the CLI's
# output and the bots' logs. We log one line when the schema changes (logger "voicebridge.storage").
# Set the "alembic" logger's level yourself (before this import) to see its messages.
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)

from storage.migrate import head_revision, upgrade  # after quieting alembic
from storage.store import Store

__all__ = ["Store", "head_revision", "upgrade"]
