"""Types the schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _as_utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every time we store is UTC, so say so in the answer.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class StrictInput(BaseModel):
    """Base of request bodies: a value must have the JSON type its field says, so `true` is not
    1, `"5"` is not 5 and 1.5 is not an integer (a whole number is still a float).

    Enum fields say `Field(strict=False)`: strict pydantic wants Enum instances, and JSON brings
    their string values. Query, path and form parameters are not models and still convert text.
    """

    model_config = ConfigDict(strict=True)
