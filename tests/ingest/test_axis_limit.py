"""MCUFORGE_MAX_AXES holds in every time-series format, checked before the values are read."""

from __future__ import annotations

import numpy as np
import pytest

from backend.ingest import parse_upload
from backend.ingest.acquisition import encode_acquisition_cbor, encode_acquisition_json
from backend.settings import settings
from tests.ingest.factories import make_csv, make_wav

LIMIT = 4


@pytest.fixture(autouse=True)
def _small_axis_limit(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_axes", LIMIT)


def _sensors(n: int) -> list[dict[str, str]]:
    return [{"name": f"a{i}", "units": "m/s2"} for i in range(n)]


def test_a_csv_of_too_many_columns_is_refused(assert_rejected) -> None:
    header = ["timestamp", *(f"a{i}" for i in range(LIMIT + 1))]
    data = make_csv(header, [[0, *range(LIMIT + 1)], [10, *range(LIMIT + 1)]])
    assert_rejected(
        "wide.csv", data, f"{LIMIT + 1} axis columns", f"limit is {LIMIT} axes", "MCUFORGE_MAX_AXES"
    )


def test_a_csv_at_the_limit_is_accepted() -> None:
    header = ["timestamp", *(f"a{i}" for i in range(LIMIT))]
    data = make_csv(header, [[0, *range(LIMIT)], [10, *range(LIMIT)]])
    assert parse_upload("ok.csv", data).values.shape == (2, LIMIT)


@pytest.mark.parametrize(
    ("filename", "encode"),
    [("wide.json", encode_acquisition_json), ("wide.cbor", encode_acquisition_cbor)],
)
def test_an_acquisition_file_of_too_many_sensors_is_refused(
    assert_rejected, filename, encode
) -> None:
    values = np.zeros((3, LIMIT + 1), dtype=np.float32)
    data = encode(values, interval_ms=10.0, sensors=_sensors(LIMIT + 1))
    assert_rejected(filename, data, f"{LIMIT + 1} sensors", "MCUFORGE_MAX_AXES")


def test_a_wav_of_too_many_channels_is_refused(assert_rejected) -> None:
    data = make_wav(np.zeros((10, LIMIT + 1), dtype=np.int16))
    assert_rejected("wide.wav", data, f"{LIMIT + 1} channels", "MCUFORGE_MAX_AXES")
