"""CSV time series: a header row, one column per axis, and the interval from a time column or a
leading `# interval_ms=10` comment. A leading `# label=walk` or `# value=1.08` comment (a
regression target, stored as the label) gives the sample's label.

Rows are parsed by numpy's C reader; only when it fails is the text walked row by row, to tell
the user which row and column are wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from backend.ingest.errors import IngestError, shown_name, shown_value
from backend.ingest.sample import (
    INTERVAL_RULE,
    Axis,
    ParsedSample,
    check_axis_count,
    is_valid_interval_ms,
    make_sample,
)
from backend.ingest.targets import parse_target, target_label
from backend.ingest.text import MAX_AXIS_NAME_CHARS, MAX_DEVICE_TEXT_CHARS, checked_text

DELIMITERS = (",", ";", "\t")
# Names (lower case, units removed) that make a column the time column; value: ms per unit,
# used when the header gives no units. A bare "timestamp" is milliseconds, as Edge Impulse writes.
TIME_COLUMN_NAMES: dict[str, float] = {
    "timestamp": 1.0,
    "time": 1.0,
    "t": 1.0,
    "time_ms": 1.0,
    "timestamp_ms": 1.0,
    "time_s": 1000.0,
    "timestamp_s": 1000.0,
}
TIME_UNITS_MS: dict[str, float] = {"ms": 1.0, "s": 1000.0}
# Steps between timestamps may differ from the median step by this fraction of it (jitter).
MAX_STEP_DEVIATION = 0.05
_INTERVAL_COMMENT = re.compile(r"^#\s*interval_ms\s*[=:]\s*(\S+)\s*$", re.IGNORECASE)
_LABEL_COMMENT = re.compile(r"^#\s*(label|value)\s*[=:]\s*(.*?)\s*$", re.IGNORECASE)
_NAME_WITH_UNITS = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<units>[^\)\]]*)[\)\]]\s*$")
_HOW_TO_GIVE_INTERVAL = (
    "give the interval with a first line '# interval_ms=10', "
    "or add a time column named 'timestamp' (milliseconds) or 'time (s)'"
)


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    units: str


def _split_name_units(cell: str) -> tuple[str, str]:
    """'accX (m/s2)' or 'accX [m/s2]' -> ('accX', 'm/s2'); 'accX' -> ('accX', '')."""
    cell = cell.strip()
    match = _NAME_WITH_UNITS.match(cell)
    if match and match.group("name"):
        return match.group("name").strip(), match.group("units").strip()
    return cell, ""


def _time_scale_ms(column: Column) -> float | None:
    """ms per unit when this is the time column, else None."""
    if column.units.lower() in TIME_UNITS_MS:
        return TIME_UNITS_MS[column.units.lower()]
    return TIME_COLUMN_NAMES.get(column.name.lower())


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _normalise_bytes(filename: str, data: bytes) -> bytes:
    """Check the file is UTF-8; drop a BOM; make every line end '\n' (CRLF and old-Mac CR), so
    line numbers agree between the fast reader and the row walk."""
    try:
        data.decode("utf-8")  # validation only: the rows are read from the bytes
    except UnicodeDecodeError as error:
        raise IngestError(
            filename,
            f"not a CSV text file: byte {error.start} is not valid UTF-8 "
            "(save the CSV as UTF-8 text)",
        ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


@dataclass(frozen=True)
class _Preamble:
    """What the leading comments say, and where the header row is."""

    interval_ms: float | None
    label: str | None
    header_line_number: int
    header_line: str
    body: bytes  # the bytes after the header row


def _split_preamble(filename: str, data: bytes) -> _Preamble:
    """Skip leading comments and blank lines, reading the interval and label comments."""
    interval_ms: float | None = None
    label: str | None = None
    label_key = ""
    position = 0
    line_number = 0
    while position < len(data):
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end
        line = data[position:end].decode("utf-8")
        line_number += 1
        position = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            match = _INTERVAL_COMMENT.match(stripped)
            if match:
                interval_ms = _parse_interval_comment(filename, line_number, match.group(1))
            label_match = _LABEL_COMMENT.match(stripped)
            if label_match:
                if label is not None:
                    raise IngestError(
                        filename,
                        f"line {line_number}: a second label comment ('# {label_key}=' came "
                        "first); give one '# label=...' or '# value=...'",
                    )
                label_key = label_match.group(1).lower()
                label = _parse_label_comment(filename, line_number, label_key, label_match.group(2))
            continue
        return _Preamble(interval_ms, label, line_number, line, data[position:])
    raise IngestError(filename, "the CSV file has no header row (and no data)")


def _parse_label_comment(filename: str, line_number: int, key: str, text: str) -> str:
    if key == "value":
        try:
            return target_label(parse_target(text))
        except ValueError as error:
            raise IngestError(filename, f"line {line_number}: {error}") from None
    return checked_text(
        filename, f"line {line_number}: the label", text, max_chars=MAX_DEVICE_TEXT_CHARS
    )


def _parse_interval_comment(filename: str, line_number: int, text: str) -> float:
    try:
        interval_ms = float(text)
    except ValueError:
        raise IngestError(
            filename,
            f"line {line_number}: interval_ms={shown_name(text)} is not a number of milliseconds",
        ) from None
    if not is_valid_interval_ms(interval_ms):
        raise IngestError(
            filename, f"line {line_number}: interval_ms={shown_name(text)}; {INTERVAL_RULE}"
        )
    return interval_ms


def _parse_header(filename: str, line_number: int, line: str, delimiter: str) -> list[Column]:
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error as error:
        raise IngestError(
            filename, f"the header (line {line_number}) cannot be read as CSV: {error}"
        ) from None
    if all(_is_number(cell) for cell in cells):
        raise IngestError(
            filename,
            f"line {line_number} holds numbers, but the first row must be a header naming "
            "each column (e.g. 'timestamp,accX (m/s2),accY (m/s2)')",
        )
    columns = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name, units = _split_name_units(cell)
        if not name:
            raise IngestError(
                filename, f"header (line {line_number}): column {index + 1} has no name"
            )
        where = f"header (line {line_number}): column {index + 1}"
        checked_text(filename, f"{where} name", name, max_chars=MAX_AXIS_NAME_CHARS)
        checked_text(filename, f"{where} units", units, max_chars=MAX_AXIS_NAME_CHARS)
        if name in seen:
            raise IngestError(
                filename,
                f"header (line {line_number}): duplicate column name '{name}' "
                f"(columns {seen[name] + 1} and {index + 1}); each column needs its own name",
            )
        seen[name] = index
        columns.append(Column(index, name, units))
    return columns


def _data_rows(
    filename: str, body: bytes, delimiter: str, first_line_number: int
) -> Iterator[tuple[int, list[str]]]:
    """(line number in the file, cells) of every data row, skipping blank and comment lines."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise IngestError(
                filename,
                f"line {first_line_number + reader.line_num} cannot be read as CSV: {error}",
            ) from None
        line_number = first_line_number + reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if cells[0].lstrip().startswith("#"):
            continue
        yield line_number, cells


def _describe_cell(row: int, line_number: int, column: Column) -> str:
    return f"data row {row} (line {line_number}), column {column.index + 1} '{column.name}'"


def _find_row_problem(
    filename: str, body: bytes, delimiter: str, header_line_number: int, columns: list[Column]
) -> IngestError | None:
    """Walk the rows one by one to name the first bad one (run only when the fast reader failed)."""
    for row, (line_number, cells) in enumerate(
        _data_rows(filename, body, delimiter, header_line_number), start=1
    ):
        if len(cells) != len(columns):
            return IngestError(
                filename,
                f"data row {row} (line {line_number}) has {len(cells)} cells, but the header "
                f"has {len(columns)} columns; every row needs one value per column",
            )
        for column, cell in zip(columns, cells, strict=True):
            try:
                value = float(cell)
            except ValueError:
                return IngestError(
                    filename,
                    f"{_describe_cell(row, line_number, column)}: {shown_value(cell.strip())} "
                    "is not a number",
                )
            if not math.isfinite(value):
                return IngestError(
                    filename,
                    f"{_describe_cell(row, line_number, column)}: {shown_value(cell.strip())} is "
                    "not a finite number (NaN and infinity are not allowed)",
                )
    return None


def _line_of_row(
    filename: str, body: bytes, delimiter: str, header_line_number: int, row: int
) -> int:
    for current, (line_number, _cells) in enumerate(
        _data_rows(filename, body, delimiter, header_line_number), start=1
    ):
        if current == row:
            return line_number
    return header_line_number + row


def _read_matrix(
    filename: str, body: bytes, delimiter: str, header_line_number: int, columns: list[Column]
) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            matrix = np.loadtxt(
                io.BytesIO(body),
                delimiter=delimiter,
                dtype=np.float64,
                ndmin=2,
                comments="#",
                quotechar='"',
                encoding="utf-8",
            )
    except ValueError as error:
        problem = _find_row_problem(filename, body, delimiter, header_line_number, columns)
        if problem is not None:
            raise problem from None
        raise IngestError(filename, f"the CSV rows could not be read: {error}") from None
    if matrix.shape[0] == 0:
        raise IngestError(filename, "the CSV file has a header but no data rows")
    if matrix.shape[1] != len(columns):
        # numpy reads consistently ragged rows without complaint; the walk names the first one.
        problem = _find_row_problem(filename, body, delimiter, header_line_number, columns)
        raise problem or IngestError(filename, "the CSV rows do not match the header")
    bad = ~np.isfinite(matrix)
    if bad.any():
        row_index, column_index = (int(i) for i in np.argwhere(bad)[0])
        line_number = _line_of_row(filename, body, delimiter, header_line_number, row_index + 1)
        raise IngestError(
            filename,
            f"{_describe_cell(row_index + 1, line_number, columns[column_index])}: the value "
            "is not a finite number (NaN and infinity are not allowed)",
        )
    return matrix


def _interval_from_times(
    filename: str,
    times_ms: np.ndarray,
    body: bytes,
    delimiter: str,
    header_line_number: int,
    column: Column,
) -> float:
    if times_ms.shape[0] < 2:
        raise IngestError(
            filename,
            f"the time column '{column.name}' has a single row, so no interval can be derived; "
            "add rows or give the interval with a first line '# interval_ms=10'",
        )
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        steps_ms = np.diff(times_ms)
    if not np.isfinite(steps_ms).all():
        raise IngestError(
            filename,
            f"the time column '{column.name}' steps by more than any number can hold "
            f"(beyond 1e308 ms); {INTERVAL_RULE}",
        )
    not_increasing = np.flatnonzero(steps_ms <= 0)
    if not_increasing.size:
        row = int(not_increasing[0]) + 2
        line_number = _line_of_row(filename, body, delimiter, header_line_number, row)
        raise IngestError(
            filename,
            f"the time column '{column.name}' must increase from row to row, but data row {row} "
            f"(line {line_number}) has {column.name}={times_ms[row - 1]:g} ms after "
            f"{times_ms[row - 2]:g} ms",
        )
    median_step_ms = float(np.median(steps_ms))
    deviation = np.abs(steps_ms - median_step_ms)
    worst = int(np.argmax(deviation))
    if deviation[worst] > MAX_STEP_DEVIATION * median_step_ms:
        row = worst + 2
        line_number = _line_of_row(filename, body, delimiter, header_line_number, row)
        raise IngestError(
            filename,
            f"the time column '{column.name}' is not evenly spaced: every step must be within "
            f"{MAX_STEP_DEVIATION:.0%} of the median step of {median_step_ms:g} ms, but the step "
            f"to data row {row} (line {line_number}) is {steps_ms[worst]:g} ms",
        )
    interval_ms = float((times_ms[-1] - times_ms[0]) / (times_ms.shape[0] - 1))
    if not is_valid_interval_ms(interval_ms):
        raise IngestError(
            filename,
            f"the time column '{column.name}' steps by {interval_ms:g} ms on average; "
            f"{INTERVAL_RULE}",
        )
    return interval_ms


def parse_csv(filename: str, data: bytes) -> ParsedSample:
    """Decode a CSV time series; the time column, if any, gives the interval and is not an axis."""
    data = _normalise_bytes(filename, data)
    preamble = _split_preamble(filename, data)
    comment_interval_ms, header_line_number, header_line, body = (
        preamble.interval_ms,
        preamble.header_line_number,
        preamble.header_line,
        preamble.body,
    )
    delimiter = _sniff_delimiter(header_line)
    columns = _parse_header(filename, header_line_number, header_line, delimiter)
    time_columns = [column for column in columns if _time_scale_ms(column) is not None]
    if len(time_columns) > 1:
        names = ", ".join(f"'{column.name}'" for column in time_columns)
        raise IngestError(filename, f"the CSV file has several time columns ({names}); keep one")
    axis_columns = [column for column in columns if column not in time_columns]
    check_axis_count(filename, len(axis_columns), "axis columns")
    if not axis_columns:
        raise IngestError(
            filename, "the CSV file has no axis columns: add one column per sensor axis"
        )
    matrix = _read_matrix(filename, body, delimiter, header_line_number, columns)

    if time_columns:
        time_column = time_columns[0]
        scale_ms = _time_scale_ms(time_column)
        assert scale_ms is not None
        with np.errstate(over="ignore"):  # inf steps are reported by _interval_from_times
            times_ms = matrix[:, time_column.index] * scale_ms
        if comment_interval_ms is not None and times_ms.shape[0] < 2:
            interval_ms = comment_interval_ms
        else:
            interval_ms = _interval_from_times(
                filename, times_ms, body, delimiter, header_line_number, time_column
            )
            if comment_interval_ms is not None and (
                abs(interval_ms - comment_interval_ms) > MAX_STEP_DEVIATION * comment_interval_ms
            ):
                raise IngestError(
                    filename,
                    f"the first line says interval_ms={comment_interval_ms:g}, but the time "
                    f"column '{time_column.name}' steps by {interval_ms:g} ms; "
                    "remove one or make them agree",
                )
    elif comment_interval_ms is not None:
        interval_ms = comment_interval_ms
    else:
        raise IngestError(
            filename, f"the CSV file does not say its sampling interval: {_HOW_TO_GIVE_INTERVAL}"
        )

    with np.errstate(over="ignore"):  # overflow to inf is reported below, with its cell
        values = matrix[:, [column.index for column in axis_columns]].astype(np.float32)
    if not np.isfinite(values).all():
        row_index, axis_index = (int(i) for i in np.argwhere(~np.isfinite(values))[0])
        line_number = _line_of_row(filename, body, delimiter, header_line_number, row_index + 1)
        raise IngestError(
            filename,
            f"{_describe_cell(row_index + 1, line_number, axis_columns[axis_index])}: the value "
            "is too large for a 32-bit float",
        )
    return make_sample(
        kind="timeseries",
        values=values,
        axes=tuple(Axis(column.name, column.units) for column in axis_columns),
        interval_ms=interval_ms,
        source_format="csv",
        label=preamble.label,
    )
