"""Settings, read once from the environment (see the configuration table in README.md)."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "data"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str
    broadcast_url: str = "memory://"
    demo_data: bool = False
    auto_migrate: bool = True
    media_dir: Path = DEFAULT_DATA_DIR / "media"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    allowed_origins: tuple[str, ...] = ()
    public_base_url: str | None = None  # e.g. https://api.example.gov.cn; else per request
    production: bool = False
    token_ttl_hours: float = 24 * 30
    max_upload_bytes: int = 10 * 1024 * 1024
    max_photos: int = 9
    max_query_depth: int = 12
    max_query_tokens: int = 3000
    max_aliases: int = 20
    # The HTTP edge (core/http.py, schema/limits.py): see the limits table in README.md.
    max_query_cost: int = 1000  # fields, once fragments are expanded
    max_query_overlap: int = 200_000  # same-named field pairs to compare (schema/limits.py)
    max_query_bytes: int = 64 * 1024  # query text, over HTTP and the websocket
    max_body_bytes: int = 1024 * 1024  # a JSON or GET request; multipart: see below
    query_cache_entries: int = 512  # parsed and validated documents kept
    query_cache_bytes: int = 32 * 1024 * 1024  # their estimated memory
    apq_cache_size: int = 500  # automatic persisted queries kept, per worker
    max_batch_operations: int = 10  # operations in one batched HTTP request (0: no batches)
    max_search_length: int = 100  # characters of a `search` argument
    metrics_token: str | None = field(default=None, repr=False)  # else /metrics: loopback only
    reports_per_hour: int = 20
    # The village feed (resolvers/posts): see the limits table in README.md.
    post_max_length: int = 5000  # characters of a post's body
    max_post_photos: int = 9  # photos of one post
    comment_max_length: int = 500  # characters of a comment
    posts_per_hour: int = 20  # per account (the village's officials are not limited)
    comments_per_minute: int = 5  # per account
    # Decision meetings (resolvers/discussions): see the limits table in README.md.
    meeting_agenda_max_items: int = 30  # items of a meeting's agenda
    meeting_minutes_max_length: int = 20_000  # characters of a meeting's minutes
    deputy_messages_per_hour: int = 10  # per source (client address), through QR codes
    deputy_message_max_chars: int = 2000
    login_failures_per_hour: int = 10  # per phone and source (client address)
    login_source_failures_per_hour: int = 100  # per source, whatever the phone
    login_checks_per_minute: int = 120  # password hash checks, all sources together
    sweep_interval_seconds: float = 60.0
    issue_deadlines: str = "{}"  # JSON, see resolvers/issues/deadlines.py
    legacy_graphql_ws: bool = False
    photo_url_ttl_seconds: int = 3600
    broadcast_channel: str = "grassroots.issue-events"
    live_poll_seconds: float = 2.0
    live_outbox_messages: int = 1000
    live_outbox_bytes: int = 4 * 1024 * 1024
    connection_init_timeout_seconds: float = 10.0
    max_subscriptions_per_connection: int = 100
    # The websocket edge (subscriptions/protocol.py), counted per worker process.
    live_outbox_seconds: float = 10.0  # oldest unsent message's age before 4413
    # graphql-transport-ws keepalive: a `ping` an interval after the last answer; no message
    # back within the timeout closes the socket with 4413 (0: off; uvicorn's own then stays).
    ws_ping_interval_seconds: float = 20.0
    ws_pong_timeout_seconds: float = 20.0
    max_sockets_per_account: int = 50
    max_sockets_per_source: int = 200  # client address (IPv6 by /64)
    max_anonymous_sockets_per_source: int = 20
    max_subscriptions_per_account: int = 500  # over all the account's sockets
    max_documents_per_account: int = 20  # distinct subscription documents, once printed
    session_check_seconds: float = 30.0
    max_photo_pixels: int = 50_000_000
    max_concurrent_decodes: int = 2
    common_demand_days: int = 30  # default `since` of commonDemands
    common_demand_max_issues: int = 2000  # open issues compared per request, newest first
    common_demand_min_size: int = 2  # issues in a group
    common_demand_similarity: float = 0.25  # Dice coefficient of the wording's tokens
    common_demand_distance_m: float = 2000.0  # located issues this close are neighbours
    max_merge_issues: int = 100  # issues in one mergeIssues
    orphan_sweep_interval_seconds: float = 3600.0
    orphan_grace_seconds: float = 3600.0
    # County dashboards (resolvers/dashboards): see "Dashboards" and the limits table.
    time_zone: str = "Asia/Shanghai"  # the dashboards' days (trend) are this zone's days
    dashboard_default_days: int = 30  # `from` when not given: this many days before `to`
    dashboard_max_days: int = 400  # the longest period a dashboard covers
    dashboard_live_seconds: float = 1.0  # dashboardUpdated: at most a push per region this often
    # Issue exports (resolvers/dashboards/exports.py): see the limits table in README.md.
    export_max_days: int = 366  # the longest period one export covers
    export_link_ttl_seconds: int = 300  # a signed download link's lifetime
    export_batch_rows: int = 1000  # issues read and sent per batch

    @property
    def max_multipart_bytes(self) -> int:
        """A multipart upload: every photo at its largest, and a JSON body's worth beside."""
        return self.max_photos * self.max_upload_bytes + self.max_body_bytes

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DATA_DIR") or DEFAULT_DATA_DIR)
        default_db = f"sqlite+aiosqlite:///{data_dir / 'grassroots.db'}"
        database_url = _normalise_db_url(env.get("DATABASE_URL") or default_db)
        embedded = "DATABASE_URL" not in env or not env["DATABASE_URL"]
        secret = env.get("SECRET_KEY")
        production = _bool(env.get("PRODUCTION"), False)
        if production and not secret:
            raise RuntimeError("SECRET_KEY must be set when PRODUCTION=1")
        if not secret:
            # A stable key per data folder, so tokens and photo links survive restarts.
            secret = _local_secret(data_dir)
        return cls(
            database_url=database_url,
            broadcast_url=env.get("BROADCAST_URL") or "memory://",
            demo_data=_bool(env.get("DEMO_DATA"), embedded),
            auto_migrate=_bool(env.get("AUTO_MIGRATE"), True),
            media_dir=Path(env.get("MEDIA_DIR") or data_dir / "media"),
            secret_key=secret,
            allowed_origins=_list(env.get("ALLOWED_ORIGINS")),
            public_base_url=_base_url(env.get("PUBLIC_BASE_URL")),
            production=production,
            token_ttl_hours=float(env.get("TOKEN_TTL_HOURS") or 24 * 30),
            max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES") or 10 * 1024 * 1024),
            max_photos=int(env.get("MAX_PHOTOS") or 9),
            max_query_depth=int(env.get("MAX_QUERY_DEPTH") or 12),
            max_query_tokens=int(env.get("MAX_QUERY_TOKENS") or 3000),
            max_aliases=int(env.get("MAX_ALIASES") or 20),
            max_query_cost=int(env.get("MAX_QUERY_COST") or 1000),
            max_query_overlap=int(env.get("MAX_QUERY_OVERLAP") or 200_000),
            max_query_bytes=int(env.get("MAX_QUERY_BYTES") or 64 * 1024),
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or 1024 * 1024),
            query_cache_entries=int(env.get("QUERY_CACHE_ENTRIES") or 512),
            query_cache_bytes=int(env.get("QUERY_CACHE_BYTES") or 32 * 1024 * 1024),
            apq_cache_size=int(env.get("APQ_CACHE_SIZE") or 500),
            max_batch_operations=int(env.get("MAX_BATCH_OPERATIONS") or 10),
            max_search_length=int(env.get("MAX_SEARCH_LENGTH") or 100),
            metrics_token=env.get("METRICS_TOKEN") or None,
            reports_per_hour=int(env.get("REPORTS_PER_HOUR") or 20),
            post_max_length=int(env.get("POST_MAX_LENGTH") or 5000),
            max_post_photos=int(env.get("MAX_POST_PHOTOS") or 9),
            comment_max_length=int(env.get("COMMENT_MAX_LENGTH") or 500),
            posts_per_hour=int(env.get("POSTS_PER_HOUR") or 20),
            comments_per_minute=int(env.get("COMMENTS_PER_MINUTE") or 5),
            meeting_agenda_max_items=int(env.get("MEETING_AGENDA_MAX_ITEMS") or 30),
            meeting_minutes_max_length=int(env.get("MEETING_MINUTES_MAX_LENGTH") or 20_000),
            deputy_messages_per_hour=int(env.get("DEPUTY_MESSAGES_PER_HOUR") or 10),
            deputy_message_max_chars=int(env.get("DEPUTY_MESSAGE_MAX_CHARS") or 2000),
            login_failures_per_hour=int(env.get("LOGIN_FAILURES_PER_HOUR") or 10),
            login_source_failures_per_hour=int(env.get("LOGIN_SOURCE_FAILURES_PER_HOUR") or 100),
            login_checks_per_minute=int(env.get("LOGIN_CHECKS_PER_MINUTE") or 120),
            sweep_interval_seconds=float(env.get("SWEEP_INTERVAL") or 60),
            issue_deadlines=env.get("ISSUE_DEADLINES") or "{}",
            legacy_graphql_ws=_bool(env.get("LEGACY_GRAPHQL_WS"), False),
            broadcast_channel=env.get("BROADCAST_CHANNEL") or "grassroots.issue-events",
            live_poll_seconds=float(env.get("LIVE_POLL_SECONDS") or 2),
            live_outbox_messages=int(env.get("LIVE_OUTBOX_MESSAGES") or 1000),
            live_outbox_bytes=int(env.get("LIVE_OUTBOX_BYTES") or 4 * 1024 * 1024),
            connection_init_timeout_seconds=float(env.get("CONNECTION_INIT_TIMEOUT") or 10),
            max_subscriptions_per_connection=int(env.get("MAX_SUBSCRIPTIONS") or 100),
            live_outbox_seconds=float(env.get("LIVE_OUTBOX_SECONDS") or 10),
            ws_ping_interval_seconds=float(env.get("WS_PING_INTERVAL") or 20),
            ws_pong_timeout_seconds=float(env.get("WS_PONG_TIMEOUT") or 20),
            max_sockets_per_account=int(env.get("MAX_SOCKETS_PER_ACCOUNT") or 50),
            max_sockets_per_source=int(env.get("MAX_SOCKETS_PER_SOURCE") or 200),
            max_anonymous_sockets_per_source=int(env.get("MAX_ANONYMOUS_SOCKETS_PER_SOURCE") or 20),
            max_subscriptions_per_account=int(env.get("MAX_SUBSCRIPTIONS_PER_ACCOUNT") or 500),
            max_documents_per_account=int(env.get("MAX_DOCUMENTS_PER_ACCOUNT") or 20),
            session_check_seconds=float(env.get("SESSION_CHECK_SECONDS") or 30),
            max_photo_pixels=int(env.get("MAX_PHOTO_PIXELS") or 50_000_000),
            max_concurrent_decodes=int(env.get("MAX_CONCURRENT_DECODES") or 2),
            common_demand_days=int(env.get("COMMON_DEMAND_DAYS") or 30),
            common_demand_max_issues=int(env.get("COMMON_DEMAND_MAX_ISSUES") or 2000),
            common_demand_min_size=int(env.get("COMMON_DEMAND_MIN_SIZE") or 2),
            common_demand_similarity=float(env.get("COMMON_DEMAND_SIMILARITY") or 0.25),
            common_demand_distance_m=float(env.get("COMMON_DEMAND_DISTANCE_M") or 2000),
            max_merge_issues=int(env.get("MAX_MERGE_ISSUES") or 100),
            orphan_sweep_interval_seconds=float(env.get("ORPHAN_SWEEP_INTERVAL") or 3600),
            orphan_grace_seconds=float(env.get("ORPHAN_GRACE") or 3600),
            time_zone=_time_zone(env.get("TIME_ZONE") or "Asia/Shanghai"),
            dashboard_default_days=int(env.get("DASHBOARD_DEFAULT_DAYS") or 30),
            dashboard_max_days=int(env.get("DASHBOARD_MAX_DAYS") or 400),
            export_max_days=int(env.get("EXPORT_MAX_DAYS") or 366),
            export_link_ttl_seconds=int(env.get("EXPORT_LINK_TTL") or 300),
            export_batch_rows=int(env.get("EXPORT_BATCH_ROWS") or 1000),
            dashboard_live_seconds=float(env.get("DASHBOARD_LIVE_SECONDS") or 1),
        )


def _time_zone(name: str) -> str:
    """TIME_ZONE: an IANA zone name (Asia/Shanghai), checked at start."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"TIME_ZONE must be an IANA time zone, not {name!r}") from exc
    return name


def _base_url(value: str | None) -> str | None:
    """PUBLIC_BASE_URL: where clients reach this API (`https://host[:port][/path]`)."""
    url = (value or "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", url):
        raise RuntimeError(f"PUBLIC_BASE_URL must be http(s)://host[/path], not {value!r}")
    return url or None


def _normalise_db_url(url: str) -> str:
    """Accept the plain URLs operators type and pick the async driver."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
