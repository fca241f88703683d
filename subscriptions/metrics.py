"""Prometheus metrics of the live layer, served at /metrics.

With several workers, set PROMETHEUS_MULTIPROC_DIR (`python server.py --workers N` does) and
/metrics adds up every worker's figures.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

CONNECTIONS = Gauge(
    "grassroots_ws_connections", "Open websocket connections.", multiprocess_mode="livesum"
)
SUBSCRIPTIONS = Gauge(
    "grassroots_subscriptions", "Active subscriptions.", multiprocess_mode="livesum"
)
GROUPS = Gauge(
    "grassroots_subscription_groups",
    "Groups of identical subscriptions, each executed once per event.",
    multiprocess_mode="livesum",
)
PUBLISHED = Counter("grassroots_events_published", "Committed events announced on the broker.")
PUBLISH_FAILURES = Counter(
    "grassroots_events_publish_failures",
    "Announcements the broker did not take (subscribers still get them from the log).",
)
EVENTS_READ = Counter("grassroots_events_read", "Events this process read from the log.")
DELIVERED = Counter(
    "grassroots_messages_delivered", "Subscription messages handed to client connections."
)
SLOW_CLIENTS = Counter(
    "grassroots_slow_clients_dropped", "Connections closed because they stopped reading."
)
SUMMARIES = Counter(
    "grassroots_live_summaries",
    "States recomputed for summarized subscriptions (dashboards), once per key and interval "
    "however many subscribers share it.",
    ["field"],
)
BROKER_RECONNECTS = Counter(
    "grassroots_broker_reconnects", "Times the broker connection was lost and regained."
)


async def metrics_endpoint(request: Request) -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
