"""The only object that talks SQL: :class:`Store`, composed of one repository per use case.

Every repository shares the connection and transaction plumbing of :class:`storage.database.Database`
(which also describes how SQLite and PostgreSQL writes are serialised).
"""

from __future__ import annotations

from core.keys import secret_key_id
from storage.accounts import AccountsRepo
from storage.characters import CharactersRepo
from storage.conversations import ConversationsRepo
from storage.database import Database
from storage.dictionary import DictionaryRepo
from storage.links import LinksRepo
from storage.migrate import upgrade
from storage.references import ReferencesRepo
from storage.settings import SettingsRepo
from storage.transfer import TransferRepo
from storage.voices import VoicesRepo
from storage.web_sessions import WebSessionsRepo

__all__ = ["Store", "secret_key_id", "upgrade"]


class Store(AccountsRepo, LinksRepo, SettingsRepo, CharactersRepo, VoicesRepo, DictionaryRepo, TransferRepo,
            ReferencesRepo, WebSessionsRepo, ConversationsRepo, Database):
    """Every read and write of voicebridge's state. Open with ``await Store.open(url, secret_key)``."""
