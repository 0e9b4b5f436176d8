"""Types the schemas share."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _as_utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every time we store is UTC, so say so in the answer.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


# PostgreSQL refuses NUL in text and neither database takes a lone surrogate ("\\ud800" in JSON),
# so without these checks the same request is stored on SQLite and refused at commit on
# PostgreSQL; control characters in names corrupt listings, exports and terminals.
_NAME_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def _forbidden_character_rule(text: str, forbidden: re.Pattern[str], what: str) -> str:
    match = forbidden.search(text)
    if match is None:
        return text
    character = match.group()
    kind = (
        "a NUL character"
        if character == "\x00"
        else "a lone surrogate"
        if "\ud800" <= character <= "\udfff"
        else "a control character"
    )
    raise ValueError(
        f"{what} may not contain {kind} (\\u{ord(character):04x}, at position {match.start() + 1})"
    )


def _plain_name(name: str) -> str:
    return _forbidden_character_rule(name, _NAME_FORBIDDEN, "a name")


def _storable_text(text: str) -> str:
    return _forbidden_character_rule(text, _TEXT_FORBIDDEN, "this text")


# A name shown in one line: no control characters at all (tabs and new lines included).
PlainName = Annotated[str, AfterValidator(_plain_name)]
# Free text (descriptions, keys): tabs, new lines and form feeds allowed, NUL and other
# controls not.
StorableText = Annotated[str, AfterValidator(_storable_text)]


class StrictInput(BaseModel):
    """Base of request bodies: a value must have the JSON type its field says, so `true` is not
    1, `"5"` is not 5 and 1.5 is not an integer (a whole number is still a float).

    Enum fields say `Field(strict=False)`: strict pydantic wants Enum instances, and JSON brings
    their string values. Query, path and form parameters are not models and still convert text.
    """

    model_config = ConfigDict(strict=True)
