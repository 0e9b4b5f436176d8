"""Request and response models of training, trained models, model testing, live classification
and downloadable artifacts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.schemas.common import StrictInput, UtcDatetime
from backend.schemas.learning import MAX_SCRIPT_CHARS


class LearningPresetPublic(BaseModel):
    name: str
    description: str
    layers: list[dict[str, Any]] | None = Field(
        description="The preset's layers for the input shape; None when it cannot take it."
    )
    error: str | None = Field(None, description="Why the preset cannot take the input shape.")
    settings: dict[str, float] = Field(
        default_factory=dict,
        description="Training settings (epochs, learning_rate) a learning block with this preset "
        "starts with when it leaves them out.",
    )


class LearningPresetsPublic(BaseModel):
    input_shape: list[int]
    data: list[LearningPresetPublic]


class TrainRequest(StrictInput):
    """Training settings to change before this training (they are saved on the block)."""

    model_config = ConfigDict(extra="forbid")

    settings: dict[str, Any] | None = Field(
        None, description="Any TrainingSettings fields: epochs, learning_rate, batch_size..."
    )


class TestRequest(StrictInput):
    model_config = ConfigDict(extra="forbid")

    uncertain_below: float = Field(
        0.6, ge=0.0, le=1.0, description="A window whose best score is lower is 'uncertain'."
    )


# 60 s of 16 kHz audio, or 100 min of a 3-axis accelerometer at 100 Hz.
MAX_SIGNAL_VALUES = 1_000_000


class SignalIn(StrictInput):
    """A recording to classify without storing it (the browser microphone, a phone's sensors)."""

    model_config = ConfigDict(extra="forbid")

    values: list[Annotated[float, Field(allow_inf_nan=False)]] = Field(
        min_length=1,
        max_length=MAX_SIGNAL_VALUES,
        description="Samples in time order, axes interleaved (length x axes values), in the "
        "units the dataset stores (audio: the int16 range).",
    )
    axes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        min_length=1, max_length=16, description="The name of each axis, as the samples have them."
    )
    frequency_hz: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _whole_frames(self) -> SignalIn:
        if len(self.values) % len(self.axes) != 0:
            raise ValueError(
                f"{len(self.values)} values do not make whole frames of {len(self.axes)} axes"
            )
        return self


class ClassifyRequest(StrictInput):
    """One stored sample (`sample_id`) or one recording (`signal`) to classify."""

    model_config = ConfigDict(extra="forbid")

    sample_id: int | None = Field(None, ge=1, le=2**31 - 1)
    signal: SignalIn | None = None
    uncertain_below: float = Field(0.6, ge=0.0, le=1.0)
    include_windows: bool = Field(
        False,
        description="Also return each window's raw values (what the device's classifier takes), "
        "e.g. to run the WebAssembly build on the same windows.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ClassifyRequest:
        if (self.sample_id is None) == (self.signal is None):
            raise ValueError("give either sample_id or signal, not both and not neither")
        return self


class ScriptPublic(BaseModel):
    learning_block_id: int
    expert: bool = Field(description="True when the script is the user's, not the generated one.")
    input_shape: list[int] | None
    script: str
    expert_mode: Literal["sandboxed", "trusted", "refused"] = Field(
        description="How expert scripts run here: in the bubblewrap sandbox, trusted without it "
        "(MCUFORGE_EXPERT_MODE=trusted), or refused because the sandbox is unavailable."
    )
    expert_mode_note: str = Field(description="One sentence for the script editor on that mode.")


class ScriptUpdate(StrictInput):
    model_config = ConfigDict(extra="forbid")

    script: str = Field(min_length=1, max_length=MAX_SCRIPT_CHARS)


class ArtifactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    trained_model_id: int | None
    job_id: int | None
    kind: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: UtcDatetime


class ArtifactsPublic(BaseModel):
    data: list[ArtifactPublic]
    count: int


class StartingDetector(BaseModel):
    """A trained detector with a Keras file that a detection block may start from."""

    model_id: int
    project_id: int
    project_name: str
    impulse_id: int
    learning_block_id: int
    block_name: str
    labels: list[str]
    created_at: UtcDatetime


class StartingDetectorsPublic(BaseModel):
    data: list[StartingDetector]
    count: int


class TrainedModelPublic(BaseModel):
    """Metrics on the validation windows, float32 and int8 side by side."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    impulse_id: int
    learning_block_id: int
    job_id: int | None
    task: str
    class_names: list[str]
    input_shape: list[int]
    metrics: dict[str, Any] = Field(
        description="float32 and int8: accuracy, loss, confusion_matrix, per_class "
        "(precision, recall, f1); differences = int8 - float32."
    )
    sizes: dict[str, Any] = Field(
        description="float32 and int8: flatbuffer_bytes, weight_bytes, mac_count, arena_bytes "
        "(the TensorFlow Lite Micro arena, for comparison: the SDK's mcuforge tensor arena is "
        "its own figure; null when it could not be measured; arena_note says why)."
    )
    int8_model_bytes: int | None
    mac_count: int | None
    tflm_arena_bytes: int | None = Field(
        description="The int8 model's TensorFlow Lite Micro arena, for comparison; the "
        "deployed SDK uses the mcuforge compiler's own, usually smaller, tensor arena."
    )
    history: list[dict[str, float]]
    training_seconds: float
    learning_block: dict[str, Any]
    tested_at: UtcDatetime | None
    created_at: UtcDatetime
    artifacts: list[ArtifactPublic] = Field(default_factory=list)
    outdated_reason: str | None = Field(
        None,
        description="Why the model is out of date: the input or DSP parameters, or its training "
        "split (samples added, removed, relabelled, moved, cropped), changed since it was "
        "trained; deployment refuses it until the block is trained again. None when current.",
    )
    number_in_project: int = Field(
        0,
        description="1 for the project's first trained model, 2 for its second, ... (ids count "
        "across every project; this counts within the model's project, in training order).",
    )
    dataset_recorded: bool = Field(
        True,
        description="False for a model trained before mcuforge recorded the samples a model "
        "learns from: whether they changed since is unknown (it is not refused for it).",
    )


class TestResultsPublic(BaseModel):
    trained_model_id: int
    tested_at: UtcDatetime
    results: dict[str, Any] = Field(
        description="float32 and int8 metrics on the test split, their differences, and "
        "per-sample results (majority over the sample's windows; 'uncertain' below the threshold); "
        "model_outdated_reason: why the model was out of date when tested, None when it was not."
    )


class DetectedObjectPublic(BaseModel):
    label: str
    x: int = Field(description="Left edge in pixels of the model's input (input_size).")
    y: int = Field(description="Top edge in pixels of the model's input.")
    width: int
    height: int
    score: float = Field(description="The highest probability of the object's cells.")


class BoxPublic(BaseModel):
    label: str
    x: int
    y: int
    width: int
    height: int


class WindowResultPublic(BaseModel):
    window: int
    offset_ms: float
    objects: list[DetectedObjectPublic] | None = Field(
        None, description="Object detection: the objects found in the image."
    )
    scores: dict[str, float] | None = None
    top: str | None = None
    value: float | None = None
    anomaly: float | None = Field(
        None, description="The K-means anomaly block's score, as the deployed library computes it."
    )
    anomalous: bool | None = Field(None, description="anomaly above the block's threshold")


class ClassificationPublic(BaseModel):
    sample_id: int | None = Field(description="None for a recording that was not stored.")
    trained_model_id: int
    label: str | None
    precision: str = Field("int8", description="The int8 model, run on TensorFlow Lite Micro.")
    windows: list[WindowResultPublic]
    top_counts: dict[str, int] = Field(default_factory=dict)
    mean_value: float | None = None
    anomaly_threshold: float | None = Field(
        None, description="The anomaly block's threshold, when the impulse has a trained one."
    )
    anomaly_note: str | None = Field(
        None, description="Why no anomaly scores are given although the impulse has the block."
    )
    raw_windows: list[list[float]] | None = Field(
        None, description="With include_windows: each window's values, axes interleaved."
    )
    raw_windows_note: str | None = Field(
        None, description="Why include_windows returned no raw windows (too many values)."
    )
    objects: list[DetectedObjectPublic] | None = Field(
        None,
        description="Object detection: the objects the int8 model finds in the image, decoded "
        "as the deployed SDK decodes them.",
    )
    boxes: list[BoxPublic] | None = Field(
        None, description="Object detection on a stored sample: its labelled boxes."
    )
    input_size: list[int] | None = Field(
        None,
        description="Object detection: [width, height] of the model's input, the pixels of "
        "`objects` and `boxes` (the image is resized to it whole).",
    )
    threshold: float | None = Field(
        None, description="Object detection: the probability a cell needs to be an object."
    )
