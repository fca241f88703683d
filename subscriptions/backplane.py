"""Announcing committed changes to every process, through `broadcaster`.

Messages are doorbells, not data: "an event was committed" or "this token was revoked". The
event log in the database stays the one source of truth, so a lost message (Redis down, a
worker restarting) costs latency, never an event: the hub reads the log after every
doorbell, after every broker reconnect, and every few seconds regardless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from broadcaster import Broadcast
from redis.exceptions import RedisError

from subscriptions.metrics import PUBLISH_FAILURES, PUBLISHED
from subscriptions.redis_backend import ResilientRedisBackend

log = logging.getLogger("grassroots.broker")


class Backplane:
    def __init__(self, url: str, channel: str, on_message: Callable[[str], None]) -> None:
        self.url = url
        self.channel = channel
        self.on_message = on_message
        self.backend = (
            ResilientRedisBackend(url) if url.startswith(("redis://", "rediss://")) else None
        )
        self.broadcast = Broadcast(backend=self.backend) if self.backend else Broadcast(url)
        self._task: asyncio.Task | None = None
        self._failing = False

    async def start(self) -> None:
        await self.broadcast.connect()
        subscribed = asyncio.Event()
        self._task = asyncio.create_task(self._listen(subscribed), name="backplane")
        await subscribed.wait()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.broadcast.disconnect()

    async def _listen(self, subscribed: asyncio.Event) -> None:
        # One long-lived subscription per process; the hub fans out locally. (broadcaster
        # 0.3.1 can lose one of two subscribers joining a channel at once, and queues
        # without bound per subscriber: neither matters with a single, always-read one.)
        async with self.broadcast.subscribe(self.channel) as subscriber:
            subscribed.set()
            async for event in subscriber:
                self.on_message(event.message)

    async def publish(self, message: str) -> None:
        try:
            await self.broadcast.publish(self.channel, message)
        except (RedisError, OSError) as exc:
            PUBLISH_FAILURES.inc()
            if not self._failing:
                log.warning("broker publish failed (%s); subscribers catch up from the log", exc)
            self._failing = True
            return
        self._failing = False
        PUBLISHED.inc()

    @property
    def connected(self) -> bool:
        return self.backend is None or self.backend.connected.is_set()
