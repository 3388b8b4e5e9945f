"""The HTTP edge of every service: what a request goes through before the app sees it.

`create_service_app` puts `HttpEdge` between the request telemetry (outside) and Starlette's error
middleware (inside). For each HTTP request, in this order (ADR 0019):

1. `HEAD` is served as the `GET` of the same path, without the response's body.
2. A route of a protected router needs a credential: the `Authenticator` checks the headers and
   the principal goes in the scope (`scope["auth"]`); missing or wrong, a 401 answers it before
   any byte of the body is read. Which route a request goes to is decided once per request by
   one regular expression over every route (`RouteTable`); unknown paths go on to their 404.
3. The body is read here, at most `MAX_REQUEST_BODY_BYTES`: a larger `Content-Length` is a 413
   without reading, a chunked body a 413 the moment it passes the limit. The app gets the body
   replayed. A body refused (401, 413) is left to the server, which drains it to keep the
   connection (so that the client, still sending, gets to read the answer); a chunked one, or
   one declared larger than `DRAIN_FACTOR` times the limit, is not worth it: the connection is
   closed instead.
4. The app runs under the request's deadline (`REQUEST_TIMEOUT_SECONDS`), while a task watches
   the connection: when the client goes away, or the deadline passes, the app's task is
   cancelled; its transaction rolls back and asyncpg cancels the statement running on the
   server. Past the deadline the answer is a 503 `request_timeout` (if nothing was sent yet).
5. A 405 lists every method its path allows in `Allow`. An error raised after its 500 was sent
   (Starlette's error middleware re-raises it for the server to log; the crash handler has
   logged it) ends here, so that the server keeps the connection open.
"""

import asyncio
import logging
import re
from collections.abc import Iterable
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from q2c_shared.auth import PRINCIPAL_SCOPE_KEY, Authenticator
from q2c_shared.middleware import CLIENT_GONE_SCOPE_KEY
from q2c_shared.problems import Problem, RequestTooLarge, ServiceUnavailable, render_problem

logger = logging.getLogger(__name__)

DRAIN_FACTOR = 16
"""A refused body declared up to this many times the limit is drained, not cut off."""

_CAPTURING_GROUP = re.compile(r"(?<!\\)\((?!\?)|\(\?P<\w+>")
"""An opening parenthesis of a capturing group (named or not) in a route's path regex."""


class MethodNotAllowed(Problem):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


ROUTE_TIMEOUT_KEY = "x-request-timeout-seconds"
DOCUMENT_DEADLINE_SECONDS = 120.0
"""The deadline of a PDF document's route: a 1,000-line quote takes WeasyPrint ~40 s here."""


def longer_deadline(seconds: float) -> dict[str, Any]:
    """`openapi_extra` of a route that may take longer than `REQUEST_TIMEOUT_SECONDS` (a large
    document to render): its own deadline, shown in the OpenAPI document."""
    return {ROUTE_TIMEOUT_KEY: seconds}


def _route_timeout(route: Any) -> float | None:
    extra = getattr(route, "openapi_extra", None) or {}
    seconds = extra.get(ROUTE_TIMEOUT_KEY)
    return float(seconds) if seconds is not None else None


class RouteTable:
    """The app's routes as the edge needs them: whether the route a request goes to is
    protected, and which methods a path allows."""

    def __init__(
        self,
        routes: list[tuple[re.Pattern[str], frozenset[str], bool, Any]],
        *,
        shadowed: dict[str, frozenset[str]] | None = None,
    ) -> None:
        """`routes`: (path regex, methods, protected, route) in the order the router tries them;
        the route as Starlette puts it in the scope (for the telemetry's route label).
        `shadowed`: literal paths that a template also matches, with the methods they serve."""
        self._routes = routes
        self._shadowed = shadowed or {}
        self._targets = [(protected, route) for _, _, protected, route in routes]
        # One alternative "(METHODS) PATH" per route, in routing order, each the only capturing
        # group of its own: the first full match (method and path) is the route the router
        # takes, and `lastindex` says which one it is.
        alternatives = [
            "((?:{}) {})".format(
                "|".join(re.escape(method) for method in sorted(methods)),
                _CAPTURING_GROUP.sub("(?:", path.pattern.removeprefix("^").removesuffix("$")),
            )
            for path, methods, _, _ in routes
        ]
        self._matcher = re.compile("|".join(alternatives)) if alternatives else None
        if self._matcher is not None and self._matcher.groups != len(routes):
            raise ValueError("a route's path regex has groups the edge cannot rewrite")

    @classmethod
    def of(cls, routes: Iterable[BaseRoute], *, protected: set[int]) -> "RouteTable":
        """The table of an app's `routes`; `protected`: the ids of the protected routes (as
        their routers hold them)."""
        table = []
        literal: dict[str, set[str]] = {}
        for route in iter_route_contexts(list(routes)):
            path = getattr(route, "path_regex", None)
            methods = route.methods
            if path is None or not methods:
                continue  # mounts, websockets: nothing the edge decides for
            original = route.original_route
            table.append((path, frozenset(methods), id(original) in protected, original))
            if "{" not in route.path:
                literal.setdefault(route.path, set()).update(methods)
        # A literal path a template matches too (`/v1/invoices/preview`, `/v1/invoices/{id}`):
        # the router would hand a method the literal path does not serve to the template's
        # route (a GET of the invoice "preview", 422); the literal path is what was meant, 405.
        shadowed = {
            path: frozenset(methods | ({"HEAD"} if "GET" in methods else set()))
            for path, methods in literal.items()
            if any(
                regex.match(path) and "{" in getattr(route, "path", "")
                for regex, _, _, route in table
            )
        }
        return cls(table, shadowed=shadowed)

    def refused_method(self, method: str, route_path: str) -> list[str] | None:
        """The methods to list in a 405 when `route_path` is a shadowed literal path that does
        not serve `method` (None otherwise: the router decides)."""
        allowed = self._shadowed.get(route_path)
        if allowed is None or method in allowed:
            return None
        return sorted(allowed)

    def target(self, method: str, route_path: str) -> tuple[bool, Any]:
        """Whether the route `method route_path` goes to needs a credential, and the route.
        (False, None) when no route takes it: it is answered 404 or 405 without a key."""
        if self._matcher is None:
            return False, None
        match = self._matcher.fullmatch(f"{method} {route_path}")
        if match is None:
            return False, None
        return self._targets[match.lastindex - 1]  # type: ignore[operator]

    def allowed_methods(self, route_path: str) -> list[str]:
        """Every method the routes of `route_path`'s most literal template serve (HEAD
        wherever GET is): `/v1/invoices/preview` allows POST, as documented, though the
        template `/v1/invoices/{invoice_id}` matches it too."""
        by_parameters: dict[int, set[str]] = {}
        for path, route_methods, _, route in self._routes:
            if path.match(route_path):
                parameters = getattr(route, "path", "").count("{")
                by_parameters.setdefault(parameters, set()).update(route_methods)
        methods = by_parameters[min(by_parameters)] if by_parameters else set()
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)


class _Exchange:
    """One request at the edge: the scope the app sees, and what has been sent so far."""

    __slots__ = (
        "scope",
        "app_scope",
        "headers",
        "routes",
        "head",
        "route",
        "_send",
        "_body",
        "_disconnected",
        "response_started",
        "response_complete",
        "cancelled_for",
        "uncancelled",
        "finished",
        "timeout_seconds",
    )

    def __init__(self, scope: Scope, send: Send, routes: RouteTable) -> None:
        self.scope = scope
        self.head = scope["method"] == "HEAD"
        # HEAD: the app serves a GET; the server (which sees HEAD) leaves the body out, and so
        # does `send` here for servers and clients that do not.
        self.app_scope = {**scope, "method": "GET"} if self.head else scope
        self.headers = Headers(scope=scope)
        self.routes = routes
        self.route: Any = None
        self._send = send
        self._body: bytes | None = None
        self._disconnected: asyncio.Event | None = None
        self.response_started = False
        self.response_complete = False
        self.cancelled_for: str | None = None
        self.uncancelled = False
        self.finished = False

    def declared_length(self) -> int | None:
        declared = self.headers.get("content-length")
        return int(declared) if declared is not None and declared.isdigit() else None

    def not_worth_draining(self, max_body_bytes: int) -> bool:
        """Whether the unread body of a refused request should end the connection."""
        declared = self.declared_length()
        if declared is None:
            return "transfer-encoding" in self.headers  # chunked: of any length
        return declared > DRAIN_FACTOR * max_body_bytes

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.response_started = True
            if message["status"] == 405:
                message = self._listing_allowed_methods(message)
        elif kind == "http.response.body":
            if not message.get("more_body", False):
                self.response_complete = True
            if self.head and message.get("body"):
                message = {**message, "body": b""}
        await self._send(message)

    def _listing_allowed_methods(self, message: Message) -> Message:
        allowed = ", ".join(self.routes.allowed_methods(get_route_path(self.app_scope)))
        headers = [(name, value) for name, value in message.get("headers", []) if name != b"allow"]
        return {**message, "headers": [*headers, (b"allow", allowed.encode())]}

    async def refuse(self, problem: Problem, *, close: bool) -> None:
        """Answer with `problem`; `close`: the server closes the connection after it (the body
        was not read)."""
        if self.route is not None and "route" not in self.scope:
            self.scope["route"] = self.route  # for the telemetry: the router never ran
        response = render_problem(problem, headers={"Connection": "close"} if close else None)
        await response(self.app_scope, _nothing_to_receive, self.send)

    def replay(self, body: bytes) -> Receive:
        self._body = body
        return self.receive

    async def receive(self) -> Message:
        """The body read at the edge, then (as a server does) `http.disconnect` once the client
        has gone away or the response is complete."""
        if self._body is not None:
            message = {"type": "http.request", "body": self._body, "more_body": False}
            self._body = None
            return message
        if self._disconnected is None:
            self._disconnected = asyncio.Event()
        await self._disconnected.wait()
        return {"type": "http.disconnect"}

    async def watch(self, receive: Receive, task: asyncio.Task[Any]) -> None:
        """Wait for the client to go away (the body has been read: the server has nothing else
        to tell), then cancel the request's task unless it is done."""
        while (await receive())["type"] != "http.disconnect":
            pass
        if self._disconnected is not None:
            self._disconnected.set()
        self.cancel(task, "client_gone")

    def cancel(self, task: asyncio.Task[Any], reason: str) -> None:
        if self.finished or self.response_complete or self.cancelled_for is not None:
            return
        self.cancelled_for = reason
        task.cancel(f"request cancelled at the edge: {reason}")

    def client_gone(self) -> None:
        self.scope[CLIENT_GONE_SCOPE_KEY] = True

    def hand_back_route(self) -> None:
        """Give the request telemetry (which reads the server's scope) the route of a HEAD."""
        if self.head and "route" in self.app_scope:
            self.scope["route"] = self.app_scope["route"]


class HttpEdge:
    """Pure ASGI middleware; see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: RouteTable,
        authenticator: Authenticator,
        max_body_bytes: int,
        timeout_seconds: float,
    ) -> None:
        self.app = app
        self.routes = routes
        self.authenticator = authenticator
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        exchange = _Exchange(scope, send, self.routes)
        exchange.timeout_seconds = self.timeout_seconds
        deadline = asyncio.get_running_loop().call_later(
            self.timeout_seconds, exchange.cancel, task, "deadline"
        )
        watcher: asyncio.Task[None] | None = None
        try:
            if not await self._authenticate(exchange):
                return
            longer = _route_timeout(exchange.route)
            if longer is not None and longer > self.timeout_seconds:
                deadline.cancel()
                exchange.timeout_seconds = longer
                deadline = asyncio.get_running_loop().call_later(
                    longer, exchange.cancel, task, "deadline"
                )
            body = await self._read_body(exchange, receive)
            if body is None:
                return
            watcher = asyncio.create_task(exchange.watch(receive, task))
            await self.app(exchange.app_scope, exchange.replay(body), exchange.send)
        except asyncio.CancelledError:
            if exchange.cancelled_for is None:
                raise
            exchange.uncancelled = True
            if task.uncancel() > 0:  # cancelled from elsewhere too (the server stopping)
                raise
            await self._answer_cancelled(exchange)
        except Exception:
            if not exchange.response_complete:
                raise
            # The error of a 500 already sent and logged (see the module's docstring).
        finally:
            exchange.finished = True
            deadline.cancel()
            if watcher is not None:
                watcher.cancel()
            if exchange.cancelled_for is not None and not exchange.uncancelled:
                task.uncancel()  # the app swallowed the cancellation: balance it all the same
            exchange.hand_back_route()

    async def _authenticate(self, exchange: _Exchange) -> bool:
        scope = exchange.app_scope
        allowed = self.routes.refused_method(scope["method"], get_route_path(scope))
        if allowed is not None:
            await exchange.refuse(
                MethodNotAllowed(
                    f"{scope['method']} is not allowed on {scope['path']}; use "
                    f"{', '.join(allowed)}.",
                    headers={"Allow": ", ".join(allowed)},
                ),
                close=exchange.not_worth_draining(self.max_body_bytes),
            )
            return False
        protected, exchange.route = self.routes.target(scope["method"], get_route_path(scope))
        if not protected:
            return True
        try:
            scope[PRINCIPAL_SCOPE_KEY] = await self.authenticator.authenticate(exchange.headers)
        except Problem as problem:
            await exchange.refuse(problem, close=exchange.not_worth_draining(self.max_body_bytes))
            return False
        return True

    async def _read_body(self, exchange: _Exchange, receive: Receive) -> bytes | None:
        """The whole body, or None when it was refused (413) or the client went away."""
        declared = exchange.declared_length()
        if declared is not None and declared > self.max_body_bytes:
            await exchange.refuse(
                self._too_large(), close=exchange.not_worth_draining(self.max_body_bytes)
            )
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                exchange.client_gone()
                return None
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.max_body_bytes:
                    await exchange.refuse(self._too_large(), close=True)
                    return None
                chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self) -> RequestTooLarge:
        return RequestTooLarge(
            f"The request body is larger than the {self.max_body_bytes} bytes this service "
            "accepts; nothing was read or changed. Send less (e.g. split the request)."
        )

    async def _answer_cancelled(self, exchange: _Exchange) -> None:
        if exchange.cancelled_for == "client_gone":
            logger.info(
                "%s %s: the client went away; its work was cancelled and rolled back",
                exchange.scope["method"],
                exchange.scope["path"],
            )
            exchange.client_gone()
            return
        logger.warning(
            "%s %s: past the request deadline of %g s; its work was cancelled and rolled back",
            exchange.scope["method"],
            exchange.scope["path"],
            exchange.timeout_seconds,
        )
        if not exchange.response_started:
            await exchange.refuse(
                ServiceUnavailable(
                    f"The request took longer than the {exchange.timeout_seconds:g} s this service "
                    "allows; its work was stopped and rolled back. Narrow the request or try "
                    "again later (with the same Idempotency-Key).",
                    code="request_timeout",
                    title="Request timed out",
                ),
                close=False,
            )


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}
