"""`Idempotency-Key` on POSTs that create something, stored in PostgreSQL.

The key row is inserted in the request's own transaction, before the work, and the response is
saved into it at the end of that same transaction. A retry with the same key and body gets the
first response back and creates nothing; a concurrent retry waits on the key's primary key until
the first request commits. The same key with another body or path is a 409. A request that
failed (4xx/5xx) rolled its key back with everything else, so it can be retried.
"""

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Index, Integer, String, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from q2c_shared.problems import Conflict, Unprocessable

REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        Index("ix_idempotency_keys_created_brin", "created_at", postgresql_using="brin"),
    )

    key: str = Field(sa_column=Column(String(255), primary_key=True))
    request_fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    response_status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    response_body: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


@dataclass(frozen=True)
class IdempotentRequest:
    key: str | None
    fingerprint: str

    async def respond(
        self,
        session: AsyncSession,
        create: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int = 201,
    ) -> JSONResponse:
        """Run `create` once per key and answer with its result, or replay the stored answer."""
        if self.key is None:
            return JSONResponse((await create()).model_dump(mode="json"), status_code=status_code)
        table = IdempotencyKey.__table__
        claimed = (
            await session.execute(
                insert(table)
                .values(key=self.key, request_fingerprint=self.fingerprint)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(table.c.key)
            )
        ).first()
        if claimed is None:
            return await self._replay(session)
        body = (await create()).model_dump(mode="json")
        await session.execute(
            update(table)
            .where(table.c.key == self.key)
            .values(response_status=status_code, response_body=body)
        )
        return JSONResponse(body, status_code=status_code)

    async def _replay(self, session: AsyncSession) -> JSONResponse:
        stored = (
            await session.execute(select(IdempotencyKey).where(IdempotencyKey.key == self.key))
        ).scalar_one()
        if stored.request_fingerprint != self.fingerprint:
            raise Conflict(
                f"Idempotency-Key {self.key!r} was already used for a different request; "
                "use a new key for a new request.",
                code="idempotency_key_reused",
            )
        return JSONResponse(
            stored.response_body,
            status_code=stored.response_status or 200,
            headers={REPLAY_HEADER: "true"},
        )


async def idempotent_request(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Unique per intended create; a retry with the same key and body returns "
            "the first response and creates nothing new.",
            examples=["7c8e0f5e-2f7b-4a59-9d1c-5a0b1c2d3e4f"],
        ),
    ] = None,
) -> IdempotentRequest:
    if idempotency_key is None:
        return IdempotentRequest(key=None, fingerprint="")
    if not 1 <= len(idempotency_key) <= 255 or _CONTROL_CHARACTER.search(idempotency_key):
        raise Unprocessable(
            "Idempotency-Key must be 1 to 255 characters, none of them a control character.",
            code="invalid_idempotency_key",
        )
    return IdempotentRequest(
        key=idempotency_key, fingerprint=_fingerprint(request, await request.body())
    )


_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")


def _fingerprint(request: Request, body: bytes) -> str:
    """Hash of method, path and the body's JSON in canonical form (key order and white space
    do not make two identical requests different); of the bytes as they are when they are not
    JSON, or JSON nested too deep to parse."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


IdempotencyDep = Annotated[IdempotentRequest, Depends(idempotent_request)]
