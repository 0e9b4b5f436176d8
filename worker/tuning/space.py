"""The search space per data kind, derived from the impulse's input block: which DSP block and
parameters, which network (a preset family with width and depth multipliers, kernel size,
dropout) and which learning rate a trial tries.

Every choice is suggested through an Optuna trial, define-by-run, so TPE and NSGA-II learn which
values do well; parameter names are stable across trials (`audio.frame_length_s`, ...).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, Protocol

DataKind = Literal["audio", "motion", "image"]
AUDIO_DSP = ("mfcc", "mfe", "spectrogram")
MOTION_DSP = ("spectral", "raw", "flatten")
# An input at this rate or above with one axis is sound, whatever DSP block it has now.
AUDIO_MIN_RATE_HZ = 4000.0


class Suggester(Protocol):
    """The part of optuna.Trial the space uses (a fake in unit tests, Optuna's trial otherwise)."""

    def suggest_categorical(self, name: str, choices: Any) -> Any: ...

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float: ...


@dataclass(frozen=True)
class NetworkChoice:
    """A network: a preset family and how it is scaled."""

    family: str  # conv1d | conv2d | ds_cnn | dense | mobilenet
    width: float  # multiplies every layer's filters or units
    depth: int  # convolution / dense / separable blocks
    kernel_size: int
    dropout: float

    def describe(self) -> str:
        kernel = f", kernel {self.kernel_size}" if self.family in ("conv1d", "conv2d") else ""
        return (
            f"{self.family} ×{self.width:g} width, {self.depth} block"
            f"{'s' if self.depth != 1 else ''}{kernel}, dropout {self.dropout:g}"
        )


@dataclass(frozen=True)
class ImpulseNetwork:
    """The current impulse's own network: its learning block's layers, or its preset (or the
    default one for its DSP block), resolved for the features' shape as training resolves it."""

    dsp_type: str
    preset: str | None = None
    layers: tuple[dict[str, Any], ...] = ()

    family: ClassVar[str] = "impulse"

    def describe(self) -> str:
        if self.layers:
            return f"the impulse's network ({len(self.layers)} layers)"
        return f"the impulse's network (preset {self.preset or 'default for ' + self.dsp_type})"


@dataclass(frozen=True)
class TrialConfig:
    """What one trial builds: one DSP block, one network, one learning rate. `current_impulse`:
    the search's baseline, the impulse's own configuration rather than a point of the space."""

    dsp_type: str
    dsp_params: dict[str, Any]
    network: NetworkChoice | ImpulseNetwork
    learning_rate: float
    kind: DataKind = "motion"
    notes: tuple[str, ...] = field(default=())
    current_impulse: bool = False

    def as_json(self) -> dict[str, Any]:
        network = {**asdict(self.network), "family": self.network.family}
        if isinstance(self.network, ImpulseNetwork):
            network["layers"] = list(self.network.layers)
        return {
            "kind": self.kind,
            "dsp": {"type": self.dsp_type, "params": dict(self.dsp_params)},
            "network": {**network, "description": self.network.describe()},
            "learning_rate": self.learning_rate,
            "current_impulse": self.current_impulse,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialConfig:
        fields = {k: v for k, v in data["network"].items() if k != "description"}
        network: NetworkChoice | ImpulseNetwork
        if fields.get("family") == ImpulseNetwork.family:
            network = ImpulseNetwork(
                str(fields["dsp_type"]), fields.get("preset"), tuple(fields.get("layers") or ())
            )
        else:
            network = NetworkChoice(**fields)
        return cls(
            dsp_type=str(data["dsp"]["type"]),
            dsp_params=dict(data["dsp"]["params"]),
            network=network,
            learning_rate=float(data["learning_rate"]),
            kind=data.get("kind", "motion"),
            current_impulse=bool(data.get("current_impulse", False)),
        )


def data_kind(input_block: dict[str, Any], dsp_types: list[str]) -> DataKind:
    """image for an image input block; audio for one axis at audio rates (or an audio DSP block
    already); motion (any other time series) otherwise."""
    if input_block.get("type") == "image":
        return "image"
    axes = input_block.get("axes") or []
    rate = float(input_block.get("frequency_hz") or 0.0)
    if any(t in AUDIO_DSP for t in dsp_types) or (len(axes) == 1 and rate >= AUDIO_MIN_RATE_HZ):
        return "audio"
    return "motion"


def _next_power_of_two(n: int) -> int:
    power = 1
    while power < n:
        power *= 2
    return power


def suggest_audio_dsp(trial: Suggester, rate_hz: float) -> tuple[str, dict[str, Any]]:
    dsp_type = trial.suggest_categorical("audio.dsp", list(AUDIO_DSP))
    # Longer strides and shorter frames are what make the DSP cheap on the board (most of a
    # keyword impulse's latency): the space reaches below the blocks' defaults (25 ms / 20 ms).
    frame_length_s = trial.suggest_categorical("audio.frame_length_s", [0.016, 0.02, 0.025, 0.032])
    frame_stride_s = trial.suggest_categorical("audio.frame_stride_s", [0.016, 0.02, 0.032, 0.04])
    # FFT at least one frame long: 1x or 2x the next power of two.
    oversampling = trial.suggest_categorical("audio.fft_oversampling", [1, 2])
    frame_samples = max(4, int(round(frame_length_s * rate_hz)))
    params: dict[str, Any] = {
        "frame_length_s": frame_length_s,
        "frame_stride_s": frame_stride_s,
        # At least 256 bins' worth: the narrow low mel filters need that resolution.
        "fft_length": max(256, _next_power_of_two(frame_samples)) * oversampling,
    }
    if dsp_type in ("mfcc", "mfe"):
        nyquist = rate_hz / 2
        params["n_filters"] = trial.suggest_categorical("audio.n_filters", [20, 32, 40])
        params["low_frequency_hz"] = trial.suggest_categorical(
            "audio.low_frequency_hz", [0.0, 20.0, 80.0, 300.0]
        )
        high_fraction = trial.suggest_categorical("audio.high_frequency_fraction", [1.0, 0.75, 0.5])
        # 0 means the Nyquist frequency to the blocks.
        params["high_frequency_hz"] = 0.0 if high_fraction == 1.0 else nyquist * high_fraction
    if dsp_type == "mfcc":
        params["n_coefficients"] = trial.suggest_categorical("audio.n_coefficients", [8, 10, 13])
        # Searched, not fixed: dividing by the standard deviation costs the board about 14x
        # the rest of the MFCC (335 vs 24 ms per second of 16 kHz audio on nano33ble).
        params["normalize_variance"] = trial.suggest_categorical(
            "audio.normalize_variance", [False, True]
        )
    return dsp_type, params


def fft_lengths(window_samples: int) -> list[int]:
    """The spectral block's FFT lengths that fit a window (it refuses longer ones)."""
    fitting = [n for n in (8, 16, 32, 64, 128, 256) if n <= window_samples]
    return fitting[-4:] or [4]


def suggest_motion_dsp(
    trial: Suggester, rate_hz: float, window_samples: int = 256
) -> tuple[str, dict[str, Any]]:
    dsp_type = trial.suggest_categorical("motion.dsp", list(MOTION_DSP))
    if dsp_type != "spectral":
        return dsp_type, {}
    nyquist = rate_hz / 2
    filter_type = trial.suggest_categorical("motion.filter_type", ["none", "low", "high"])
    params: dict[str, Any] = {
        "filter_type": filter_type,
        # The choices depend on the window only, which is the same for every trial of a search.
        "fft_length": trial.suggest_categorical("motion.fft_length", fft_lengths(window_samples)),
        "n_power_bands": trial.suggest_categorical("motion.n_power_bands", [2, 4, 8, 16]),
        "n_peaks": trial.suggest_categorical("motion.n_peaks", [0, 3]),
    }
    # More bands than FFT bins is refused by the block: as many bands as bins instead.
    params["n_power_bands"] = min(params["n_power_bands"], params["fft_length"] // 2 + 1)
    if filter_type != "none":
        # As a share of Nyquist, so the range is valid at any rate.
        share = trial.suggest_float("motion.filter_cutoff_share", 0.05, 0.8)
        params["filter_cutoff_hz"] = round(share * nyquist, 3)
    return dsp_type, params


def suggest_image_dsp(trial: Suggester) -> tuple[str, dict[str, Any]]:
    side = trial.suggest_categorical("image.resolution", [32, 48, 64, 96])
    color = trial.suggest_categorical("image.color_mode", ["grayscale", "rgb"])
    return "image", {"width": side, "height": side, "color_mode": color}


def suggest_network(trial: Suggester, kind: DataKind) -> NetworkChoice:
    families = {
        "audio": ["conv1d", "conv2d", "ds_cnn"],
        "motion": ["dense", "conv1d"],
        "image": ["mobilenet"],
    }[kind]
    family = trial.suggest_categorical(f"{kind}.network", families)
    width = trial.suggest_categorical("network.width", [0.5, 1.0, 2.0])
    depth = trial.suggest_categorical("network.depth", [1, 2, 3])
    # Only the plain convolutions take the trial's kernel (DS-CNN and MobileNet keep 3x3).
    kernel_size = (
        trial.suggest_categorical("network.kernel_size", [3, 5])
        if family in ("conv1d", "conv2d")
        else 3
    )
    dropout = trial.suggest_float("network.dropout", 0.0, 0.5, step=0.05)
    return NetworkChoice(family, float(width), int(depth), int(kernel_size), round(dropout, 2))


def suggest_config(
    trial: Suggester, kind: DataKind, rate_hz: float, window_samples: int = 256
) -> TrialConfig:
    """One point of the search space for data of `kind` sampled at `rate_hz` in windows of
    `window_samples`."""
    if kind == "audio":
        dsp_type, params = suggest_audio_dsp(trial, rate_hz)
    elif kind == "image":
        dsp_type, params = suggest_image_dsp(trial)
    else:
        dsp_type, params = suggest_motion_dsp(trial, rate_hz, window_samples)
    network = suggest_network(trial, kind)
    learning_rate = trial.suggest_float("learning_rate", 5e-4, 2e-2, log=True)
    return TrialConfig(dsp_type, params, network, float(learning_rate), kind)
