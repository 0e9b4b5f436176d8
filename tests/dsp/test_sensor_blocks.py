"""Raw, flatten, spectral analysis and image: their figures against scipy / numpy references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import scipy.stats

from dsp_blocks.flatten import FLATTEN
from dsp_blocks.image import IMAGE
from dsp_blocks.raw import RAW
from dsp_blocks.spectral import SPECTRAL


def test_raw_scales_and_keeps_the_interleaving(rng: np.random.Generator) -> None:
    windows = rng.standard_normal((4, 50, 3)).astype(np.float32)
    features = RAW.extract(windows, sample_rate_hz=100, params=RAW.parse_params({"scale_axes": 3}))
    assert features.shape == (4, 150)
    np.testing.assert_allclose(features[:, 1], windows[:, 0, 1] * 3, rtol=1e-6)
    np.testing.assert_allclose(features[:, 3], windows[:, 1, 0] * 3, rtol=1e-6)


@pytest.mark.parametrize("scale_axes", [1.0, 0.25])
def test_flatten_statistics_match_scipy(scale_axes: float, rng: np.random.Generator) -> None:
    windows = (rng.gamma(2.0, size=(5, 200, 2)) - 1).astype(np.float32)
    params = FLATTEN.parse_params({"skewness": True, "kurtosis": True, "scale_axes": scale_axes})
    features = FLATTEN.extract(windows, sample_rate_hz=50, params=params).reshape(5, 2, 7)
    x = windows.astype(np.float64) * scale_axes
    expected = np.stack(
        [
            x.mean(1),
            x.min(1),
            x.max(1),
            np.sqrt((x**2).mean(1)),
            x.std(1),
            scipy.stats.skew(x, axis=1),
            scipy.stats.kurtosis(x, axis=1),
        ],
        axis=-1,
    )
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)


def test_flatten_of_a_constant_has_zero_spread() -> None:
    params = FLATTEN.parse_params({"skewness": True, "kurtosis": True})
    features = FLATTEN.extract(
        np.full((1, 30, 1), 2.5, np.float32), sample_rate_hz=10, params=params
    )[0]
    np.testing.assert_array_equal(features, [2.5, 2.5, 2.5, 2.5, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("tone_hz", [5.0, 12.5, 20.0])
@pytest.mark.parametrize("fft_length", [64, 128])
def test_spectral_strongest_peak_is_the_tone(tone_hz: float, fft_length: int) -> None:
    sample_rate_hz = 100.0
    t = np.arange(400) / sample_rate_hz
    window = 9.81 + np.sin(2 * np.pi * tone_hz * t) + 0.2 * np.sin(2 * np.pi * 33 * t)
    params = SPECTRAL.parse_params(
        {"filter_type": "none", "fft_length": fft_length, "n_power_bands": 4, "n_peaks": 2}
    )
    features = SPECTRAL.extract(
        window[None, :, None].astype(np.float32), sample_rate_hz=sample_rate_hz, params=params
    )[0]
    bin_hz = sample_rate_hz / fft_length
    first_peak_hz, second_peak_hz = features[7], features[9]
    assert abs(first_peak_hz - tone_hz) <= bin_hz / 2
    assert abs(second_peak_hz - 33.0) <= bin_hz / 2
    assert features[8] > features[10]  # heights, log10
    # RMS of the mean-removed signal: sqrt(1/2 + 0.04/2).
    assert features[0] == pytest.approx(np.sqrt(0.52), rel=0.02)


@pytest.mark.parametrize(
    "range_db, weak_peak_reported", [(None, True), (40.0, True), (20.0, False)]
)
def test_spectral_dynamic_range_floors_bands_and_hides_lower_peaks(
    range_db: float | None, weak_peak_reported: bool
) -> None:
    """A 10 Hz tone and a 40 Hz one 30 dB weaker: a 20 dB range floors the upper bands at 2
    decades below the strongest and leaves the weak tone out of the peaks; 40 dB keeps both."""
    sample_rate_hz = 100.0
    t = np.arange(256) / sample_rate_hz
    window = np.sin(2 * np.pi * 10.0 * t) + 10 ** (-30 / 20) * np.sin(2 * np.pi * 40.0 * t)
    params = SPECTRAL.parse_params(
        {
            "filter_type": "none",
            "fft_length": 64,
            "n_power_bands": 4,
            "n_peaks": 2,
            "log_power_range_db": range_db,
        }
    )
    features = SPECTRAL.extract(
        window[None, :, None].astype(np.float32), sample_rate_hz=sample_rate_hz, params=params
    )[0]
    bands, second_peak = features[3:7], features[9:11]
    assert features[7] == pytest.approx(10.0, abs=100.0 / 64 / 2)
    if range_db is None:
        assert bands.min() < bands.max() - 4.0  # leakage far below the tone stays visible
    else:
        assert bands.min() == pytest.approx(bands.max() - range_db / 10.0, abs=1e-5)
    if weak_peak_reported:
        assert second_peak[0] == pytest.approx(40.0, abs=100.0 / 64 / 2)
    else:
        assert second_peak.tolist() == [0.0, 0.0]


def test_spectral_bands_sum_the_welch_spectrum(rng: np.random.Generator) -> None:
    sample_rate_hz, fft_length = 50.0, 32
    windows = rng.standard_normal((3, 160, 2)).astype(np.float32)
    params = SPECTRAL.parse_params(
        {
            "filter_type": "none",
            "fft_length": fft_length,
            "n_power_bands": 5,
            "n_peaks": 1,
            "log_powers": False,
        }
    )
    features = SPECTRAL.extract(windows, sample_rate_hz=sample_rate_hz, params=params)
    features = features.reshape(3, 2, 3 + 5 + 2)
    # scipy's two-sided 'spectrum' Welch is |X|^2 / (sum w)^2; ours is |X|^2 / N.
    window = scipy.signal.get_window("hann", fft_length)
    _, welch = scipy.signal.welch(
        windows.astype(np.float64) - windows.mean(axis=1, keepdims=True),
        window=window,
        nperseg=fft_length,
        noverlap=fft_length // 2,
        detrend=False,
        scaling="spectrum",
        return_onesided=False,
        axis=1,
    )
    ours = welch[:, : fft_length // 2 + 1] * window.sum() ** 2 / fft_length
    np.testing.assert_allclose(features[..., 3:8].sum(-1), ours.sum(axis=1), rtol=1e-4)
    np.testing.assert_allclose(features[..., 3], ours[:, :4].sum(axis=1), rtol=1e-4)


def test_spectral_low_pass_is_scipy_butterworth(rng: np.random.Generator) -> None:
    sample_rate_hz = 100.0
    window = rng.standard_normal((1, 500, 1)).astype(np.float32)
    params = SPECTRAL.parse_params(
        {"filter_type": "low", "filter_cutoff_hz": 10.0, "filter_order": 2, "n_peaks": 0}
    )
    rms = SPECTRAL.extract(window, sample_rate_hz=sample_rate_hz, params=params)[0, 0]
    b, a = scipy.signal.butter(2, 10.0, fs=sample_rate_hz)
    filtered = scipy.signal.lfilter(b, a, window[0, :, 0] - window[0, :, 0].mean())
    assert rms == pytest.approx(np.sqrt(np.mean(filtered**2)), rel=1e-5)
    # A 10 Hz low-pass keeps roughly 10/50 of white noise's power.
    assert 0.3 < rms / window.std() < 0.6


def test_image_grayscale_uses_itu_601_luma() -> None:
    image = np.zeros((1, 8, 8, 3), np.float32)
    image[..., 0] = 255.0
    params = IMAGE.parse_params({"width": 4, "height": 4, "color_mode": "grayscale"})
    features = IMAGE.extract(image, sample_rate_hz=0, params=params)
    assert features.shape == (1, 4, 4, 1)
    np.testing.assert_allclose(features, 0.299, rtol=1e-6)


def test_image_same_size_only_scales(rng: np.random.Generator) -> None:
    images = rng.integers(0, 256, (2, 6, 9, 3)).astype(np.float32)
    features = IMAGE.extract(
        images, sample_rate_hz=0, params=IMAGE.parse_params({"width": 9, "height": 6})
    )
    np.testing.assert_allclose(features, images / 255.0, rtol=1e-6)


@pytest.mark.parametrize("size", [(24, 32), (96, 96), (7, 50)])
def test_image_resize_matches_tensorflow_bilinear(
    size: tuple[int, int], rng: np.random.Generator
) -> None:
    tf = pytest.importorskip("tensorflow")
    images = rng.integers(0, 256, (2, 48, 40, 3)).astype(np.float32)
    params = IMAGE.parse_params({"height": size[0], "width": size[1]})
    ours = IMAGE.extract(images, sample_rate_hz=0, params=params)
    # tf.image.resize bilinear uses half-pixel centres and, without antialias, our 2-tap formula.
    reference = tf.image.resize(images, size, method="bilinear", antialias=False).numpy() / 255.0
    np.testing.assert_allclose(ours, reference, atol=1e-5)
