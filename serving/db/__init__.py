"""Persistence of the review queue, API keys and the access log (SQLAlchemy; alembic migrations in ``migrations/``).

SQLite (WAL, busy timeout) is the embedded default; PostgreSQL is used when ``DATABASE_URL`` points to one.
"""

from serving.db.session import Database, migrate

__all__ = ["Database", "migrate"]
