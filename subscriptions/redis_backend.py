"""A Redis backend for `broadcaster` that survives Redis going away.

broadcaster 0.3.1's own Redis backend, measured here: its listener parks before the first
SUBSCRIBE completes under redis-py 8 (so nothing arrives), and after a Redis restart the
listener task dies with an unretrieved ConnectionError while publishes succeed again, leaving
every subscriber hanging in silence. This one keeps one listener that reconnects with
backoff, re-subscribes, logs when the connection is lost and regained, and then hands the
subscribers a RESYNC message so they catch up on what they missed from the event log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as redis
from redis.exceptions import RedisError

from subscriptions.metrics import BROKER_RECONNECTS

log = logging.getLogger("grassroots.broker")
RESYNC = "resync"


class ResilientRedisBackend(BroadcastBackend):
    def __init__(self, url: str, *, max_backoff: float = 2.0) -> None:
        self._url = url
        self._max_backoff = max_backoff
        self._channels: set[str] = set()
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._listener: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def connect(self) -> None:
        # A Redis that accepts and then stops answering must not hang a publish or the
        # listener: every read and write times out, and idle subscriptions are pinged.
        self._conn = redis.Redis.from_url(
            self._url,
            socket_keepalive=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=10,
        )
        self._listener = asyncio.create_task(self._listen(), name="redis-listener")

    async def disconnect(self) -> None:
        if self._listener:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self._conn.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        self._changed.set()

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        self._changed.set()

    async def publish(self, channel: str, message: Any) -> None:
        await self._conn.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _listen(self) -> None:
        backoff, lost = 0.05, False
        while True:
            if not self._channels:
                self._changed.clear()
                await self._changed.wait()
                continue
            pubsub = self._conn.pubsub(ignore_subscribe_messages=True)
            since = time.monotonic()
            try:
                channels = set(self._channels)
                await pubsub.subscribe(*channels)
                self.connected.set()
                if lost:
                    log.warning("broker connection regained: %s", self._url)
                    BROKER_RECONNECTS.inc()
                    for channel in channels:
                        self._queue.put_nowait(Event(channel, RESYNC))
                lost = False
                self._changed.clear()
                while not self._changed.is_set():
                    message = await pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "message":
                        self._queue.put_nowait(
                            Event(message["channel"].decode(), message["data"].decode())
                        )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # RedisError and OSError mostly; never die silently
                self.connected.clear()
                if not lost:
                    level = (
                        logging.WARNING if isinstance(exc, RedisError | OSError) else logging.ERROR
                    )
                    log.log(level, "broker connection lost (%s): %r; reconnecting", self._url, exc)
                lost = True
                # A connection that held for a while starts the backoff afresh; one that
                # keeps dropping right away backs off, up to `max_backoff`.
                backoff = (
                    0.05 if time.monotonic() - since > 5 else min(backoff * 2, self._max_backoff)
                )
                await asyncio.sleep(backoff)
            finally:
                await asyncio.shield(_close(pubsub))


async def _close(pubsub) -> None:
    with contextlib.suppress(Exception):
        await pubsub.aclose()
