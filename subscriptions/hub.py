"""One hub per process: reads the event log in order and fans entries out to subscriptions.

The hub knows no domain: each subscription brings a `Spec` of its domain's `Topic`
(subscriptions/topics.py), which says which entries it wants and who may see them.
Identical subscriptions (same document, variables, viewer and language) form a group whose
members get the same bytes, with only their subscription id spliced in; groups that differ
only in the viewer share one render where it provably cannot differ (`Fanout`). Clients
never block the hub: each connection has a bounded outbox (see protocol.py).

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
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol, cast

from graphql import ExecutionResult
from graphql.execution import Executor, execute_subscription_event
from sqlalchemy import func, select

from core.db import Database
from core.identity import (
    ANONYMOUS,
    Audience,
    IdentityNeeded,
    Viewer,
    load_grants_of,
    load_viewer,
    token_digest,
)
from models.accounts import AuthToken
from models.base import utcnow
from models.events import LogEntry
from subscriptions.backplane import Backplane
from subscriptions.metrics import DELIVERED, EVENTS_READ, GROUPS, SUBSCRIPTIONS, SUMMARIES
from subscriptions.topics import LiveStream, Spec, Summarized, Topic, summarized

log = logging.getLogger("grassroots.live")
READ_BATCH = 500
VIEWER_TTL = 60.0
REPLAY_LIMIT = 10_000
RECENT = 64  # fanned-out entries kept with their renders, for members resuming just behind


class GroupKey(NamedTuple):
    """Subscriptions with equal keys form one group (built by the websocket protocol)."""

    document: str
    operation: str | None
    variables: str  # JSON, without the resume cursor
    viewer_id: int | None
    grants: tuple
    lang: str

    @property
    def audience(self) -> tuple:
        """The same key without the viewer: groups that may share one render of an event."""
        return (self.document, self.operation, self.variables, self.grants, self.lang)


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
        """The one way an event reaches a member: in id order, each at most once."""
        if event_id <= self.floor:
            return
        if not self.live:
            self.pending.append((event_id, payload))
            return
        self.floor = event_id
        self.outbox.send(self.prefix + payload + "}")


class Rendered(NamedTuple):
    payload: str | None  # None: the render needed to know exactly who the viewer is
    asked: frozenset[int]  # accounts the render asked "is the viewer this one?" about
    complete: bool  # no errors: may be kept for replays

    def fits(self, group: Group) -> bool:
        return self.payload is not None and group.viewer_id not in self.asked


class Fanout:
    """One log entry on its way to subscribers: the loaders and renders they all share.

    Every group renders the entry with the same DataLoader cache (loaders hold rows, never
    decisions, so sharing them across viewers is safe), primed with the rows the hub read.
    Groups that differ only in who the viewer is share one render, made for an `Audience`
    of their grants; a viewer the render asked about gets a render of its own.
    """

    __slots__ = ("db", "entry", "loaders", "reads", "renders", "subject")

    def __init__(
        self, db: Database, entry: LogEntry, topic: Topic, subject: Any, prime: bool = True
    ) -> None:
        self.db = self.reads = db  # loaders read with `reads`: a short session per batch
        self.entry = entry
        self.subject = subject
        self.loaders: dict[type, Any] = {}
        self.renders: dict[tuple, asyncio.Future[Rendered]] = {}
        if prime:  # a summary (Coalescer) is no subject of the topic's
            topic.prime(self, subject)

    def shared(self, group: Group) -> asyncio.Future[Rendered]:
        """The render for the group's audience, started by the first group that asks."""
        future = self.renders.get(group.audience)
        if future is None:
            audience = Audience(group.viewer.grants, group.viewer.signed_in)
            future = asyncio.ensure_future(group.execute(self, audience))
            self.renders[group.audience] = future
        return future

    async def payload(self, group: Group) -> str:
        rendered = await self.shared(group)
        if rendered.fits(group):
            return rendered.payload  # type: ignore[return-value]
        return (await group.execute(self, group.viewer)).payload  # type: ignore[return-value]

    def keep_complete(self) -> None:
        """Drop renders with errors: a replay executes those afresh."""
        for key, future in list(self.renders.items()):
            kept = (
                future.done()
                and not future.cancelled()
                and future.exception() is None
                and future.result().complete
            )
            if not kept:
                del self.renders[key]


class Group:
    """Subscriptions with the same document, variables, viewer and language."""

    def __init__(
        self,
        hub: Hub,
        key: GroupKey,
        spec: Spec,
        root: Callable[[Any], Any],
        viewer: Viewer,
        executor: Executor,
        make_context: Callable[[], Any],
    ) -> None:
        self.hub = hub
        self.key = key
        self.spec = spec
        self.root = root
        self.viewer = viewer
        self.viewer_id = viewer.id  # read once: fan-out compares it for every event
        self.audience = key.audience  # built and hashed once, not per event
        self.executor = executor
        self.make_context = make_context
        self.members: set[Member] = set()

    async def execute(self, fanout: Fanout, viewer: Viewer) -> Rendered:
        """The `payload` JSON of one event for `viewer` (the group's, or an audience)."""
        context = self.make_context()
        context.viewer = viewer
        context.loaders = fanout.loaders
        per_event = self.executor.build_per_event_executor(self.root(fanout.subject))
        per_event.context_value = context
        result = execute_subscription_event(per_event)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        result = cast(ExecutionResult, result)
        errors = result.errors or []
        audience = isinstance(viewer, Audience)
        if audience and any(isinstance(e.original_error, IdentityNeeded) for e in errors):
            return Rendered(None, frozenset(), False)
        body = self.hub.format_result(result, context)
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        asked = frozenset(viewer.asked) if audience else frozenset()  # type: ignore[attr-defined]
        return Rendered(payload, asked, not errors)

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
        format_result: Callable[[ExecutionResult, Any], dict],
        poll_seconds: float = 2.0,
        session_check_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.format_result = format_result
        self.poll_seconds = poll_seconds
        self.session_check_seconds = session_check_seconds
        self.backplane = Backplane(backplane_url, channel, self._on_message)
        self.groups: dict[GroupKey, Group] = {}
        self.outboxes: set[Any] = set()
        self.last_id = 0
        self.recent: OrderedDict[int, Fanout] = OrderedDict()  # for replays of the newest
        self._reading: asyncio.Task | None = None
        self._again = False
        self._tasks: list[asyncio.Task] = []
        self._viewers: dict[str, tuple[float, asyncio.Future]] = {}
        self.coalescer = Coalescer(self)

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.last_id = await self._newest()
        self.db.on_commit.append(self.committed)
        await self.backplane.start()
        self._tasks.append(asyncio.create_task(self._poll(), name="live-poll"))
        self._tasks.append(asyncio.create_task(self._check_sessions(), name="live-sessions"))

    async def stop(self) -> None:
        if self.committed in self.db.on_commit:
            self.db.on_commit.remove(self.committed)
        tasks = [*self._tasks, self._reading, *self.coalescer.tasks()]
        for task in tasks:
            if task:
                task.cancel()
        await asyncio.gather(*(t for t in tasks if t), return_exceptions=True)
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

    async def _newest(self) -> int:
        return await self.db.one(
            select(func.coalesce(func.max(LogEntry.id), 0)).execution_options(background=True)
        )

    # --- told by the database, and by sign-out -------------------------------------------

    def committed(self, newest: int) -> None:
        """A transaction that appended up to entry `newest` committed (a `Database.on_commit`
        listener, so no writer can forget it); never waits."""
        self.ring()
        self.backplane.announce(f"e:{newest}")

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
                entries = await self.db.all(
                    select(LogEntry)
                    .where(LogEntry.id > self.last_id)
                    .order_by(LogEntry.id)
                    .limit(READ_BATCH)
                    .execution_options(background=True)  # not part of any request
                )
            except Exception:
                log.exception("reading the event log failed; retrying on the next poll")
                return
            subjects = Subjects(self.db, entries)
            for entry in entries:
                # Advanced before fanning out: a member joining while this entry renders
                # replays it from the log (and `Member.floor` drops the second copy).
                self.last_id = entry.id
                try:
                    await self._fan_out(entry, subjects)
                except Exception:
                    log.exception("fanning out event %s failed", entry.id)
            EVENTS_READ.inc(len(entries))
            if len(entries) < READ_BATCH and not self._again:
                return

    async def _fan_out(self, entry: LogEntry, subjects: Subjects) -> None:
        topic = next(
            (g.spec.topic for g in self.groups.values() if g.spec.topic.name == entry.topic), None
        )
        if topic is None:
            return  # nobody listens to this topic
        subject = await subjects.get(topic, entry)
        if subject is None:
            return
        targets = [
            g
            for g in self.groups.values()
            if g.spec.topic.name == entry.topic
            and g.spec.matches(entry, subject)
            and g.spec.topic.allowed(g.viewer, subject)
        ]
        if any(summarized(g.spec) for g in targets):
            for group in targets:
                if summarized(group.spec):
                    self.coalescer.touch(group, entry, subject)
            targets = [g for g in targets if not summarized(g.spec)]
        if not targets:
            return
        await self.deliver(self._remember(Fanout(self.db, entry, topic, subject)), targets)

    async def deliver(self, fanout: Fanout, targets: Sequence[Group]) -> None:
        """Render `fanout`'s entry for each group and hand it to the group's members."""
        entry = fanout.entry
        # One render per audience, all at once; then every group whose viewer the render
        # did not ask about gets it without a task of its own.
        audiences = {g.audience: fanout.shared(g) for g in targets}
        await asyncio.wait(audiences.values())
        alone: list[Group] = []
        for group in targets:
            shared = audiences[group.audience]
            if shared.cancelled():
                continue
            if shared.exception() is not None:
                log.error("rendering event %s failed", entry.id, exc_info=shared.exception())
            elif shared.result().fits(group):
                group.deliver(entry.id, shared.result().payload)  # type: ignore[arg-type]
            else:
                alone.append(group)
        if alone:
            own = await asyncio.gather(
                *(g.execute(fanout, g.viewer) for g in alone), return_exceptions=True
            )
            for group, rendered in zip(alone, own, strict=True):
                if isinstance(rendered, BaseException):
                    log.error("rendering event %s failed", entry.id, exc_info=rendered)
                else:
                    group.deliver(entry.id, rendered.payload)  # type: ignore[arg-type]
        fanout.keep_complete()

    def _remember(self, fanout: Fanout) -> Fanout:
        self.recent[fanout.entry.id] = fanout
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)
        return fanout

    # --- members --------------------------------------------------------------------------

    async def join(
        self,
        outbox: Outbox,
        sub_id: str,
        next_type: str,
        stream: LiveStream,
        key: GroupKey,
        executor: Executor,
        make_context: Callable[[], Any],
    ) -> Member:
        """Register a subscription; replay what it missed since `stream.after`, then live.

        No await until the member is registered: `snapshot` stays exact, and a group found
        by the caller is still there.
        """
        group = self.groups.get(key)
        if group is None:
            if stream.root is None:
                raise RuntimeError("a new group needs the stream's root")
            group = self.groups[key] = Group(
                self, key, stream.spec, stream.root, outbox.viewer, executor, make_context
            )
            GROUPS.inc()
        snapshot = self.last_id
        member = Member(outbox, sub_id, next_type)
        member.floor = stream.after if stream.after is not None else snapshot
        group.members.add(member)  # from here on, live events are kept in member.pending
        SUBSCRIPTIONS.inc()
        try:
            # Fine if another worker is ahead of this one; not if no such event exists.
            if member.floor > snapshot and member.floor > await self._newest():
                raise UnknownCursor()
            if member.floor < snapshot:
                await self._replay(group, member, snapshot)
        except BaseException:
            self.leave(group.key, member)
            raise
        member.floor = max(member.floor, snapshot)
        member.live = True
        pending, member.pending = member.pending, []
        for event_id, payload in pending:
            member.push(event_id, payload)
        return member

    async def _replay(self, group: Group, member: Member, upto: int) -> None:
        """Events in (member.floor, upto] that the member's subscription would have seen."""
        spec = group.spec
        topic = spec.topic

        def window(after: int):
            return (
                select(LogEntry)
                .select_from(topic.source())
                .where(
                    LogEntry.id > after,
                    LogEntry.id <= upto,
                    LogEntry.topic == topic.name,
                    spec.where(),
                )
            )

        missed = await self.db.one(
            select(func.count()).select_from(window(member.floor).subquery())
        )
        if missed > REPLAY_LIMIT:
            raise ReplayTooLong()
        while member.floor < upto and not member.outbox.closed:
            entries = await self.db.all(
                window(member.floor).order_by(LogEntry.id).limit(READ_BATCH)
            )
            if not entries:
                break
            subjects = await topic.load(self.db, entries)
            for entry in entries:
                subject = subjects.get(entry.id)
                if subject is not None and topic.allowed(group.viewer, subject):
                    fanout = self.recent.get(entry.id) or Fanout(self.db, entry, topic, subject)
                    payload = await fanout.payload(group)
                    if entry.id > member.floor:  # not already sent while this one rendered
                        member.floor = entry.id
                        member.outbox.send(member.prefix + payload + "}")
                        DELIVERED.inc()
                member.floor = max(member.floor, entry.id)

    def leave(self, key: GroupKey, member: Member) -> None:
        group = self.groups.get(key)
        if group is None or member not in group.members:
            return
        group.members.discard(member)
        SUBSCRIPTIONS.dec()
        if not group.members:
            del self.groups[key]
            GROUPS.dec()


class _Pending:
    """Matching entries of one summarized spec key, waiting for their summary."""

    __slots__ = ("entry", "groups", "spec", "subject", "task", "topic")

    def __init__(self, spec: Summarized, topic: Topic) -> None:
        self.spec = spec
        self.topic = topic
        self.groups: set[Group] = set()
        self.entry: LogEntry | None = None
        self.subject: Any = None
        self.task: asyncio.Task | None = None


class Coalescer:
    """Summarized specs (topics.Summarized): per spec key, at most one summary every
    `coalesce_seconds`, shared by every group of the key.

    The first matching entry after a quiet interval is summarized at once; entries arriving
    while it is computed and pushed, or within the interval after the push, wait until the
    interval has passed and are summarized together, as of the newest. Each summary is
    rendered per audience like any entry (`Hub.deliver`) under the newest entry's id. Per
    worker: with several workers, each summarizes for its own subscribers.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.pending: dict[tuple, _Pending] = {}

    def tasks(self) -> list[asyncio.Task]:
        return [p.task for p in self.pending.values() if p.task is not None]

    def touch(self, group: Group, entry: LogEntry, subject: Any) -> None:
        spec = cast(Summarized, group.spec)
        key = group.spec.key
        pending = self.pending.get(key)
        if pending is None:
            pending = self.pending[key] = _Pending(spec, group.spec.topic)
            pending.task = asyncio.create_task(self._run(key, pending), name="live-summary")
        pending.groups.add(group)
        pending.entry, pending.subject = entry, subject

    async def _run(self, key: tuple, pending: _Pending) -> None:
        interval = pending.spec.coalesce_seconds
        try:
            while pending.groups:
                groups, pending.groups = pending.groups, set()
                entry, subject = pending.entry, pending.subject
                live = [g for g in groups if self.hub.groups.get(g.key) is g]
                if live and entry is not None:
                    await self._summarize(pending, entry, subject, live)
                # Hold the key for an interval after the push: what comes meanwhile waits, so
                # pushes are an interval apart however long a computation takes.
                await asyncio.sleep(interval)
        finally:
            if self.pending.get(key) is pending:
                del self.pending[key]

    async def _summarize(
        self, pending: _Pending, entry: LogEntry, subject: Any, groups: list[Group]
    ) -> None:
        try:
            summary = await pending.spec.summarize(self.hub.db, entry, subject)
            SUMMARIES.labels(str(pending.spec.key[0])).inc()
            fanout = Fanout(self.hub.db, entry, pending.topic, summary, prime=False)
            await self.hub.deliver(fanout, groups)
        except Exception:
            log.exception("summarizing %s after event %s failed", pending.spec.key, entry.id)


class Subjects:
    """What the entries of one read are about, loaded per topic on first need."""

    def __init__(self, db: Database, entries: Sequence[LogEntry]) -> None:
        self.db = db
        self.entries = entries
        self.loaded: dict[str, dict[int, Any]] = {}

    async def get(self, topic: Topic, entry: LogEntry) -> Any:
        by_id = self.loaded.get(topic.name)
        if by_id is None:
            mine = [e for e in self.entries if e.topic == topic.name and e.id >= entry.id]
            by_id = self.loaded[topic.name] = await topic.load(self.db, mine)
        return by_id.get(entry.id)
