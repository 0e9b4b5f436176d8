"""Devices and the messages of the device relay (`WS /api/devices/connect`).

The relay's contract, which `mcuforge forward --stream` and any other client implement:

- the device sends first `{"type": "hello", "device_id": str, "name": str,
  "frequency_hz": float, "axes": [{"name": str, "units": str}, ...]}`,
- then `{"type": "samples", "values": [[float, ...], ...]}` (each row one time step, one value
  per axis of the hello),
- and is answered `{"type": "ok"}` per accepted message or `{"type": "error", "message": str}`.

Fields not named here are ignored, so clients may add optional ones.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from backend.schemas.common import PlainName, UtcDatetime

MAX_DEVICE_ID_CHARS = 128
MAX_DEVICE_NAME_CHARS = 255
MAX_AXIS_TEXT_CHARS = 100

def _no_slash(device_id: str) -> str:
    # The id is a path segment of the live route (/devices/{device_id}/live).
    if "/" in device_id:
        raise ValueError("a device id may not contain '/'")
    return device_id


DeviceId = Annotated[
    PlainName,
    StringConstraints(min_length=1, max_length=MAX_DEVICE_ID_CHARS, strip_whitespace=True),
    AfterValidator(_no_slash),
]


class _Message(BaseModel):
    # Strict types (true is not 1, "5" is not 5), unknown fields ignored, no NaN or infinity.
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class DeviceAxis(_Message):
    name: Annotated[PlainName, StringConstraints(min_length=1, max_length=MAX_AXIS_TEXT_CHARS)]
    units: Annotated[PlainName, StringConstraints(max_length=MAX_AXIS_TEXT_CHARS)] = ""


class DeviceHello(_Message):
    type: Literal["hello"]
    device_id: DeviceId
    name: Annotated[PlainName, StringConstraints(min_length=1, max_length=MAX_DEVICE_NAME_CHARS)]
    # The range an impulse's frequency takes (0.001 Hz to 1 MHz).
    frequency_hz: float = Field(ge=0.001, le=1_000_000)
    axes: list[DeviceAxis] = Field(min_length=1)


class DeviceSamples(_Message):
    type: Literal["samples"]
    values: list[list[float]] = Field(min_length=1)


class DevicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    device_id: str
    name: str
    axes: list[DeviceAxis]
    frequency_hz: float
    created_at: UtcDatetime
    last_seen_at: UtcDatetime
    connected: bool = Field(
        False, description="Whether the device is streaming to this server now."
    )


class DevicesPublic(BaseModel):
    data: list[DevicePublic]
    count: int
