"""Bearer API-key authentication for every protected `/v1` endpoint (`Q2C_API_KEYS`).

The check runs at the HTTP edge (`q2c_shared.edge`), before the request body is read: the edge
asks the app's `Authenticator` for the request's `Principal` and puts it in the ASGI scope
(`scope["auth"]`, Starlette's `request.auth`). The routes' `require_api_key` dependency only
hands that principal on (and gives the OpenAPI its bearer scheme); it authenticates by itself
only when no edge did, for a router used outside `create_service_app`.

Another kind of credential (OIDC tokens, issue 13) is another `Authenticator`: the edge and the
routes do not change.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from q2c_shared.problems import Unauthorized

PRINCIPAL_SCOPE_KEY = "auth"
"""Where the edge puts the request's `Principal` in the ASGI scope (`request.auth`)."""

_bearer = HTTPBearer(auto_error=False, description="A key from `Q2C_API_KEYS`.")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sent the request, as authenticated at the edge."""

    actor: str
    """Stable and safe to log: for an API key, a digest of it, never the key."""
    actor_kind: Literal["user", "api_key", "system"]


class Authenticator(Protocol):
    async def authenticate(self, headers: Headers) -> Principal:
        """The principal the request's credentials name; raises `Unauthorized` (401)."""
        ...


class ApiKeyAuthenticator:
    """Accepts `Authorization: Bearer <key>` with any of the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = [
            (
                key.encode(),
                Principal(
                    actor="api_key:" + hashlib.sha256(key.encode()).hexdigest()[:12],
                    actor_kind="api_key",
                ),
            )
            for key in keys
        ]

    async def authenticate(self, headers: Headers) -> Principal:
        # As fastapi.security.HTTPBearer parses it, so that the edge and the OpenAPI agree.
        scheme, _, credentials = (headers.get("authorization") or "").partition(" ")
        credentials = credentials.strip()
        if not scheme or not credentials or scheme.lower() != "bearer":
            raise Unauthorized(
                "Send `Authorization: Bearer <key>` with a key from Q2C_API_KEYS.",
                code="missing_api_key",
            )
        principal = self._match(credentials.encode())
        if principal is None:
            raise Unauthorized("The bearer key is not accepted.", code="invalid_api_key")
        return principal

    def _match(self, candidate: bytes) -> Principal | None:
        # Compare against every key, without stopping early, so timing says nothing about which
        # key (or how much of one) matched.
        matched = None
        for key, principal in self._keys:
            if hmac.compare_digest(candidate, key):
                matched = principal
        return matched


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The request's principal (the edge authenticated it before the body was read)."""
    del credentials  # declared for the OpenAPI's security scheme; the edge read the header
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if isinstance(principal, Principal):
        return principal
    state = request.app.state
    authenticator: Authenticator | None = getattr(state, "authenticator", None)
    if authenticator is None:
        authenticator = ApiKeyAuthenticator(state.settings.q2c_api_keys)
    return await authenticator.authenticate(request.headers)
