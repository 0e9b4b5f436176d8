"""What a deployment is built from: the impulse's window and DSP block, its latest trained
classifier, regression or object-detection model (fresh: trained on the features the impulse makes now) and
anomaly block, if any; and why the libraries refuse an impulse (library_refusal)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Impulse, Project, Sample, TrainedModel
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkError, image_impulse
from deploy_targets.sdk.spec import check_dsp_blocks
from worker.features.job import block_configs, input_block_of, is_image_impulse
from worker.job_errors import JobInputError
from worker.training.inputs import features_problem
from worker.training.model_staleness import model_staleness
from worker.training.test_job import latest_model


class DeploymentNotReady(Exception):
    """Something must happen first (train, generate features again); the message says what."""


class DeploymentUnsupported(Exception):
    """The impulse or request cannot be deployed to the target; the message says why."""


@dataclass
class DeploymentInputs:
    project_name: str
    impulse: ImpulseSpec
    dsp_blocks: list[DspSpec]
    labels: list[str]
    model: TrainedModel
    anomaly_model: TrainedModel | None
    notes: list[str] = field(default_factory=list)


def _blocks_of(impulse: Impulse, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return [dict(b) for b in impulse.learning_blocks or [] if b.get("type") in kinds]


def _check_fresh(session: Session, impulse: Impulse, block: dict[str, Any],
                 model: TrainedModel) -> None:
    """The model was trained on the features the impulse makes now, from the samples it has now.
    A model trained before models recorded their samples passes: see ModelStaleness."""
    staleness = model_staleness(session, impulse, model, block["dsp_blocks"])
    if staleness.parameters_changed:
        dsp_ids = ", ".join(str(i) for i in block["dsp_blocks"])
        plural = "s" if len(block["dsp_blocks"]) > 1 else ""
        raise DeploymentNotReady(
            f"the model of learning block {block['id']} was trained on features of DSP block"
            f"{plural} {dsp_ids} that are stale: the input or DSP block parameters changed since "
            "training; generate features and train again"
        )
    problem = features_problem(session, impulse, block)
    if problem is not None:
        raise DeploymentNotReady(f"{problem}, then train again")
    if staleness.outdated:  # features regenerated from changed samples; the model is older
        raise DeploymentNotReady(
            f"the model of learning block {block['id']} is out of date: {staleness.reason()}; "
            "train it again"
        )


def _network_block(impulse: Impulse) -> dict[str, Any] | None:
    """The learning block a deployment runs: the first classifier, regression or object-detection
    block."""
    networks = _blocks_of(impulse, ("classifier", "regression", "object_detection"))
    return networks[0] if networks else None


def image_input_shape(session: Session, impulse: Impulse) -> tuple[int, int, int]:
    """(height, width, channels) of the frames an image impulse's library takes: the most common
    size of the project's images (ties: the first uploaded), which its DSP was run on; the DSP
    resizes that frame to the impulse's size as it did the training images."""
    shapes = session.execute(
        select(Sample.shape)
        .where(Sample.project_id == impulse.project_id, Sample.kind == "image")
        .order_by(Sample.id)
    ).scalars()
    counts: dict[tuple[int, ...], int] = {}
    for shape in shapes:
        key = tuple(int(size) for size in shape)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        raise DeploymentNotReady(
            f"project {impulse.project_id} has no images; upload images and train first"
        )
    most = max(counts.values())
    height, width, channels = next(s for s, n in counts.items() if n == most)
    return height, width, channels


def _impulse_specs(
    session: Session, impulse: Impulse, block: dict[str, Any], name: str
) -> tuple[ImpulseSpec, list[DspSpec]]:
    """The input (the raw window, or an image impulse's frame) and the DSP blocks `block`
    reads, as the SDK generator sees them."""
    try:
        if is_image_impulse(impulse):
            spec = image_impulse(name, *image_input_shape(session, impulse))
        else:
            window = input_block_of(impulse)
            spec = ImpulseSpec(name, window.axes, window.frequency_hz, window.window_length)
        configs = {c.block_id: c for c in block_configs(impulse)}
    except (ValueError, JobInputError, SdkError) as error:
        raise DeploymentUnsupported(f"the impulse's input block: {error}") from None
    dsp_specs = []
    for dsp_id in block["dsp_blocks"]:
        config = configs[int(dsp_id)]
        axes = config.axis_indices
        if axes is not None and list(axes) == list(range(len(spec.axes))):
            axes = None  # every axis in order: no gathering needed on the device
        dsp_specs.append(DspSpec(config.block_type, dict(config.params), axes))
    return spec, dsp_specs


def library_refusal(session: Session, impulse: Impulse) -> str | None:
    """Why the C++ SDK, Arduino and WebAssembly builds refuse this impulse, or None when they
    take it. The build asks this very function first (deployment_inputs with library=True), and
    the targets and estimates show its answer, so they cannot disagree with the build. Whether
    a model is trained (or images uploaded) is not asked here: that is something to do first
    (409), not a refusal."""
    block = _network_block(impulse)
    if block is None:
        return None
    try:
        spec, dsp_specs = _impulse_specs(session, impulse, block, "impulse")
        check_dsp_blocks(spec, dsp_specs)
    except DeploymentNotReady:
        return None
    except (DeploymentUnsupported, SdkError) as error:
        return str(error)
    return None


def deployment_inputs(session: Session, impulse: Impulse, *, library: bool) -> DeploymentInputs:
    """Everything the build needs, or DeploymentNotReady / DeploymentUnsupported naming what is
    missing. `library`: a C++/Arduino/WASM target (see library_refusal)."""
    refusal = library_refusal(session, impulse) if library else None
    if refusal is not None:
        raise DeploymentUnsupported(refusal)
    block = _network_block(impulse)
    if block is None:
        raise DeploymentNotReady(
            f"impulse {impulse.id} has no classifier, regression or object_detection learning "
            "block; add one and train it"
        )
    model = latest_model(session, impulse.id, int(block["id"]))
    if model is None:
        raise DeploymentNotReady(
            f"learning block {block['id']} of impulse {impulse.id} has no trained model; "
            "train it first"
        )
    _check_fresh(session, impulse, block, model)
    project = session.get(Project, impulse.project_id)
    name = project.name if project is not None else f"project {impulse.project_id}"

    notes: list[str] = []
    anomaly_model = None
    for anomaly_block in _blocks_of(impulse, ("anomaly",)):
        if block["type"] == "object_detection":
            # K-means scores a feature vector; a detector's answer is per cell, not per image.
            notes.append(
                f"anomaly block {anomaly_block['id']} is left out: the library runs the object "
                "detector, whose answer is a list of objects, not one feature vector to score"
            )
            break
        candidate = latest_model(session, impulse.id, int(anomaly_block["id"]))
        if candidate is None:
            notes.append(f"anomaly block {anomaly_block['id']} is not trained; left out")
        elif list(anomaly_block["dsp_blocks"]) != list(block["dsp_blocks"]):
            notes.append(
                f"anomaly block {anomaly_block['id']} uses other DSP blocks than the "
                f"{block['type']} block; the library scores anomalies on its features only; "
                "left out"
            )
        else:
            # Its features are the classifier's, checked above; the model may still be older.
            staleness = model_staleness(session, impulse, candidate, anomaly_block["dsp_blocks"])
            if staleness.outdated:
                raise DeploymentNotReady(
                    f"the model of anomaly block {anomaly_block['id']} is out of date: "
                    f"{staleness.reason()}; train it again"
                )
            anomaly_model = candidate
        break

    try:
        spec, dsp_specs = _impulse_specs(session, impulse, block, name)
    except DeploymentUnsupported:
        if is_image_impulse(impulse) and not library:  # the model file needs no frame size
            return DeploymentInputs(name, ImpulseSpec(name, ("image",), 1.0, 1), [],
                                    list(model.class_names), model, None, notes)
        raise
    return DeploymentInputs(name, spec, dsp_specs, list(model.class_names), model,
                            anomaly_model, notes)


def model_file(session: Session, model: TrainedModel, kind: str) -> bytes:
    """One file of a trained model (tflite-int8, tflite-float32, savedmodel-zip, ...)."""
    data = session.scalar(
        select(Artifact.data).where(Artifact.trained_model_id == model.id, Artifact.kind == kind)
    )
    if data is None:
        raise DeploymentNotReady(f"model {model.id} has no {kind} file; train it again")
    return bytes(data)


def anomaly_export(session: Session, model: TrainedModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    exported: dict[str, Any] = json.loads(model_file(session, model, "anomaly-model-json"))
    return exported
