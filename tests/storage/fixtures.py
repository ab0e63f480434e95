"""Database fixtures: the same tests on SQLite and PostgreSQL."""
