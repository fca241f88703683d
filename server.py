"""The ASGI application (`server:app`) and the command that serves it.

python server.py                 serve on 127.0.0.1:8000 (HOST/PORT or --host/--port)
python server.py --workers 4     several worker processes
python server.py migrate         apply database migrations and exit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import logging.config
import os
import secrets
import tempfile
from dataclasses import replace
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.bootstrap import migrate, prepare
from core.config import Settings
from core.context import Context
from core.db import Database, Reads, create_engine
from core.errors import language
from core.http import (
    GRAPHQL_RESPONSE,
    JSON,
    Params,
    PersistedQueries,
    RequestError,
    allowed_origins,
    bad_request,
    guard_metrics,
    json_response,
    negotiate,
    read_params,
)
from core.identity import ANONYMOUS, Viewer, bearer_token, load_viewer
from core.images import ImageDecoder
from core.logs import log_config
from core.media import media_endpoint
from core.orphans import run_forever as sweep_orphans_forever
from core.storage import LocalStorage, Storage
from resolvers.accounts import AccountByIdLoader
from resolvers.dashboards.exports import issue_export_endpoint
from resolvers.dashboards.page import ASSETS as DASHBOARD_ASSETS
from resolvers.dashboards.page import dashboard_page_endpoint
from resolvers.deputies.codes import code_image_endpoint, message_page_endpoint
from resolvers.deputies.exports import performance_export_endpoint
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.sweep import run_forever
from schema import build_schema
from schema.extensions import is_expected, log_unexpected, present
from schema.limits import query_size_error
from subscriptions.hub import Hub
from subscriptions.metrics import metrics_endpoint
from subscriptions.protocol import LiveEndpoint

log = logging.getLogger("grassroots")
STATIC = Path(__file__).resolve().parent / "static"


def graphiql_page() -> HTMLResponse:
    """Strawberry's GraphiQL page with its assets served from /graphiql/ (static/graphiql:
    pinned copies, refreshed by scripts/refresh_graphiql.py), so it works offline, under a
    Content-Security-Policy that allows this origin only, and inline only what carries this
    response's nonce: the page's own blocks, and the <style> elements GraphiQL's scripts add
    when a dialog opens (react-remove-scroll-bar; the first script hands them the nonce)."""
    nonce = secrets.token_urlsafe(18)
    shim = (
        f'<script nonce="{nonce}">(() => {{ const make = Document.prototype.createElement; '
        "Document.prototype.createElement = function (...args) { const element = "
        "make.apply(this, args); if (element instanceof HTMLStyleElement) "
        f'element.setAttribute("nonce", "{nonce}"); return element; }}; }})();</script>'
    )
    page = (STATIC / "graphiql.html").read_text()
    page = page.replace("<script>", f'<script nonce="{nonce}">')
    page = page.replace("<style>", f'<style nonce="{nonce}">')
    page = page.replace("<head>", f"<head>\n    {shim}", 1)
    csp = (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    headers = {"Content-Security-Policy": csp, "Cache-Control": "no-store"}
    return HTMLResponse(page, headers=headers)


class GraphQLApp(GraphQL):
    """GraphQL over HTTP at /graphql: the request read within limits (core.http), the
    operation run through the schema with our context, the answer in the media type the
    client accepts. Strawberry's view serves GraphiQL and the context hooks; websockets go to
    LiveEndpoint."""

    def __init__(self, settings: Settings, db: Database, storage: Storage, hub: Hub) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql",
            subscription_protocols=(),
            multipart_uploads_enabled=True,
            allowed_origins=settings.allowed_origins,
        )
        self.settings, self.db, self.storage, self.hub = settings, db, storage, hub
        self.persisted = PersistedQueries(settings.apq_cache_size)

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False)  # Chinese as itself, not \\u escapes

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        lang = language(request.headers.get("accept-language"))
        media_type = JSON  # until the client's Accept is read
        try:
            if self.wants_graphiql(request):
                response = await self.render_graphql_ide(request)
            else:
                media_type = negotiate(request.headers.get("accept"))
                response = await self.answer(request, media_type)
        except RequestError as error:
            response = error.response(lang, media_type)
        await response(scope, receive, send)

    @staticmethod
    def wants_graphiql(request: Request) -> bool:
        """A browser opening /graphql: a GET for HTML, asking nothing of GraphQL."""
        params = request.query_params
        return (
            request.method == "GET"
            and "query" not in params
            and "extensions" not in params
            and "text/html" in request.headers.get("accept", "")
        )

    async def answer(self, request: Request, media_type: str) -> Response:
        """Run the request's operation, or a batch's. Refusals before execution are
        `RequestError`s."""
        if request.method not in ("GET", "POST"):
            raise RequestError(
                405, "METHOD_NOT_ALLOWED", "http_method", headers={"Allow": "GET, POST"}
            )
        params = await read_params(request, self.settings)
        sub_response = await self.get_sub_response(request)
        if isinstance(params, list):
            return await self.answer_batch(request, params, sub_response, media_type)
        query = self.query_of(params)
        context = await self.get_context(request, sub_response)
        reads = context.reads  # returned by the operation; also if refused before it runs
        try:
            body, status = await self.execute(request, params, query, context, media_type)
        finally:
            if isinstance(reads, Reads):
                await reads.close()
        return self.respond(body, sub_response.status_code or status, sub_response, media_type)

    async def answer_batch(
        self, request: Request, batch: list[Params], sub_response: Response, media_type: str
    ) -> Response:
        """A batch (Apollo's `BatchHttpLink`): its operations run one after another, in
        order (a mutation sees what the ones before it did), each with loaders of its own
        and every limit as if sent alone; the answer is their answers in order, each what
        the operation alone would have got, refusals included (`{"errors": [...]}`, such as
        Apollo's PERSISTED_QUERY_NOT_FOUND), with 200."""
        lang = language(request.headers.get("accept-language"))
        queries: list[str | RequestError] = []
        for params in batch:  # in order: a query registered by hash serves those after it
            try:
                queries.append(self.query_of(params))
            except RequestError as error:
                queries.append(error)
        context: Context | None = None  # only when something runs
        answers: list[dict] = []
        for params, query in zip(batch, queries, strict=True):
            if isinstance(query, RequestError):
                answers.append(query.body(lang))
                continue
            if context is None:
                context = await self.get_context(request, sub_response)
            try:
                alone = replace(context, loaders={})
                body, _ = await self.execute(request, params, query, alone, media_type)
            except RequestError as error:
                body = error.body(lang)
            answers.append(body)
        if context is not None and isinstance(context.reads, Reads):
            await context.reads.close()
        return self.respond(answers, 200, sub_response, media_type)

    def query_of(self, params: Params) -> str:
        """The query text to run: within MAX_QUERY_BYTES, or the persisted query its hash
        names."""
        if params.query is not None and query_size_error(
            params.query, self.settings.max_query_bytes
        ):
            raise RequestError(
                413,
                "QUERY_TOO_LARGE",
                "http_query_too_large",
                {"max": self.settings.max_query_bytes},
            )
        query = self.persisted.resolve(params)
        if query is None:
            raise bad_request("http_no_query")
        return query

    async def execute(
        self, request: Request, params: Params, query: str, context: Context, media_type: str
    ) -> tuple[dict, int]:
        """One operation through the schema: its answer's body and HTTP status."""
        # Subscriptions pass, to meet NoSubscriptionsOverHttp's clear error in the answer.
        allowed = {OperationType.QUERY, OperationType.SUBSCRIPTION}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            result = await self.schema.execute(
                query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:  # a mutation in a GET
            raise RequestError(
                405, "METHOD_NOT_ALLOWED", "http_get_mutation", headers={"Allow": "POST"}
            ) from None
        except CannotGetOperationTypeError as error:  # no such operationName, or none given
            raise bad_request("http_operation", why=error.as_http_error_reason()) from None
        except MissingQueryError:
            raise bad_request("http_no_query") from None

        errors = result.errors or []
        # Failed before execution (parse, validation, variables): no field was resolved, so
        # no error has a path. The GraphQL-over-HTTP spec: 4xx and no `data` for clients of
        # application/graphql-response+json; application/json stays 200 with `data: null`.
        unexecuted = result.data is None and bool(errors) and all(e.path is None for e in errors)
        body: dict = {}
        status = 200
        if unexecuted and media_type == GRAPHQL_RESPONSE:
            status = 400 if all(is_expected(e) for e in errors) else 500
        else:
            body["data"] = result.data
        if errors:
            body["errors"] = [
                present(e, context.lang, self.settings.production).formatted for e in errors
            ]
        if result.extensions:
            body["extensions"] = result.extensions
        return body, status

    @staticmethod
    def respond(body: object, status: int, sub_response: Response, media_type: str) -> Response:
        response = json_response(body, status, media_type)
        response.headers.raw.extend(
            (name, value) for name, value in sub_response.headers.raw if name != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        return response

    async def get_context(self, request, response) -> Context:  # type: ignore[override]
        token = bearer_token(request.headers.get("authorization"))
        reads = Reads(self.db)  # the operation's one connection (schema OneConnection)
        viewer = await load_viewer(reads, token)
        context = Context(
            settings=self.settings,
            db=self.db,
            reads=reads,
            storage=self.storage,
            live=self.hub,
            viewer=viewer or ANONYMOUS,
            bad_token=viewer is None,
            source=request.client.host if request.client else None,
            lang=language(request.headers.get("accept-language")),
            request=request,
            response=response,
        )
        if viewer is not None and viewer.account is not None:
            # The viewer's account came with the sign-in: whatever shows it is not read again.
            AccountByIdLoader(context).prime(viewer.account.id, viewer.account)
        return context


class App(Starlette):
    """Starlette for HTTP. Websockets on /graphql go straight to the live endpoint, past the
    middleware stack: thousands of idle dashboard sockets would each hold its frames."""

    live: LiveEndpoint

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/graphql":
            await self.live(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> App:
    settings = settings or Settings.from_env()
    deadlines_from_json(settings.issue_deadlines)  # fail at start on a bad ISSUE_DEADLINES
    db = Database(create_engine(settings.database_url))
    storage = LocalStorage(settings.media_dir)

    def format_result(result, context: Context) -> dict:
        body: dict = {"data": result.data}
        if result.errors:
            log_unexpected(result.errors)
            body["errors"] = [
                present(e, context.lang, settings.production).formatted for e in result.errors
            ]
        return body

    hub = Hub(
        db,
        settings.broadcast_url,
        settings.broadcast_channel,
        format_result=format_result,
        poll_seconds=settings.live_poll_seconds,
        session_check_seconds=settings.session_check_seconds,
    )
    graphql = GraphQLApp(settings, db, storage, hub)

    def make_context(viewer: Viewer, lang: str) -> Context:
        return Context(
            settings=settings, db=db, storage=storage, live=hub, viewer=viewer, lang=lang
        )

    live = LiveEndpoint(settings, hub, graphql.schema, make_context)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await prepare(settings, db, storage)
        await hub.start()
        tasks = []
        if settings.sweep_interval_seconds > 0:
            sweep = run_forever(
                db,
                deadlines_from_json(settings.issue_deadlines),
                settings.sweep_interval_seconds,
            )
            tasks.append(asyncio.create_task(sweep))
        if settings.orphan_sweep_interval_seconds > 0:
            orphans = sweep_orphans_forever(
                db,
                storage,
                settings.orphan_sweep_interval_seconds,
                settings.orphan_grace_seconds,
            )
            tasks.append(asyncio.create_task(orphans))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await hub.stop()
            await db.engine.dispose()

    async def schema_sdl(request: Request) -> PlainTextResponse:
        return PlainTextResponse(graphql.schema.as_str() + "\n")

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks = {"database": "ok", "broker": "ok"}
        try:
            await db.ping()
        except Exception as exc:  # any failure means "not ready", with the reason
            checks["database"] = str(exc)
        if not hub.backplane.connected:
            checks["broker"] = "disconnected; reconnecting"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503
        )

    # CORS always answers: a preflight from an origin not in ALLOWED_ORIGINS is refused
    # with a reason (never a 405), and any request header a listed origin's page asks for is
    # allowed (Apollo's, tracing): tokens travel in `Authorization`, never in cookies, so
    # there are no credentials for a header to reach.
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=allowed_origins(settings),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
            allow_private_network=True,
            max_age=86400,
        )
    ]
    app = App(
        routes=[
            Route("/graphql", graphql),  # any method: GraphQLApp answers 405 in JSON itself
            Route("/metrics", guard_metrics(metrics_endpoint, settings.metrics_token)),
            Route("/schema.graphql", schema_sdl),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/media/{key}", media_endpoint(settings.secret_key, storage)),
            Route("/d/{token}", message_page_endpoint(settings, db)),
            Route("/d/{token}/qr.svg", code_image_endpoint(settings, db, "svg")),
            Route("/d/{token}/qr.png", code_image_endpoint(settings, db, "png")),
            Route("/deputies/{id:path}/performance.pdf", performance_export_endpoint(db, "pdf")),
            Route("/deputies/{id:path}/performance.csv", performance_export_endpoint(db, "csv")),
            Route("/regions/{id:path}/issues.csv", issue_export_endpoint(settings, db, "issues")),
            Route(
                "/regions/{id:path}/issue-events.csv",
                issue_export_endpoint(settings, db, "issue-events"),
            ),
            Route("/dashboard", dashboard_page_endpoint(settings.time_zone)),
            Mount("/dashboard/assets", StaticFiles(directory=DASHBOARD_ASSETS), name="dashboard"),
            Mount("/graphiql", StaticFiles(directory=STATIC / "graphiql"), name="graphiql"),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings, app.state.db, app.state.storage = settings, db, storage
    app.state.hub = hub
    # Bounds photo decoding across every request of this app (core/photos.py).
    app.state.image_decoder = ImageDecoder(
        concurrency=settings.max_concurrent_decodes, max_pixels=settings.max_photo_pixels
    )
    app.live = live
    return app


def __getattr__(name: str):
    """`server:app` is built on first use, so importing this module has no side effects."""
    if name == "app":
        globals()["app"] = create_app()
        settle_gc()
        return globals()["app"]
    raise AttributeError(name)


# Container objects allocated (net) before the garbage collector's youngest generation is
# collected; CPython's default is 700. A page of 50 issues allocates hundreds of thousands,
# nearly all freed by reference counting, so at 700 the collector runs hundreds of times per
# request and promotes what is briefly alive into older generations, which it then scans
# again. At 50,000 a county page took 10-20% less server CPU, with lower p90s
# (benchmarks/queries.py, same run, 700 against 50,000).
GC_YOUNG_THRESHOLD = 50_000


def settle_gc() -> None:
    """Once the app is built: the schema, the modules and the app are with us for good,
    frozen out of the collector's view, so a full collection scans what requests made, not
    them (on a 2-core server: pauses of about 100 ms every few dozen requests became 25 ms);
    and the youngest generation is collected less often (GC_YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def uvicorn_keepalive(settings: Settings) -> tuple[float, float]:
    """uvicorn's own keepalive (frame pings; a peer that answers none is closed with 1011,
    fatal to graphql-ws). The live endpoint stops it on every graphql-transport-ws socket
    and keeps the socket alive itself (WS_PING_INTERVAL, WS_PONG_TIMEOUT: 4413, retried);
    it stays for legacy graphql-ws sockets, whose protocol has no pong, and wherever the
    endpoint cannot reach it, with a timeout that outlasts ours (and LIVE_OUTBOX_SECONDS),
    so ours fires first wherever both run. (interval, timeout) in seconds."""
    ours = max(settings.ws_ping_interval_seconds, 0) + settings.ws_pong_timeout_seconds
    return 20.0, max(60.0, 2 * ours)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", choices=["serve", "migrate"], default="serve")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    args = parser.parse_args(argv)
    logging.config.dictConfig(log_config())  # this process; uvicorn applies it in each worker
    settings = Settings.from_env()
    if args.command == "migrate":
        asyncio.run(migrate(settings.database_url))
        return
    if args.workers > 1:
        # /metrics adds up every worker's figures through files in this folder.
        metrics_dir = Path(
            os.environ.setdefault(
                "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="grassroots-metrics-")
            )
        )
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()

        # Prepare once here, so the workers do not all migrate and seed at the same moment.
        async def once() -> None:
            db = Database(create_engine(settings.database_url))
            await prepare(settings, db, LocalStorage(settings.media_dir))
            await db.engine.dispose()

        asyncio.run(once())
    log.info("GraphiQL on http://%s:%s/graphql", args.host, args.port)
    ping_interval, ping_timeout = uvicorn_keepalive(settings)
    uvicorn.run(
        "server:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        ws="websockets-sansio",
        # Compression would keep zlib state per connection and compress the same bytes once
        # per subscriber: memory and CPU that county dashboards cannot afford.
        ws_per_message_deflate=False,
        ws_ping_interval=ping_interval,
        ws_ping_timeout=ping_timeout,
        log_config=log_config(),
        log_level="info",
    )


if __name__ == "__main__":
    main()
