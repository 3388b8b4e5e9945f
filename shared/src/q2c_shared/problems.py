"""RFC 9457 problem details for every error a service returns.

Domain code raises a `Problem` subclass with a stable `code`; the handlers installed by
`install_problem_handlers` render it, FastAPI's validation errors, malformed JSON, unknown routes,
the database errors bad input or contention can still cause, and unexpected crashes as
`application/problem+json`.
"""

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://q2c.dev/problems/"


class ValidationErrorItem(BaseModel):
    loc: list[str | int] = Field(description='Where the error is, e.g. ["body", "lines", 0].')
    msg: str = Field(description="What is wrong and how to fix it.")


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(
        description="URI naming the kind of problem: `https://q2c.dev/problems/` + the code "
        "with dashes.",
        examples=["https://q2c.dev/problems/quote-not-approved"],
    )
    title: str = Field(
        description="Short summary of the kind of problem; the same for every occurrence.",
        examples=["Quote is not approved"],
    )
    status: int = Field(description="The response's HTTP status code.", examples=[409])
    detail: str = Field(
        description="What went wrong this time and how to fix it; for people, not for parsing.",
        examples=["Quote 0190... is draft; submit and approve it first."],
    )
    code: str = Field(description="Stable machine-readable code.", examples=["quote_not_approved"])
    errors: list[ValidationErrorItem] | None = Field(
        None,
        description="Validation failures (422) only: every invalid input, where it is and what "
        "is wrong with it.",
    )


class Problem(Exception):
    """An error with an HTTP status and a stable code. Subclass per domain error."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors  # [{loc, msg}], as for validation errors
        if code:
            self.code = code
        if title:
            self.title = title
        if headers:
            self.headers = headers


class NotFound(Problem):
    status, code, title = 404, "not_found", "Not found"


class Conflict(Problem):
    """A state transition that is not allowed, or a clash with what already exists."""

    status, code, title = 409, "conflict", "Conflict"


class Unprocessable(Problem):
    status, code, title = 422, "unprocessable", "Unprocessable request"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class RequestTooLarge(Problem):
    """The request body is larger than the service accepts (`MAX_REQUEST_BODY_BYTES`)."""

    status, code, title = 413, "request_too_large", "Request too large"


class ServiceUnavailable(Problem):
    status, code, title = 503, "service_unavailable", "Service unavailable"


RETRY_AFTER_SECONDS = "1"
"""`Retry-After` of the problems a retry soon will likely get past (a lock, a conflict)."""


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def render_problem(problem: Problem, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The response of a `Problem` (with its own headers, then `headers`)."""
    if problem.headers or headers:
        headers = {**(problem.headers or {}), **(headers or {})}
    return problem_response(
        status=problem.status,
        code=problem.code,
        title=problem.title,
        detail=problem.detail,
        errors=problem.errors,
        headers=headers,
    )


_DATA_EXCEPTIONS = {
    "22000": "a value its column cannot take",  # asyncpg's own check of a parameter
    "22001": "a text longer than its column allows",
    "22003": "a number out of range",
    "22007": "an invalid date or time",
    "22008": "a date or time out of range",
    "22012": "a division by zero",
    "22021": "a character the database cannot store (NUL)",
    "22P02": "a value that is not of its type",
    "22P05": "a character the database cannot store",
}
"""Readable names of the SQLSTATE class 22 (data exception) codes bad input runs into most."""


def sqlstate_of(error: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a database error, raised through SQLAlchemy or asyncpg."""
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if state is None and error.orig is not None and error.orig.__cause__ is not None:
            return sqlstate_of(error.orig.__cause__)
        return state
    return getattr(error, "sqlstate", None)


def database_problem(error: BaseException) -> Problem | None:
    """The problem a database error is for the caller, or None when it is a fault of ours.

    Data exceptions (SQLSTATE class 22) are input the schemas let through: 422 `invalid_data`.
    Timeouts and contention are the service's load, not the request: 503, with `Retry-After`
    where a retry soon will likely succeed (a lock freed, a serialisation conflict gone)."""
    state = sqlstate_of(error)
    if state is None:
        return None
    if state.startswith("22"):
        kind = _DATA_EXCEPTIONS.get(state, f"data exception {state}")
        return Unprocessable(
            f"The database refused a value of the request: {kind} (SQLSTATE {state}). "
            "Check the values' size, range and characters.",
            code="invalid_data",
            title="Invalid data",
        )
    if state == "57014":
        return ServiceUnavailable(
            "The request took longer than the database allows for one statement; nothing was "
            "changed. Narrow the request (fewer items, a shorter period) or try again later.",
            code="statement_timeout",
            title="Statement timed out",
        )
    if state == "55P03":
        return ServiceUnavailable(
            "What the request needs is locked by another request; nothing was changed. Try again.",
            code="lock_timeout",
            title="Lock timed out",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    if state in ("40001", "40P01"):
        return ServiceUnavailable(
            "The request collided with a concurrent one; nothing was changed. Try again.",
            code="retry",
            title="Concurrent update",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    return None


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for error in exc.errors():
        message = error.get("msg", "invalid value")
        if error.get("type") == "json_invalid":
            message = f"the body is not valid JSON: {error.get('ctx', {}).get('error', message)}"
        items.append({"loc": [part for part in error.get("loc", ())], "msg": message})
    return items


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of the app as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return render_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        summary = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in errors[:3]
        )
        return problem_response(
            status=422,
            code="validation_failed",
            title="The request is not valid",
            detail=summary or "The request is not valid.",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's "There was an error parsing the body": bytes that are not JSON text at
            # all (not UTF-8, say). Malformed input is a 422 like any other.
            return problem_response(
                status=422,
                code="malformed_body",
                title="Malformed body",
                detail="The request body could not be read as JSON (UTF-8 text): send a JSON "
                f"object. ({exc.detail})",
            )
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(
            status=exc.status_code,
            code=code,
            title=titles.get(exc.status_code, "HTTP error"),
            detail=str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        problem = database_problem(exc)
        if problem is None:
            return await _crash(request, exc)
        logger.warning(
            "%s %s: %s (%s): %s",
            request.method,
            request.url.path,
            problem.code,
            sqlstate_of(exc),
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return render_problem(problem)

    # Through SQLAlchemy, and straight from the driver (COPY, `bulk_sql`).
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(asyncpg.PostgresError, _database)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            status=500,
            code="internal_error",
            title="Internal error",
            detail="Something went wrong on our side; nothing was changed. Try again.",
        )


PROBLEM_CONTENT: dict[str, Any] = {
    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
}
"""OpenAPI `content` of an error response. FastAPI files a response's `model` under the route's
own media type (application/json) only; this names the schema under the type errors are sent
as. Keep `"model": ProblemDetails` beside it: that is what puts the schema in the components."""

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "content": PROBLEM_CONTENT, "description": text}
    for status, text in {
        401: "Missing or wrong bearer key.",
        404: "Unknown id.",
        409: "Not allowed in the current state.",
        413: "The request body is over the limit (1 MiB): `request_too_large`.",
        422: "Malformed or invalid input.",
        503: "The request ran past its deadline (`request_timeout`), a statement or lock wait "
        "past the database's (`statement_timeout`, `lock_timeout`), or collided with another "
        "(`retry`): nothing was changed; try again (see `Retry-After`).",
    }.items()
}
"""OpenAPI `responses=` for routes, so partners see the problem shape."""


def problem_responses(*errors: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` naming each error a route can raise (its stable code and the first
    paragraph of its docstring), by status, after what the status means for every route (a 422
    is also any malformed input)."""
    by_status: dict[int, list[type[Problem]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, classes in sorted(by_status.items()):
        general = PROBLEM_RESPONSES.get(status, {}).get("description", "")
        named = " ".join(f"`{error.code}`: {_first_paragraph(error)}" for error in classes)
        responses[status] = {
            "model": ProblemDetails,
            "content": PROBLEM_CONTENT,
            "description": f"{general} {named}".strip(),
        }
    return responses


def _first_paragraph(error: type[Problem]) -> str:
    return " ".join((error.__doc__ or error.title).split("\n\n")[0].split())
