"""What a deployment is built from: the impulse's window and DSP block, its latest trained
classifier or regression model (fresh: trained on the features the impulse makes now) and
anomaly block, if any; and why the libraries refuse an impulse (library_refusal)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Impulse, Project, TrainedModel
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkError
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
    """The learning block a deployment runs: the first classifier or regression block."""
    networks = _blocks_of(impulse, ("classifier", "regression"))
    return networks[0] if networks else None


def _time_series_specs(
    impulse: Impulse, block: dict[str, Any], name: str
) -> tuple[ImpulseSpec, list[DspSpec]]:
    """The raw window and the DSP blocks `block` reads, as the SDK generator sees them."""
    try:
        window = input_block_of(impulse)
        configs = {c.block_id: c for c in block_configs(impulse)}
        spec = ImpulseSpec(name, window.axes, window.frequency_hz, window.window_length)
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


def library_refusal(impulse: Impulse) -> str | None:
    """Why the C++ SDK, Arduino and WebAssembly builds refuse this impulse, or None when they
    take it. The build asks this very function first (deployment_inputs with library=True), and
    the targets and estimates show its answer, so they cannot disagree with the build. Whether
    a model is trained is not asked here: that is something to do first (409), not a refusal."""
    block = _network_block(impulse)
    if block is None:
        return None
    if is_image_impulse(impulse):
        return (
            "the C++ SDK generates time-series impulses; image impulses can be downloaded "
            "as .tflite models"
        )
    try:
        spec, dsp_specs = _time_series_specs(impulse, block, "impulse")
        check_dsp_blocks(spec, dsp_specs)
    except DeploymentUnsupported as error:
        return str(error)
    except SdkError as error:
        return str(error)
    return None


def deployment_inputs(session: Session, impulse: Impulse, *, library: bool) -> DeploymentInputs:
    """Everything the build needs, or DeploymentNotReady / DeploymentUnsupported naming what is
    missing. `library`: a C++/Arduino/WASM target (see library_refusal)."""
    refusal = library_refusal(impulse) if library else None
    if refusal is not None:
        raise DeploymentUnsupported(refusal)
    block = _network_block(impulse)
    if block is None:
        raise DeploymentNotReady(
            f"impulse {impulse.id} has no classifier or regression learning block; add one and "
            "train it"
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

    if is_image_impulse(impulse):
        return DeploymentInputs(name, ImpulseSpec(name, ("image",), 1.0, 1), [], [], model,
                                None, notes)
    spec, dsp_specs = _time_series_specs(impulse, block, name)
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
