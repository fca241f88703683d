"""Announcing committed changes to every process, through `broadcaster`.

Messages are doorbells, not data: "an event was committed" or "this token was revoked". The
event log in the database stays the one source of truth, so a lost message (Redis down, a
worker restarting) costs latency, never an event: the hub reads the log after every
doorbell, after every broker reconnect, and every few seconds regardless.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from broadcaster import Broadcast
from redis.exceptions import RedisError

from subscriptions.metrics import PUBLISH_FAILURES, PUBLISHED
from subscriptions.redis_backend import ResilientRedisBackend

log = logging.getLogger("grassroots.broker")
PUBLISH_TIMEOUT = 2.0


class Backplane:
    def __init__(self, url: str, channel: str, on_message: Callable[[str], None]) -> None:
        self.url = url
        self.channel = channel
        self.on_message = on_message
        redis_url = url.startswith(("redis://", "rediss://"))
        self.backend = ResilientRedisBackend(url) if redis_url else None
        self.broadcast = Broadcast(backend=self.backend) if self.backend else Broadcast(url)
        self._outgoing: deque[str] = deque(maxlen=1000)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._failing = False

    async def start(self) -> None:
        await self.broadcast.connect()
        subscribed = asyncio.Event()
        listener = asyncio.create_task(self._listen(subscribed), name="backplane-listen")
        waiting = asyncio.create_task(subscribed.wait())
        await asyncio.wait((listener, waiting), return_when=asyncio.FIRST_COMPLETED)
        if listener.done():
            waiting.cancel()
            listener.result()  # raises what stopped it
        self._tasks = [listener, asyncio.create_task(self._publish(), name="backplane-publish")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.broadcast.disconnect()

    async def _listen(self, subscribed: asyncio.Event) -> None:
        # One long-lived subscription per process; the hub fans out locally. (broadcaster
        # 0.3.1 can lose one of two subscribers joining a channel at once, and queues
        # without bound per subscriber: neither matters with a single, always-read one.)
        async with self.broadcast.subscribe(self.channel) as subscriber:
            subscribed.set()
            async for event in subscriber:  # type: ignore[union-attr]  # never None
                if event is None:  # broadcaster's end-of-stream marker
                    break
                try:
                    self.on_message(event.message)
                except Exception:
                    log.exception("handling broker message %r failed", event.message)

    def announce(self, message: str) -> None:
        """Queue a message for every process. Never waits: writers call it after their
        commit, and a slow or absent broker must not hold up a mutation."""
        if message.startswith("e:") and self._outgoing and self._outgoing[-1].startswith("e:"):
            self._outgoing[-1] = message  # doorbells coalesce: readers read the whole log
        else:
            self._outgoing.append(message)
        self._wake.set()

    async def _publish(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outgoing:
                message = self._outgoing.popleft()
                try:
                    await asyncio.wait_for(
                        self.broadcast.publish(self.channel, message), PUBLISH_TIMEOUT
                    )
                except (RedisError, OSError) as exc:  # TimeoutError is an OSError
                    PUBLISH_FAILURES.inc()
                    if not self._failing:
                        log.warning(
                            "broker publish failed (%s); other workers will catch up from the log",
                            exc or "timeout",
                        )
                    self._failing = True
                    continue
                self._failing = False
                PUBLISHED.inc()

    @property
    def connected(self) -> bool:
        return self.backend is None or self.backend.connected.is_set()
