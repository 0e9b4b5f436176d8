"""What a board prints, line by line: numbers separated by commas or tabs, one line per sample.
Pure functions (no port, no clock) so that the forwarder's detection is tested without a board."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Rates boards are commonly set to; a measured rate within SNAP_TOLERANCE of one is taken to be
# it (line timing over a USB or emulated UART jitters by a few percent).
COMMON_RATES_HZ = (
    1, 2, 4, 5, 10, 12.5, 16, 20, 25, 30, 40, 50, 60, 62.5, 80, 100, 104, 120, 125, 200, 208,
    250, 400, 416, 500, 800, 833, 1000, 1600, 2000, 3200, 4000, 6400, 8000, 11025, 16000,
    22050, 32000, 44100, 48000,
)
SNAP_TOLERANCE = 0.05
MAX_AXES = 64  # a wider line is not sensor data (a debug dump, a hex frame)
MAX_LINE_CHARS = 4096

_SEPARATOR = re.compile(r"\s*[,\t]\s*")


class NotSensorData(ValueError):
    """The lines do not settle into one layout of numbers; str() says what was seen."""


def parse_line(text: str) -> tuple[float, ...] | None:
    """The numbers of one line (`1.5,-2,3e-1` or tab-separated; one number alone is one axis),
    or None for a line that is not entirely finite numbers (a boot banner, a prompt)."""
    text = text.strip()
    if not text or len(text) > MAX_LINE_CHARS:
        return None
    fields = _SEPARATOR.split(text)
    if len(fields) > MAX_AXES:
        return None
    try:
        values = tuple(float(field) for field in fields)
    except ValueError:
        return None
    if not all(math.isfinite(value) for value in values):
        return None
    return values


def snap_frequency(measured_hz: float) -> float:
    """A common rate within 5 % of the measured one, else the measured rate to 3 significant
    digits (what a user would type)."""
    if measured_hz <= 0 or not math.isfinite(measured_hz):
        raise NotSensorData(f"a sampling frequency of {measured_hz} Hz cannot be right")
    nearest = min(COMMON_RATES_HZ, key=lambda rate: abs(rate - measured_hz) / rate)
    if abs(nearest - measured_hz) / nearest <= SNAP_TOLERANCE:
        return float(nearest)
    digits = 2 - int(math.floor(math.log10(measured_hz)))
    return round(measured_hz, digits)


@dataclass(frozen=True)
class DetectedLayout:
    """What a run of lines says about the board: axes per line and sampling frequency."""

    axis_count: int
    frequency_hz: float  # snapped (snap_frequency)
    measured_hz: float
    lines: int  # numeric lines the detection used


def detect_layout(
    lines: Sequence[tuple[float, str]], *, min_lines: int = 10
) -> DetectedLayout:
    """The layout of timed lines [(arrival time in s, text)]: the axis count most lines share,
    and the rate from the least-squares line through (line index, arrival time).

    Not from gaps between neighbours: the operating system hands lines over in bursts (a USB
    frame, a pty buffer), so single gaps are noise; the fitted slope of a staircase of bursts
    is the rate the lines were printed at, where the span from first to last line would be
    off by a burst."""
    numeric = [(at, values) for at, text in lines if (values := parse_line(text)) is not None]
    if len(numeric) < min_lines:
        seen = f"; the last line was {lines[-1][1].strip()[:60]!r}" if lines else ""
        raise NotSensorData(
            f"{len(numeric)} lines of numbers in {len(lines)} lines read; at least {min_lines} "
            f"are needed to detect the frequency (is the board printing comma- or tab-separated "
            f"numbers, one sample a line, at this baud rate?){seen}"
        )
    counts: dict[int, int] = {}
    for _, values in numeric:
        counts[len(values)] = counts.get(len(values), 0) + 1
    axis_count = max(counts, key=lambda n: counts[n])
    if counts[axis_count] < 0.9 * len(numeric):
        layouts = ", ".join(f"{n} values in {c} lines" for n, c in sorted(counts.items()))
        raise NotSensorData(
            f"the lines do not all have the same number of values ({layouts}); print the same "
            "axes on every line"
        )
    times = [at for at, values in numeric if len(values) == axis_count]
    count = len(times)
    mean_index = (count - 1) / 2
    mean_time = sum(times) / count
    covariance = sum((i - mean_index) * (t - mean_time) for i, t in enumerate(times))
    variance = sum((i - mean_index) ** 2 for i in range(count))
    seconds_per_line = covariance / variance
    if seconds_per_line <= 1e-7:
        raise NotSensorData(
            f"{count} lines arrived at once; cannot tell the sampling frequency from their "
            "timing (give it with --frequency)"
        )
    measured = 1.0 / seconds_per_line
    return DetectedLayout(axis_count, snap_frequency(measured), measured, count)


def parse_axis_names(text: str, axis_count: int) -> list[str]:
    """`accX, accY, accZ` -> the names, checked against the number of values a line holds."""
    names = [name.strip() for name in text.split(",")]
    if len(names) != axis_count or not all(names):
        raise ValueError(
            f"{text!r} names {len([n for n in names if n])} axes; the board prints {axis_count} "
            f"values a line: give {axis_count} names separated by commas"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"axis names must differ; got {', '.join(names)}")
    for name in names:
        if len(name) > 64 or not re.fullmatch(r"[A-Za-z0-9_.\- ]+", name):
            raise ValueError(
                f"axis name {name!r}: use at most 64 letters, digits, spaces, '_', '-' or '.'"
            )
    return names


_SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """One character per value, the height scaled to the values' own range."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return _SPARK[0] * len(values)
    scale = (len(_SPARK) - 1) / (high - low)
    return "".join(_SPARK[int(round((value - low) * scale))] for value in values)
