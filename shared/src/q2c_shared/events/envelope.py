"""The CloudEvents 1.0 envelope (structured mode, JSON) every q2c event travels in."""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from q2c_shared.ids import new_id


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode event. `data` holds one of the contracts' models."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Unique per event; consumers deduplicate on it.")
    source: str = Field(examples=["/q2c/quote-svc"])
    type: str = Field(examples=["QuoteAccepted"])
    time: datetime
    subject: str | None = Field(None, description="The id of the entity the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]

    @classmethod
    def new(
        cls, *, source: str, type: str, subject: str | None, data: dict[str, Any]
    ) -> "CloudEvent":
        return cls(
            id=str(new_id()),
            source=source,
            type=type,
            time=datetime.now(UTC),
            subject=subject,
            data=data,
        )
