"""Celery broker transports: kombu's own, made safe for a worker that must never stop.

- `SQLiteTransport`, the embedded default: kombu's SQLAlchemy transport on a SQLite file in
  `var/`. A message is one row, written in one transaction, so a publisher killed half-way
  leaves either a whole message or none (the filesystem transport created the file first and
  wrote it after, and a reader could take an empty file). A consumer takes a message and
  deletes its row in one `BEGIN IMMEDIATE` transaction, so two workers never take the same one.
- `RedisTransport`, production's broker: kombu's Redis transport.

On both, a message that cannot be read (not JSON, or not a kombu envelope) is logged and set
aside, and the worker goes on with the next one: SQLite keeps its row, hidden from consumers;
Redis moves it to the list `MALFORMED_KEY`. Its work is not lost: every asynchronous step has
a database safety net (docs/architecture.md) that re-drives what a message should have.
A message a killed worker had taken but not finished is re-driven the same way.
"""

import logging
import os
import threading
from queue import Empty

from kombu.transport import redis as kombu_redis
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)

MALFORMED_KEY = "b2b.malformed"


def unreadable(payload, channel) -> str | None:
    """Why kombu could not deliver this decoded message, or None when it can: the envelope
    kombu's `virtual.Message` is built from (Celery checks the body itself)."""
    try:
        properties = payload["properties"]
        if not isinstance(properties.get("delivery_info"), dict):
            return "no delivery_info"
        hash(properties["delivery_tag"])
        channel.Message(payload, channel=channel)
    except Exception as exc:  # whatever the envelope does to kombu, it is unreadable
        return f"not a kombu message ({type(exc).__name__}: {exc})"
    return None


def _log_set_aside(where: str, raw, reason: str) -> None:
    excerpt = bytes_to_str(raw)[:200] if raw is not None else ""
    logger.error(
        "Set aside an unreadable broker message (%s): %s; the safety nets re-drive its work. "
        "Start: %r",
        where,
        reason,
        excerpt,
    )


# --- SQLite (embedded default) ---------------------------------------------------------------

_engines: dict = {}
_engines_lock = threading.Lock()


def _close_engines_before_fork() -> None:
    """A forked child (Celery's pool processes) must not inherit open SQLite connections:
    the parent closes its own before forking and opens them again when next needed."""
    for (pid, _), (engine, _) in list(_engines.items()):
        if pid == os.getpid():
            engine.dispose()


os.register_at_fork(before=_close_engines_before_fork)


class SQLiteChannel(kombu_sqla.Channel):
    def __init__(self, connection, **kwargs):
        self._queue_ids: dict[str, int] = {}  # a queue's row is never deleted
        super().__init__(connection, **kwargs)

    def _engine_from_config(self):
        # The transport options are kombu's (polling interval), none is create_engine()'s.
        engine = create_engine(self.connection.client.hostname, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            # Readers never wait for the writer; a commit survives a killed process.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine

    def _open(self):
        # One engine per process (kombu keeps one per URL for the whole process tree): a
        # forked child opens its own.
        key = (os.getpid(), self.connection.client.hostname)
        found = _engines.get(key)
        if found is None:
            with _engines_lock:
                found = _engines.get(key)
                if found is None:
                    engine = self._engine_from_config()
                    try:
                        kombu_sqla.metadata.create_all(engine)
                    except OperationalError:  # another process created the tables meanwhile
                        kombu_sqla.metadata.create_all(engine)
                    found = _engines[key] = engine, sessionmaker(bind=engine)
        return found

    def _get(self, queue):
        """The oldest message of `queue`, taken and deleted in one transaction; an unreadable
        one is hidden (`visible` false, kept for inspection) and the next one is tried."""
        queue_id = self._queue_ids.get(queue)
        if queue_id is None:
            queue_id = self._queue_ids[queue] = self._get_or_create(queue).id
        session = self.session
        waiting = session.execute(
            text("SELECT 1 FROM kombu_message WHERE queue_id = :q AND visible LIMIT 1"),
            {"q": queue_id},
        ).first()
        session.commit()
        if waiting is None:  # nothing to take: no write lock for an empty poll
            raise Empty()
        session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            while True:
                row = session.execute(
                    text(
                        "SELECT id, payload FROM kombu_message WHERE queue_id = :q AND visible "
                        "ORDER BY timestamp, id LIMIT 1"
                    ),
                    {"q": queue_id},
                ).first()
                if row is None:
                    raise Empty()
                try:
                    payload = loads(row.payload)
                except Exception as exc:  # not JSON, or JSON kombu's decoder refuses
                    reason = f"{type(exc).__name__}: {exc}"
                else:
                    reason = unreadable(payload, self)
                if reason is None:
                    session.execute(text("DELETE FROM kombu_message WHERE id = :i"), {"i": row.id})
                    return payload
                session.execute(
                    text("UPDATE kombu_message SET visible = 0 WHERE id = :id"), {"id": row.id}
                )
                _log_set_aside(f"SQLite row {row.id}, hidden", row.payload, reason)
        finally:
            session.commit()


class SQLiteTransport(kombu_sqla.Transport):
    Channel = SQLiteChannel


# --- Redis (production) ----------------------------------------------------------------------


class _Malformed(Exception):
    def __init__(self, raw, reason):
        super().__init__(reason)
        self.raw = raw


class RedisChannel(kombu_redis.Channel):
    def _brpop_read(self, **options):
        self.connection.delivering = False
        try:
            return super()._brpop_read(**options)
        except (ValueError, _Malformed) as exc:
            if self.connection.delivering:
                raise  # raised by the consumer of a readable message: not ours to hide
            # BRPOP has taken it off the queue already; keep a copy for inspection.
            found = [getattr(exc, a) for a in ("raw", "doc", "object") if hasattr(exc, a)]
            raw = found[0] if found else repr(exc)
            self.client.lpush(MALFORMED_KEY, raw)
            _log_set_aside(f"Redis list {MALFORMED_KEY}", raw, f"{type(exc).__name__}: {exc}")
            return True


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel
    delivering = False

    def _deliver(self, message, queue):
        reason = unreadable(message, self.channels[0])
        if reason is not None:
            raise _Malformed(kombu_redis.dumps(message), reason)
        self.delivering = True
        super()._deliver(message, queue)
