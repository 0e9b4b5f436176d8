"""The forwarder's pure part: parsing a board's lines, detecting axes and frequency."""

from __future__ import annotations

import pytest

from backend.commands.serial_lines import (
    NotSensorData,
    detect_layout,
    parse_axis_names,
    parse_line,
    snap_frequency,
    sparkline,
)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1.5,-2,3e-1\r\n", (1.5, -2.0, 0.3)),
        ("1\t2\t3", (1.0, 2.0, 3.0)),
        (" 4 , 5 ", (4.0, 5.0)),
        ("42", (42.0,)),
    ],
)
def test_numbers_separated_by_commas_or_tabs_are_one_sample(text: str, values: tuple) -> None:
    assert parse_line(text) == values


@pytest.mark.parametrize("text", ["", "Booting...", "1,2,x", "1,,2", "nan,1", "1,inf",
                                  ",".join(["1"] * 65), "1" * 5000])
def test_other_lines_are_not_samples(text: str) -> None:
    assert parse_line(text) is None


def timed(lines: list[str], hz: float, start: float = 100.0) -> list[tuple[float, str]]:
    return [(start + i / hz, line) for i, line in enumerate(lines)]


def test_detects_axes_and_frequency_from_line_timing() -> None:
    lines = ["booting", "ready"] + [f"{i},{-i},{2 * i}" for i in range(200)]
    layout = detect_layout(timed(lines, 100.3))
    assert layout.axis_count == 3
    assert layout.frequency_hz == 100.0  # within 5 % of a common rate: that rate
    assert layout.measured_hz == pytest.approx(100.3, rel=1e-3)
    assert layout.lines == 200


def test_bursts_of_lines_still_give_the_rate_over_their_span() -> None:
    # 50 Hz, delivered 10 lines at a time every 200 ms, as a USB or pty buffer hands them over.
    lines = [(100.0 + (i // 10) * 0.2 + 0.2, f"{i}\t{i}") for i in range(100)]
    layout = detect_layout(lines)
    assert layout.axis_count == 2
    assert layout.frequency_hz == 50.0


def test_an_uncommon_rate_is_kept_to_three_digits() -> None:
    assert snap_frequency(37.1234) == 37.1
    assert snap_frequency(1234.5) == 1230
    assert snap_frequency(61.0) == 60.0


def test_lines_of_different_widths_are_refused_with_the_layouts_seen() -> None:
    lines = timed([f"{i},{i}" if i % 2 else f"{i},{i},{i}" for i in range(40)], 10)
    with pytest.raises(NotSensorData, match="2 values in 20 lines, 3 values in 20 lines"):
        detect_layout(lines)


def test_too_few_numeric_lines_say_what_was_seen() -> None:
    with pytest.raises(NotSensorData, match="'hello world'"):
        detect_layout(timed(["1,2", "hello world"], 10))


def test_lines_arriving_at_once_cannot_give_a_rate() -> None:
    with pytest.raises(NotSensorData, match="--frequency"):
        detect_layout([(5.0, "1,2")] * 20)


def test_axis_names_must_match_the_line_width_and_be_distinct() -> None:
    assert parse_axis_names("accX, accY ,accZ", 3) == ["accX", "accY", "accZ"]
    with pytest.raises(ValueError, match="give 3 names"):
        parse_axis_names("x,y", 3)
    with pytest.raises(ValueError, match="must differ"):
        parse_axis_names("x,x", 2)
    with pytest.raises(ValueError, match="letters, digits"):
        parse_axis_names("x,<y>", 2)


def test_sparkline_scales_to_the_values_range() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, 3]) == "▁▁"
    assert sparkline([]) == ""


def test_the_reader_splits_lines_across_reads_and_drops_a_cut_one() -> None:
    import threading
    import time

    import serial

    from backend.commands.forward import LineReader

    port = serial.serial_for_url("loop://", timeout=0.05)
    reader = LineReader(port)
    port.write(b"12,3\r\n-4.5,6\n7,")
    soon = time.monotonic() + 2
    assert [reader.next_line(soon)[1], reader.next_line(soon)[1]] == ["12,3", "-4.5,6"]  # type: ignore[index]
    assert reader.next_line(time.monotonic() + 0.1) is None  # "7," waits for its end
    port.write(b"8\n")
    assert reader.next_line(soon)[1] == "7,8"  # type: ignore[index]
    # The buffer is dropped in the middle of "-0.5,6": its end arrives afterwards and is
    # dropped as well ("5,6" would be a wrong sample), the next line is whole.
    port.write(b"1,1\n-0.")
    threading.Timer(0.2, port.write, [b"5,6\n2,2\n"]).start()
    reader.discard_pending(timeout_s=2)
    assert reader.next_line(soon)[1] == "2,2"  # type: ignore[index]
    port.close()
