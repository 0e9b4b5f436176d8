"""Regression targets: the file-name rule that keeps decimals, '# value=' and '# label=' CSV
comments, payload.value and numeric payload.label in the acquisition format."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend.ingest import IngestError, label_from_filename, parse_upload
from backend.ingest.acquisition import encode_acquisition_json
from backend.ingest.targets import parse_target, target_label


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        ("1.08.n000.csv", "1.08"),  # the example: was "1"
        ("-0.5.take2.wav", "-0.5"),
        ("21.5.sensor.a3f9.json", "21.5"),
        ("21.5.a3f9.json", "21.5"),
        ("3.0042.wav", "3"),  # no NAME part: a class with an index, as before
        ("1.08.csv", "1"),  # likewise: a target needs VALUE.NAME.ext
        ("yes.1.wav", "yes"),
        ("noise.wav", "noise"),
        ("12.wav", "12"),
        ("0.5.1.2.wav", "0.5"),
        ("1.x5.n0.wav", "1"),
    ],
)
def test_a_file_name_keeps_a_decimal_target_only_before_name_and_extension(
    filename: str, label: str
) -> None:
    assert label_from_filename(filename) == label


def test_target_text_round_trips_and_non_numbers_are_refused() -> None:
    assert [target_label(parse_target(t)) for t in ("1.080", " -3 ", "2.5e-5", "7")] == [
        "1.08",
        "-3",
        "2.5e-05",
        "7",
    ]
    assert target_label(parse_target(21)) == "21"
    for bad in ("warm", "nan", "inf", True, None):
        with pytest.raises(ValueError, match="number"):
            parse_target(bad)


def test_csv_comments_give_a_label_or_a_numeric_value() -> None:
    body = b"x\n1\n2\n3\n"
    valued = parse_upload("any.1.csv", b"# interval_ms=10\n# value=1.080\n" + body)
    assert valued.label == "1.08"
    labelled = parse_upload("any.1.csv", b"# label: walk\n# interval_ms=10\n" + body)
    assert labelled.label == "walk" and labelled.interval_ms == 10.0
    assert parse_upload("any.1.csv", b"# interval_ms=10\n" + body).label is None
    with pytest.raises(IngestError, match="line 2: the target value 'warm' is not a number"):
        parse_upload("any.1.csv", b"# interval_ms=10\n# value=warm\n" + body)
    with pytest.raises(IngestError, match="line 3: a second label comment"):
        parse_upload("any.1.csv", b"# interval_ms=10\n# label=a\n# value=2\n" + body)


def _acquisition(payload_changes: dict[str, object]) -> bytes:
    obj = json.loads(
        encode_acquisition_json(np.ones((4, 1)), interval_ms=10.0, sensors=[("accX", "m/s2")])
    )
    obj["payload"].update(payload_changes)
    return json.dumps(obj).encode()


def test_acquisition_payload_value_or_numeric_label() -> None:
    assert parse_upload("a.1.json", _acquisition({"value": 21.5})).label == "21.5"
    assert parse_upload("a.1.json", _acquisition({"value": "1.08"})).label == "1.08"
    assert parse_upload("a.1.json", _acquisition({"label": 3})).label == "3"
    assert parse_upload("a.1.json", _acquisition({"label": "warm"})).label == "warm"
    with pytest.raises(IngestError, match="both 'label' and 'value'"):
        parse_upload("a.1.json", _acquisition({"label": "a", "value": 1}))
    with pytest.raises(IngestError, match="'payload.value': the target value 'hot'"):
        parse_upload("a.1.json", _acquisition({"value": "hot"}))
    with pytest.raises(IngestError, match="'payload.label' must be text"):
        parse_upload("a.1.json", _acquisition({"label": True}))
