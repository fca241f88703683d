"""One hub per process: reads the event log in order and fans events out to subscriptions.

Identical subscriptions (same document, variables and viewer) form a group: the group
executes its selection set once per event and every member gets the same bytes, with only
its own subscription id spliced in. Clients never block the hub: each connection has a
bounded outbox (see protocol.py).

Ordering and resuming: the hub keeps `last_id`, the highest event id it has fanned out, and
reads `id > last_id` from the log. A member joining with `after=c` first gets the events in
(c, last_id] from the log, then live ones (> last_id): no gap, no repeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import ExecutionResult
from graphql.execution import Executor, execute_subscription_event
from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from core.db import Database
from core.identity import ANONYMOUS, Viewer, load_grants_of, load_viewer, token_digest
from models.accounts import AuthToken
from models.base import utcnow
from models.issues import Issue, IssueEvent
from subscriptions.backplane import Backplane
from subscriptions.metrics import DELIVERED, EVENTS_READ, GROUPS, SUBSCRIPTIONS

log = logging.getLogger("grassroots.live")
READ_BATCH = 500
VIEWER_TTL = 60.0
REPLAY_LIMIT = 10_000


class Spec(Protocol):
    """Which events one subscription field delivers (built by the domain's resolver)."""

    key: tuple

    def matches(self, event: IssueEvent) -> bool: ...
    def where(self) -> ColumnElement[bool]: ...
    def allowed(self, viewer: Viewer, issue: Issue) -> bool: ...


@dataclass
class LiveStream:
    """What a subscription resolver returns: the websocket protocol joins it to the hub."""

    spec: Spec
    after: int | None

    def __aiter__(self):
        raise TypeError("subscriptions are served over websockets (graphql-transport-ws)")


class Outbox(Protocol):
    viewer: Viewer
    closed: bool

    def send(self, text: str) -> None: ...
    def end_session(self, key: str) -> None: ...


class ReplayTooLong(Exception):
    """More missed events than a replay may send."""


class UnknownCursor(Exception):
    """An `after` beyond every event in the log (a cursor from another database?)."""


class Member:
    """One subscription of one connection."""

    __slots__ = ("floor", "live", "outbox", "pending", "prefix", "sub_id")

    def __init__(self, outbox: Outbox, sub_id: str, next_type: str) -> None:
        self.outbox = outbox
        self.sub_id = sub_id
        self.prefix = f'{{"id":{json.dumps(sub_id)},"type":"{next_type}","payload":'
        self.floor = 0  # events up to here are already delivered (or were missed on purpose)
        self.live = False
        self.pending: list[tuple[int, str]] = []

    def push(self, event_id: int, payload: str) -> None:
        if event_id <= self.floor:
            return
        if not self.live:
            self.pending.append((event_id, payload))
            return
        self.floor = event_id
        self.outbox.send(self.prefix + payload + "}")


class Group:
    """Subscriptions with the same document, variables, viewer and language."""

    def __init__(
        self,
        hub: Hub,
        key: tuple,
        spec: Spec,
        viewer: Viewer,
        executor: Executor,
        make_context: Callable[[], Any],
    ) -> None:
        self.hub = hub
        self.key = key
        self.spec = spec
        self.viewer = viewer
        self.executor = executor
        self.make_context = make_context
        self.members: set[Member] = set()
        self.rendered: OrderedDict[int, str] = OrderedDict()

    async def render(self, event: IssueEvent) -> str:
        """The `payload` JSON for one event, executed once for the whole group."""
        cached = self.rendered.get(event.id)
        if cached is not None:
            return cached
        per_event = self.executor.build_per_event_executor(self.hub.root_value(event))
        per_event.context_value = self.make_context()  # fresh DataLoaders for each event
        result = execute_subscription_event(per_event)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        body = self.hub.format_result(result, per_event.context_value)
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if "errors" in body:
            return payload  # not kept: a later replay executes it afresh
        self.rendered[event.id] = payload
        if len(self.rendered) > 64:
            self.rendered.popitem(last=False)
        return payload

    def deliver(self, event_id: int, payload: str) -> None:
        members = list(self.members)
        for member in members:
            member.push(event_id, payload)
        DELIVERED.inc(len(members))


class Hub:
    def __init__(
        self,
        db: Database,
        backplane_url: str,
        channel: str,
        *,
        root_value: Callable[[IssueEvent], Any],
        format_result: Callable[[ExecutionResult, Any], dict],
        poll_seconds: float = 2.0,
        session_check_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.root_value = root_value
        self.format_result = format_result
        self.poll_seconds = poll_seconds
        self.session_check_seconds = session_check_seconds
        self.backplane = Backplane(backplane_url, channel, self._on_message)
        self.groups: dict[tuple, Group] = {}
        self.outboxes: set[Any] = set()
        self.last_id = 0
        self._reading: asyncio.Task | None = None
        self._again = False
        self._tasks: list[asyncio.Task] = []
        self._viewers: dict[str, tuple[float, asyncio.Future]] = {}

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.last_id = await self.db.one(select(func.coalesce(func.max(IssueEvent.id), 0)))
        await self.backplane.start()
        self._tasks.append(asyncio.create_task(self._poll(), name="live-poll"))
        self._tasks.append(asyncio.create_task(self._check_sessions(), name="live-sessions"))

    async def stop(self) -> None:
        for task in [*self._tasks, self._reading]:
            if task:
                task.cancel()
        await asyncio.gather(
            *(t for t in [*self._tasks, self._reading] if t), return_exceptions=True
        )
        await self.backplane.stop()

    async def _poll(self) -> None:
        """The safety net: read the log every few seconds even if no doorbell rang."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            self.ring()

    # --- who is connecting -----------------------------------------------------------------

    async def viewer(self, token: str | None) -> Viewer | None:
        """The viewer of a bearer token, shared for a minute by every socket presenting it:
        a wall of dashboards reconnecting at once costs one lookup, and one Viewer in memory.
        Revocation still ends their sessions at once (see `_on_message`)."""
        if not token:
            return ANONYMOUS
        digest = token_digest(token)
        now = time.monotonic()
        cached = self._viewers.get(digest)
        if cached is None or cached[0] < now:
            if len(self._viewers) > 10_000:
                self._viewers = {k: v for k, v in self._viewers.items() if v[0] >= now}
            cached = (now + VIEWER_TTL, asyncio.ensure_future(load_viewer(self.db, token)))
            self._viewers[digest] = cached
        try:
            return await asyncio.shield(cached[1])
        except Exception:
            self._viewers.pop(digest, None)
            raise

    def forget_viewer(self, token_hash: str) -> None:
        self._viewers.pop(token_hash, None)

    async def _check_sessions(self) -> None:
        """End the sessions whose token expired or was revoked, or whose roles changed.

        Logout rings every process at once; this catches what a broker outage swallowed, and
        role changes, which would otherwise reach a connected socket only at its next login.
        """
        while True:
            await asyncio.sleep(self.session_check_seconds)
            viewers = {o.viewer.token_hash: o.viewer for o in self.outboxes if o.viewer.token_hash}
            if not viewers:
                continue
            try:
                tokens = {
                    row.token_hash: row
                    for row in await self.db.all(
                        select(AuthToken)
                        .where(AuthToken.token_hash.in_(viewers))
                        .execution_options(background=True)
                    )
                }
                grants = await load_grants_of(self.db, list({v.id for v in viewers.values()}))
            except Exception:
                log.exception("checking sessions failed")
                continue
            now = utcnow()
            ended: dict[str, str] = {}
            for token_hash, viewer in viewers.items():
                token = tokens.get(token_hash)
                if token is None or token.revoked_at is not None:
                    ended[token_hash] = "token_revoked"
                elif token.expires_at <= now:
                    ended[token_hash] = "token_expired"
                elif grants.get(viewer.id) != viewer.grants:
                    ended[token_hash] = "roles_changed"
            for token_hash in ended:
                self.forget_viewer(token_hash)
            for outbox in list(self.outboxes):
                key = ended.get(outbox.viewer.token_hash)
                if key:
                    outbox.end_session(key)

    # --- what writers call, after their transaction committed ----------------------------

    def committed(self, event: IssueEvent) -> None:
        """Called after the transaction that wrote `event` committed; never waits."""
        self.ring()
        self.backplane.announce(f"e:{event.id}")

    def revoked(self, token_hash: str) -> None:
        self._on_message(f"r:{token_hash}")
        self.backplane.announce(f"r:{token_hash}")

    def _on_message(self, message: str) -> None:
        if message.startswith("r:"):
            token_hash = message[2:]
            self.forget_viewer(token_hash)
            for outbox in list(self.outboxes):
                if outbox.viewer.token_hash == token_hash:
                    outbox.end_session("token_revoked")
        else:
            self.ring()

    # --- reading the log ----------------------------------------------------------------

    def ring(self) -> None:
        """Read the log now (coalesced: one reader at a time, re-run if rung meanwhile)."""
        if self._reading and not self._reading.done():
            self._again = True
            return
        self._reading = asyncio.create_task(self._read(), name="live-read")

    async def _read(self) -> None:
        while True:
            self._again = False
            try:
                rows = await self.db.rows(
                    select(IssueEvent, Issue)
                    .join(Issue, Issue.id == IssueEvent.issue_id)
                    .where(IssueEvent.id > self.last_id)
                    .order_by(IssueEvent.id)
                    .limit(READ_BATCH)
                    .execution_options(background=True)  # not part of any request
                )
            except Exception:
                log.exception("reading the event log failed; retrying on the next poll")
                return
            for event, issue in rows:
                # Advanced before fanning out: a member joining while this event renders
                # replays it from the log (and `Member.floor` drops the second copy).
                self.last_id = event.id
                try:
                    await self._fan_out(event, issue)
                except Exception:
                    log.exception("fanning out event %s failed", event.id)
            EVENTS_READ.inc(len(rows))
            if len(rows) < READ_BATCH and not self._again:
                return

    async def _fan_out(self, event: IssueEvent, issue: Issue) -> None:
        targets = [
            g
            for g in self.groups.values()
            if g.spec.matches(event) and g.spec.allowed(g.viewer, issue)
        ]
        if not targets:
            return
        payloads = await asyncio.gather(*(g.render(event) for g in targets), return_exceptions=True)
        for group, payload in zip(targets, payloads, strict=True):
            if isinstance(payload, BaseException):
                log.error("rendering event %s failed", event.id, exc_info=payload)
                continue
            group.deliver(event.id, payload)

    # --- members --------------------------------------------------------------------------

    async def join(
        self,
        outbox: Outbox,
        sub_id: str,
        next_type: str,
        stream: LiveStream,
        key: tuple,
        executor: Executor,
        make_context: Callable[[], Any],
    ) -> Member:
        if stream.after is not None and stream.after > self.last_id:
            # Fine if another worker is ahead of this one; not if no such event exists.
            newest = await self.db.one(select(func.coalesce(func.max(IssueEvent.id), 0)))
            if stream.after > newest:
                raise UnknownCursor()
        # No await from here until the member is registered: `snapshot` stays exact.
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(
                self, key, stream.spec, outbox.viewer, executor, make_context
            )
            GROUPS.inc()
        snapshot = self.last_id
        member = Member(outbox, sub_id, next_type)
        member.floor = stream.after if stream.after is not None else snapshot
        group.members.add(member)  # from here on, live events are kept in member.pending
        SUBSCRIPTIONS.inc()
        try:
            if member.floor < snapshot:
                await self._replay(group, member, snapshot)
        except BaseException:
            self.leave(group.key, member)
            raise
        member.floor = max(member.floor, snapshot)
        member.live = True
        for event_id, payload in member.pending:
            member.push(event_id, payload)
        member.pending.clear()
        return member

    async def _replay(self, group: Group, member: Member, upto: int) -> None:
        """Events in (member.floor, upto] that the member's subscription would have seen."""
        window = (IssueEvent.id > member.floor, IssueEvent.id <= upto, group.spec.where())
        missed = await self.db.one(select(func.count()).where(*window))
        if missed > REPLAY_LIMIT:
            raise ReplayTooLong()
        cursor = member.floor
        while cursor < upto and not member.outbox.closed:
            rows = await self.db.rows(
                select(IssueEvent, Issue)
                .join(Issue, Issue.id == IssueEvent.issue_id)
                .where(IssueEvent.id > cursor, IssueEvent.id <= upto, group.spec.where())
                .order_by(IssueEvent.id)
                .limit(READ_BATCH)
            )
            if not rows:
                break
            for event, issue in rows:
                cursor = event.id
                if group.spec.allowed(group.viewer, issue):
                    member.outbox.send(member.prefix + await group.render(event) + "}")
                    DELIVERED.inc()
                member.floor = cursor

    def leave(self, key: tuple, member: Member) -> None:
        group = self.groups.get(key)
        if group is None or member not in group.members:
            return
        group.members.discard(member)
        SUBSCRIPTIONS.dec()
        if not group.members:
            del self.groups[key]
            GROUPS.dec()
