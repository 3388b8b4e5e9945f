"""Bearer API-key authentication for every `/v1` endpoint (`Q2C_API_KEYS`)."""

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from q2c_shared.problems import Unauthorized

_bearer = HTTPBearer(auto_error=False, description="A key from `Q2C_API_KEYS`.")


def _matches_any(candidate: str, accepted: list[str]) -> bool:
    # Compare against every key, without stopping early, so timing says nothing about which
    # key (or how much of one) matched.
    matched = False
    for key in accepted:
        matched |= hmac.compare_digest(candidate.encode(), key.encode())
    return matched


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    accepted: list[str] = request.app.state.settings.q2c_api_keys
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Send `Authorization: Bearer <key>` with a key from Q2C_API_KEYS.",
            code="missing_api_key",
        )
    if not accepted or not _matches_any(credentials.credentials, accepted):
        raise Unauthorized("The bearer key is not accepted.", code="invalid_api_key")
