"""The database every store function is given first: engine, sessions, and the settings they read.

SQLite under ``data_dir`` by default (WAL, usable from several threads); PostgreSQL through
``[server] database_url``. Each store function opens its own session from :attr:`Database.session`,
so one Database is safe to share between the pipeline threads and the API. The schema is made and
upgraded by the Alembic migrations shipped in ``migrations/`` (:meth:`Database.migrate`, run at
every start).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from agentassist.store.passwords import PasswordPool

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
BASE_REVISION = "0001"  # the schema 0.1.0's create_all made before migrations existed
# The PostgreSQL advisory lock that one node's upgrade holds while the others wait: any constant
# bigint agentassist alone uses (the first 8 bytes of SHA-256 of "agentassist:migrate", signed).
MIGRATE_LOCK = int.from_bytes(hashlib.sha256(b"agentassist:migrate").digest()[:8], "big", signed=True)
API_TOKEN_TTL = timedelta(days=90)  # the default of [server] api_token_ttl_days


class Database:
    def __init__(self, database_url: str, passwords: PasswordPool | None = None) -> None:
        self.passwords = passwords or PasswordPool()  # argon2, a bounded number at once
        self.api_token_ttl: timedelta | None = API_TOKEN_TTL  # set from [server] api_token_ttl_days; None: never
        # psycopg (3) is the PostgreSQL driver shipped with agentassist; plain URLs mean it
        for plain in ("postgresql://", "postgres://"):
            if database_url.startswith(plain):
                database_url = "postgresql+psycopg://" + database_url[len(plain) :]
        self.url = database_url
        kwargs: dict[str, Any] = {}
        if database_url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(database_url, **kwargs)
        if database_url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def api_token_expiry(self) -> datetime | None:
        """When an API token made now stops working (None: never)."""
        return None if self.api_token_ttl is None else datetime.now(UTC) + self.api_token_ttl

    def migrate(self) -> None:
        """Bring the schema to the newest revision. A database made by 0.1.0's ``create_all`` (tables
        but no ``alembic_version``) is stamped as revision 0001 first, so its data is kept.

        On PostgreSQL several nodes may start at once on one database: each upgrade runs under a
        transaction-level advisory lock, so the first node upgrades while the others wait, then find the
        schema at head and change nothing (without it both run ``CREATE TABLE`` and one start fails)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # released at this transaction's end, as the upgrade commits
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
            cfg.attributes["connection"] = conn
            ttl = self.api_token_ttl
            cfg.attributes["api_token_ttl_days"] = ttl.days if ttl is not None else 0  # 0006: old tokens' expiry
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables and "calls" in tables:
                log.info("database made before migrations: stamping revision %s", BASE_REVISION)
                command.stamp(cfg, BASE_REVISION)
            command.upgrade(cfg, "head")

    @contextlib.contextmanager
    def writing(self, lock_wait_s: float | None = None) -> Iterator[Session]:
        """A session in one transaction, committed at the end. ``lock_wait_s``: how long its writes wait
        for another writer's lock before the database refuses them (None: the engine's own wait, 30 s
        on SQLite), for a thread that must not stall on a writer holding the lock long."""
        if lock_wait_s is None:
            with self.session.begin() as s:
                yield s
            return
        wait_ms = max(1, round(lock_wait_s * 1000))
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                # SQLite's busy wait belongs to the connection, which goes back to the pool: set for this
                # transaction, then put back as it was
                before = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
                conn.commit()
            try:
                with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                    if self.dialect == "postgresql":  # ends with the transaction
                        s.execute(text(f"SET LOCAL lock_timeout = '{wait_ms}ms'"))
                    yield s
            finally:
                if self.dialect == "sqlite":
                    conn.rollback()
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {before}")
                    conn.commit()

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # what is deleted or shortened (retention, an erasure) is overwritten in the file, not left in free space
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
