"""MFCC, MFE and spectrogram agree with librosa configured the same way, and keep invariants.

Settings shared with librosa: periodic Hann window, HTK mel formula without filter normalisation
(htk=True, norm=None), orthonormal DCT-II, center=False. Our power spectrum is |FFT|^2 / n_fft, so
librosa's power is divided by n_fft. librosa frames n_fft samples and centres a shorter window in
them; padding the signal by that offset makes its frames start where ours do.
"""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import scipy.signal

from dsp_blocks.mfcc import MFCC
from dsp_blocks.mfe import MFE
from dsp_blocks.spectrogram import SPECTROGRAM

SAMPLE_RATE_HZ = 16000


def _librosa_mel_power(
    signal: np.ndarray, *, frame: int, hop: int, n_fft: int, n_mels: int, fmin: float, fmax: float
) -> np.ndarray:
    offset = (n_fft - frame) // 2
    padded = np.concatenate(
        [np.zeros(offset, np.float32), signal, np.zeros(n_fft - frame - offset, np.float32)]
    )
    mel = librosa.feature.melspectrogram(
        y=padded,
        sr=SAMPLE_RATE_HZ,
        n_fft=n_fft,
        hop_length=hop,
        win_length=frame,
        window="hann",
        center=False,
        power=2.0,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        htk=True,
        norm=None,
    )
    return mel / n_fft


MFCC_SETTINGS = [
    {"n_coefficients": 13, "n_filters": 32, "frame_length_s": 0.02, "frame_stride_s": 0.02},
    {
        "n_coefficients": 20,
        "n_filters": 40,
        "frame_length_s": 0.025,
        "frame_stride_s": 0.01,
        "low_frequency_hz": 50.0,
        "high_frequency_hz": 7000.0,
        "fft_length": 1024,
    },
]


@pytest.mark.parametrize("settings", MFCC_SETTINGS, ids=["defaults", "custom"])
@pytest.mark.parametrize("clip_name", ["yes_1000ms", "no_1000ms", "marvin_617de221_0"])
def test_mfcc_matches_librosa(
    settings: dict[str, float], clip_name: str, audio_clips: dict[str, np.ndarray]
) -> None:
    clip = audio_clips[clip_name]
    params = MFCC.parse_params({**settings, "pre_emphasis": 0.97, "normalization_window_frames": 0})
    ours = MFCC.extract(clip[None, :, None], sample_rate_hz=SAMPLE_RATE_HZ, params=params)[0]

    frame = round(params.frame_length_s * SAMPLE_RATE_HZ)
    n_fft = params.fft_length or 512
    emphasised = scipy.signal.lfilter([1.0, -0.97], [1.0], clip).astype(np.float32)
    mel = _librosa_mel_power(
        emphasised,
        frame=frame,
        hop=round(params.frame_stride_s * SAMPLE_RATE_HZ),
        n_fft=n_fft,
        n_mels=params.n_filters,
        fmin=params.low_frequency_hz,
        fmax=params.high_frequency_hz or SAMPLE_RATE_HZ / 2,
    )
    reference = librosa.feature.mfcc(
        S=librosa.power_to_db(mel, amin=1e-10, top_db=None),
        n_mfcc=params.n_coefficients,
        dct_type=2,
        norm="ortho",
    ).T

    assert ours.shape == reference.shape
    # float32 FFTs of different algorithms: agreement to 0.01 dB-scale units on values of ~100s.
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-2)


# How audio reaches the blocks: a WAV upload in the 16-bit range with the default full scale,
# or float audio in [-1, 1] with a full scale of 1. Both are the same sound, the same features.
AUDIO_UNITS = {"16-bit": (32768.0, {}), "float": (1.0, {"full_scale": 1.0})}


@pytest.mark.parametrize("units", AUDIO_UNITS)
@pytest.mark.parametrize("n_filters", [32, 40, 64])
@pytest.mark.parametrize("noise_floor_db", [-52.0, -80.0])
def test_mfe_matches_librosa(
    n_filters: int, noise_floor_db: float, units: str, audio_clips: dict[str, np.ndarray]
) -> None:
    """Energies in dB relative to full scale, 0 at the noise floor and 1 at +12 dBFS."""
    clip = audio_clips["yes_1000ms"]
    scale, full_scale = AUDIO_UNITS[units]
    params = MFE.parse_params(
        {"n_filters": n_filters, "noise_floor_db": noise_floor_db, **full_scale}
    )
    samples = (clip * np.float32(scale))[None, :, None]
    ours = MFE.extract(samples, sample_rate_hz=SAMPLE_RATE_HZ, params=params)[0]

    mel = _librosa_mel_power(
        clip, frame=320, hop=160, n_fft=512, n_mels=n_filters, fmin=0, fmax=8000
    )
    mel_db = librosa.power_to_db(mel, amin=1e-10, top_db=None).T
    reference = np.clip((mel_db - noise_floor_db) / (12.0 - noise_floor_db), 0.0, 1.0)

    assert ours.shape == reference.shape == (99, n_filters)
    assert 0.05 < ours.mean() < 0.95
    np.testing.assert_allclose(ours, reference, atol=1e-4)


@pytest.mark.parametrize("units", AUDIO_UNITS)
def test_spectrogram_matches_scipy_periodogram(
    units: str, audio_clips: dict[str, np.ndarray]
) -> None:
    clip = audio_clips["yes_1000ms"]
    scale, full_scale = AUDIO_UNITS[units]
    params = SPECTROGRAM.parse_params({"fft_length": 512, **full_scale})
    samples = (clip * np.float32(scale))[None, :, None]
    ours = SPECTROGRAM.extract(samples, sample_rate_hz=SAMPLE_RATE_HZ, params=params)
    stft = librosa.stft(
        np.concatenate([np.zeros(96, np.float32), clip, np.zeros(96, np.float32)]),
        n_fft=512,
        hop_length=160,
        win_length=320,
        window="hann",
        center=False,
    )
    power_db = librosa.power_to_db(np.abs(stft) ** 2 / 512, amin=1e-10, top_db=None).T
    reference = np.clip((power_db + 52.0) / 64.0, 0.0, 1.0)
    assert 0.05 < ours.mean() < 0.95
    np.testing.assert_allclose(ours[0], reference, atol=1e-4)


@pytest.mark.parametrize("block", [MFCC, MFE, SPECTROGRAM], ids=lambda b: b.name)
@pytest.mark.parametrize("sample_rate_hz", [8000, 16000])
@pytest.mark.parametrize("window_length", [4000, 16000])
def test_output_shape_matches_extract(
    block: object, sample_rate_hz: int, window_length: int, rng: np.random.Generator
) -> None:
    params = block.default_params()  # type: ignore[attr-defined]
    windows = rng.standard_normal((3, window_length, 1)).astype(np.float32)
    features = block.extract(windows, sample_rate_hz=sample_rate_hz, params=params)  # type: ignore[attr-defined]
    shape = block.output_shape(  # type: ignore[attr-defined]
        params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=1
    )
    assert features.shape == (3, *shape)
    assert features.dtype == np.float32
    assert np.isfinite(features).all()


@pytest.mark.parametrize("block", [MFE, SPECTROGRAM], ids=lambda b: b.name)
def test_silence_is_the_floor_and_loud_is_in_range(block: object, rng: np.random.Generator) -> None:
    """With the defaults, full-scale noise in the 16-bit range (how a WAV upload is stored) is
    loud but not saturated: not every feature is 1."""
    params = block.default_params()  # type: ignore[attr-defined]
    silence = np.zeros((1, 16000, 1), np.float32)
    loud = rng.uniform(-32768, 32767, (2, 16000, 1)).astype(np.float32)
    features = block.extract(np.concatenate([silence, loud]), sample_rate_hz=16000, params=params)  # type: ignore[attr-defined]
    assert (features[0] == 0.0).all()
    assert features.min() >= 0.0 and features.max() <= 1.0
    assert 0.3 < features[1:].mean() < 0.95
    assert (features[1:] < 1.0).mean() > 0.5


def test_mfcc_of_silence_is_the_floor_and_dc_goes_to_c0() -> None:
    params = MFCC.parse_params({"normalization_window_frames": 0, "pre_emphasis": 0.0})
    silence = MFCC.extract(
        np.zeros((1, 16000, 1), np.float32), sample_rate_hz=16000, params=params
    )[0]
    # -100 dB in every filter: only c0 is non-zero, -100 * sqrt(n_filters).
    np.testing.assert_allclose(silence[:, 0], -100.0 * np.sqrt(32), rtol=1e-5)
    np.testing.assert_allclose(silence[:, 1:], 0.0, atol=1e-3)


def test_mfcc_normalization_centres_each_coefficient(rng: np.random.Generator) -> None:
    params = MFCC.parse_params({"normalization_window_frames": 201})
    windows = (rng.standard_normal((2, 16000, 1)) * 0.1).astype(np.float32)
    features = MFCC.extract(windows, sample_rate_hz=16000, params=params)
    # A window wider than the clip covers every frame (mirrored), so the mean over frames is ~0.
    plain = MFCC.extract(
        windows,
        sample_rate_hz=16000,
        params=params.model_copy(update={"normalization_window_frames": 0}),
    )
    assert np.abs(plain.mean(axis=1)).max() > 1.0
    assert np.abs(features.mean(axis=1)).max() < 0.5


@pytest.mark.parametrize("amplitude", [0.1, 0.9])
@pytest.mark.parametrize("sample_rate_hz", [8000, 16000])
def test_dc_lands_in_the_first_bins_only(amplitude: float, sample_rate_hz: int) -> None:
    # A 256-sample frame with a 256-point FFT: a periodic Hann window turns DC into bins 0 and 1.
    frame_s = 256 / sample_rate_hz
    params = SPECTROGRAM.parse_params(
        {"frame_length_s": frame_s, "frame_stride_s": frame_s / 2, "fft_length": 256,
         "full_scale": 1.0}
    )
    dc = np.full((1, sample_rate_hz // 2, 1), amplitude, np.float32)
    features = SPECTROGRAM.extract(dc, sample_rate_hz=sample_rate_hz, params=params)[0]
    assert (features[:, 0] > 0.5).all() and (features[:, 1] > 0.5).all()
    assert (features[:, 0] > features[:, 1]).all()
    assert (features[:, 2:] == 0.0).all()  # at the noise floor

    mfe = MFE.extract(dc, sample_rate_hz=sample_rate_hz, params=MFE.parse_params({"full_scale": 1.0}))[0]
    assert (mfe.argmax(axis=1) == 0).all()
