"""The class database: its tables (SQLAlchemy Core), the engine and the schema version.

``LANDSCAPE_DB`` names it: ``sqlite:///path/classes.sqlite3`` or a plain path (a SQLite file, the default
``~/.local/state/loss-landscape-explorer/classes.sqlite3``), or ``postgresql://user:password@host/db`` (driven by
psycopg 3, for app processes on several machines).  A SQLite file runs in WAL mode with a busy timeout, so
every process of ``make serve`` on one machine shares it: readers never wait, and a writer starts its
transaction with ``BEGIN IMMEDIATE`` (it waits for the lock up front instead of failing on an upgrade).

Every statement is a SQLAlchemy Core construct with bound parameters; the only SQL written as text here is
the fixed ``BEGIN`` and ``PRAGMA`` lines and the upgrades' fixed ``ALTER TABLE`` lines below.

Schema versions: 1, the first; 2 adds ``classes.owner`` (who started the class when teachers sign in).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

SCHEMA_VERSION = 2
ENV = "LANDSCAPE_DB"
BUSY_TIMEOUT = 15.0  # seconds a SQLite writer waits for another's lock before the request fails
LOCK_ID = 0x4C4C45  # PostgreSQL advisory lock that serialises joins, starts and schema changes ("LLE")
ID = 32  # width of the id columns
OWNER = 64  # width of classes.owner: owners.Owner.key, a hash of the signed-in identity

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

classes = sa.Table(
    "classes", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("code", sa.String(8), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(OWNER), nullable=True),  # the signed-in teacher (schema 2); None: the link only
    sa.Column("lesson", sa.String(60), nullable=False),  # the lesson's name
    sa.Column("lesson_file", sa.Text, nullable=False),  # the lesson (lessons.dump): every process plays the same
    sa.Column("steps", sa.Integer, nullable=False),
    sa.Column("step", sa.Integer, nullable=False, default=0),  # 0-based
    sa.Column("revealed", sa.Boolean, nullable=False, default=False),
    sa.Column("version", sa.Integer, nullable=False, default=0),  # +1 at every change the teacher makes
    sa.Column("created_at", sa.Float, nullable=False, index=True),  # seconds since the epoch, UTC
    sa.Column("updated_at", sa.Float, nullable=False),
)

students = sa.Table(
    "students", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("class_id", sa.String(ID), sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, ... in the order of joining: the CSV's name for them
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.UniqueConstraint("class_id", "number"),
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("class_id", sa.String(ID), sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("student_id", sa.String(ID), sa.ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.PrimaryKeyConstraint("class_id", "step", "student_id"),  # one answer per student and step
)

attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "join" (a wrong code), "join-net", "start"
    sa.Column("key", sa.String(32), nullable=False),  # tokens.key_hash of the client key
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("attempts_by_key", "kind", "key", "at"),
    sa.Index("attempts_by_time", "kind", "at"),
)

TABLES = ("schema_version", "classes", "students", "answers", "attempts")


class ConfigError(ValueError):
    """A database address that cannot serve a class."""


class SchemaError(RuntimeError):
    """The database holds a schema this version of the app must not touch."""


def default_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "loss-landscape-explorer" / "classes.sqlite3"


def resolve(address: str | None = None) -> URL:
    """The database's URL: ``address``, else ``LANDSCAPE_DB``, else the default SQLite file."""
    text = (os.environ.get(ENV, "") if address is None else str(address)).strip()
    if not text:
        return URL.create("sqlite", database=str(default_path()))
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise ConfigError(f"{ENV}: {text!r} is not a database URL; write sqlite:///path/to/classes.sqlite3 or "
                          "postgresql://user:password@host:5432/database") from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+" + (driver or "psycopg"))
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
            raise ConfigError(f"{ENV}: an in-memory SQLite database is private to one connection; give a file, "
                              "e.g. sqlite:////var/lib/lle/classes.sqlite3")
        return url
    raise ConfigError(f"{ENV}: the class database is SQLite (a file) or PostgreSQL, not {backend!r}")


def is_postgres(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def connect(url: URL) -> Engine:
    """An engine for ``url``, configured for many processes sharing it."""
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False},
                                  pool_size=8, max_overflow=8, pool_timeout=BUSY_TIMEOUT)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=10,
                            pool_recycle=1800,
                            connect_args={"connect_timeout": 5,
                                          "options": "-c statement_timeout=15000 -c lock_timeout=15000"})


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # pysqlite's own BEGIN is off: _sqlite_begin sends ours
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer, nor it for them
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode: a power cut can lose the last commits only
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: with SQLite it holds the database's write lock from its first statement."""
    with engine.execution_options(write=True).begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot, never waiting for a writer."""
    with engine.begin() as conn:
        yield conn


def serialise(conn: Connection) -> None:
    """One at a time from here to the end of the transaction, across processes and machines (joins, starts)."""
    if is_postgres(conn):
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("lock", LOCK_ID, sa.BigInteger))))


def version(conn: Connection) -> int | None:
    """The schema version the database holds (None: no schema yet)."""
    names = set(sa.inspect(conn).get_table_names())
    if "schema_version" not in names:
        ours = sorted(names & set(TABLES))
        if ours:
            raise SchemaError(f"the class database has tables named {', '.join(ours)} but no schema_version: they "
                              f"belong to something else; give the classes a database of their own ({ENV})")
        return None
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return None if found is None else int(found)


def create(engine: Engine, where: str) -> int:
    """Create the schema on first start, or check the one there; SchemaError for one this app must not touch."""
    with writing(engine) as conn:
        serialise(conn)
        found = version(conn)
        if found is not None and found > SCHEMA_VERSION:
            raise SchemaError(f"the class database {where} has schema version {found}, newer than this app's "
                              f"{SCHEMA_VERSION}: run the newer app, or give this one another database ({ENV})")
        if found is not None and found < SCHEMA_VERSION:
            upgrade(conn, found, where)
        metadata.create_all(conn)
        if found is None:
            conn.execute(sa.insert(schema_version).values(version=SCHEMA_VERSION))
    return SCHEMA_VERSION


def upgrade(conn: Connection, found: int, where: str) -> None:
    """Bring a schema of an older version up to SCHEMA_VERSION, one version at a time, in the caller's
    transaction (both SQLite and PostgreSQL change a table's columns inside a transaction)."""
    for version_from in range(found, SCHEMA_VERSION):
        step = UPGRADES.get(version_from)
        if step is None:
            raise SchemaError(f"the class database {where} has schema version {found} and this app knows no "
                              f"upgrade from it to {SCHEMA_VERSION}")
        step(conn)
        conn.execute(sa.update(schema_version).values(version=version_from + 1))


def _add_owner(conn: Connection) -> None:
    """1 -> 2: classes.owner, empty for the classes already there (their teacher link still steers them)."""
    conn.exec_driver_sql("ALTER TABLE classes ADD COLUMN owner VARCHAR(64)")  # sa.String(OWNER) in both databases


UPGRADES = {1: _add_owner}


def where(url: URL) -> str:
    """The database named for a message, without its password."""
    return url.render_as_string(hide_password=True)
