"""CSV time series: header, units, delimiters, the interval from a time column or a comment, and
errors that name the row and the column."""

from __future__ import annotations

import numpy as np
import pytest

from backend.ingest import Axis, parse_upload
from tests.ingest.factories import make_csv


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_time_column_in_ms_gives_the_interval(delimiter: str) -> None:
    rows = [[0, 1.5, -2], [10, 2.5, -3], [20, 3.5, -4], [30, 4.5, -5]]
    data = make_csv(["timestamp", "accX (m/s2)", "accY [m/s2]"], rows, delimiter=delimiter)
    sample = parse_upload("walk.csv", data)
    assert sample.kind == "timeseries" and sample.source_format == "csv"
    assert sample.axes == (Axis("accX", "m/s2"), Axis("accY", "m/s2"))
    np.testing.assert_array_equal(sample.values, np.array(rows, dtype=np.float32)[:, 1:])
    assert sample.values.dtype == np.float32
    assert sample.interval_ms == pytest.approx(10.0)
    assert sample.sample_rate_hz == pytest.approx(100.0)
    assert sample.duration_ms == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("time_header", "scale"),
    [
        ("time (s)", 0.001),
        ("time [ms]", 1.0),
        ("t", 1.0),
        ("time_ms", 1.0),
        ("timestamp_s", 0.001),
        ("elapsed (ms)", 1.0),
    ],
)
def test_time_column_names_and_units(time_header: str, scale: float) -> None:
    rows = [[round(i * 20 * scale, 6), i] for i in range(5)]
    sample = parse_upload("t.csv", make_csv([time_header, "x"], rows))
    assert sample.interval_ms == pytest.approx(20.0)
    assert sample.axes == (Axis("x", ""),)


def test_time_column_may_be_anywhere_and_is_not_an_axis() -> None:
    data = make_csv(["a", "timestamp", "b"], [[1, 0, 2], [3, 5, 4]])
    sample = parse_upload("mid.csv", data)
    assert [axis.name for axis in sample.axes] == ["a", "b"]
    np.testing.assert_array_equal(sample.values, [[1, 2], [3, 4]])
    assert sample.interval_ms == pytest.approx(5.0)


def test_interval_comment_without_time_column() -> None:
    data = make_csv(["gyrX", "gyrY"], [[1, 2], [3, 4], [5, 6]], interval_ms=16)
    sample = parse_upload("gyro.csv", data)
    assert sample.interval_ms == 16.0
    assert sample.length == 3


def test_jittery_timestamps_within_tolerance_give_the_mean_step() -> None:
    times = [0, 10.2, 19.9, 30.1, 40]
    sample = parse_upload("jit.csv", make_csv(["timestamp", "v"], [[t, 0] for t in times]))
    assert sample.interval_ms == pytest.approx(10.0)


def test_quoted_header_bom_crlf_and_blank_lines() -> None:
    text = '\ufeff"timestamp","accX (g)"\r\n0,1\r\n\r\n10,2\r\n'
    sample = parse_upload("excel.csv", text.encode("utf-8"))
    assert sample.axes == (Axis("accX", "g"),)
    np.testing.assert_array_equal(sample.values[:, 0], [1, 2])


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_old_mac_and_windows_line_ends(assert_rejected, line_end: str) -> None:
    text = line_end.join(["timestamp;x", "0;1", "10;2", "20;x"]) + line_end
    # The line number is right whatever the line ends.
    assert_rejected("mac.csv", text.encode(), "data row 3 (line 4)", "'x' is not a number")
    sample = parse_upload("mac.csv", text.replace("20;x", "20;3").encode())
    np.testing.assert_array_equal(sample.values[:, 0], [1, 2, 3])


def test_single_column_with_comment() -> None:
    sample = parse_upload("one.csv", b"# interval_ms=1\nsignal\n1\n2\n3\n")
    assert sample.values.shape == (3, 1)


def test_same_values_in_csv_and_other_formats_are_duplicates() -> None:
    by_time = parse_upload("a.csv", make_csv(["timestamp", "x"], [[0, 1], [10, 2]]))
    by_comment = parse_upload("b.csv", make_csv(["x"], [[1], [2]], interval_ms=10))
    assert by_time.content_hash == by_comment.content_hash
    other = parse_upload("c.csv", make_csv(["x"], [[1], [3]], interval_ms=10))
    assert other.content_hash != by_time.content_hash


# --- errors ------------------------------------------------------------------------------------


def test_no_interval_says_how_to_give_it(assert_rejected) -> None:
    assert_rejected(
        "nointerval.csv", make_csv(["x", "y"], [[1, 2]]), "interval_ms=10", "time column"
    )


def test_non_numeric_value_names_row_and_column(assert_rejected) -> None:
    data = make_csv(["timestamp", "accX", "accY"], [[0, 1, 2], [10, 1, "abc"]])
    assert_rejected(
        "bad.csv", data, "data row 2 (line 3)", "column 3 'accY'", "'abc' is not a number"
    )


def test_non_numeric_value_after_a_comment_line(assert_rejected) -> None:
    data = b"# interval_ms=10\nx,y\n1,2\n3,oops\n"
    assert_rejected("c.csv", data, "data row 2 (line 4)", "column 2 'y'", "'oops'")


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_infinity_are_refused(assert_rejected, bad: str) -> None:
    data = make_csv(["timestamp", "x"], [[0, 1], [10, 2], [20, bad]])
    assert_rejected("nan.csv", data, "data row 3 (line 4)", "column 2 'x'", "finite")


def test_value_too_large_for_float32(assert_rejected) -> None:
    data = make_csv(["x"], [[1], [1e39]], interval_ms=1)
    assert_rejected("big.csv", data, "data row 2", "'x'", "32-bit float")


def test_ragged_row_names_the_row(assert_rejected) -> None:
    data = make_csv(["timestamp", "x", "y"], [[0, 1, 2], [10, 1, 2], [20, 1]])
    assert_rejected("ragged.csv", data, "data row 3 (line 4) has 2 cells", "header has 3 columns")


def test_every_row_too_long_is_ragged_too(assert_rejected) -> None:
    data = make_csv(["timestamp", "x"], [[0, 1, 9], [10, 1, 9]])
    assert_rejected("wide.csv", data, "data row 1 (line 2) has 3 cells", "header has 2 columns")


def test_duplicate_column_names(assert_rejected) -> None:
    data = make_csv(["timestamp", "accX (g)", "accX (m/s2)"], [[0, 1, 2]])
    assert_rejected("dup.csv", data, "duplicate column name 'accX'", "columns 2 and 3")


def test_no_data_rows(assert_rejected) -> None:
    assert_rejected("header.csv", b"timestamp,x\n", "no data rows")


def test_only_comments(assert_rejected) -> None:
    assert_rejected("comments.csv", b"# interval_ms=10\n\n", "no header row")


def test_no_axis_columns(assert_rejected) -> None:
    assert_rejected("time.csv", make_csv(["timestamp"], [[0], [10]]), "no axis columns")


def test_header_missing(assert_rejected) -> None:
    assert_rejected("numbers.csv", b"1,2,3\n4,5,6\n", "line 1 holds numbers", "must be a header")


def test_unnamed_column(assert_rejected) -> None:
    assert_rejected("unnamed.csv", b"timestamp,,y\n0,1,2\n", "column 2 has no name")


def test_timestamps_not_increasing(assert_rejected) -> None:
    data = make_csv(["timestamp", "x"], [[0, 1], [10, 2], [10, 3], [30, 4]])
    assert_rejected("dup_t.csv", data, "must increase", "data row 3 (line 4)")


def test_timestamps_not_evenly_spaced(assert_rejected) -> None:
    data = make_csv(["timestamp", "x"], [[0, 1], [10, 2], [20, 3], [45, 4], [55, 5]])
    assert_rejected(
        "gap.csv",
        data,
        "not evenly spaced",
        "within 5%",
        "median step of 10 ms",
        "data row 4 (line 5) is 25 ms",
    )


def test_single_row_with_time_column_cannot_give_an_interval(assert_rejected) -> None:
    assert_rejected("one.csv", make_csv(["timestamp", "x"], [[0, 1]]), "single row")


def test_single_row_with_time_column_and_comment_is_accepted() -> None:
    sample = parse_upload("one.csv", make_csv(["timestamp", "x"], [[0, 1]], interval_ms=5))
    assert sample.interval_ms == 5.0


def test_comment_and_time_column_must_agree(assert_rejected) -> None:
    data = make_csv(["timestamp", "x"], [[0, 1], [10, 2]], interval_ms=20)
    assert_rejected("disagree.csv", data, "interval_ms=20", "steps by 10 ms")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("0", "between 0.001 ms and 1000000 ms"),
        ("-5", "between 0.001 ms and 1000000 ms"),
        ("nan", "between 0.001 ms and 1000000 ms"),
        ("abc", "is not a number of milliseconds"),
    ],
)
def test_bad_interval_comment(assert_rejected, value: str, rule: str) -> None:
    data = f"# interval_ms={value}\nx\n1\n".encode()
    assert_rejected("interval.csv", data, "line 1", f"interval_ms={value}", rule)


def test_several_time_columns(assert_rejected) -> None:
    data = make_csv(["timestamp", "time (s)", "x"], [[0, 0, 1]])
    assert_rejected("twotimes.csv", data, "several time columns")


def test_not_utf8(assert_rejected) -> None:
    assert_rejected("latin.csv", b"x\n\xff\xfe\x00\x01\n", "not valid UTF-8")
