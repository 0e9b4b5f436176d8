"""The `deployment.build` job: load the impulse's trained model, build the target, store the file
as an artifact of the job (listed and downloadable from the deployment API)."""

from __future__ import annotations

from typing import Any

from backend.db.models import Impulse
from backend.db.session import get_sessionmaker
from deploy_targets.sdk import SdkError
from worker.deployment.build import build_library
from worker.deployment.inputs import (
    DeploymentNotReady,
    DeploymentUnsupported,
    anomaly_export,
    deployment_inputs,
    model_file,
)
from worker.deployment.params import BuildDeploymentParams
from worker.deployment.targets import TARGETS, precision_refusal, unavailable_reason
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext
from worker.training.artifacts import new_artifact

ARTIFACT_KIND_PREFIX = "deploy-"
# Library targets: the trained model's artifact kind the library compiles, by precision.
LIBRARY_MODELS = {"int8": "tflite-int8", "float32": "tflite-float32"}
# Model-file targets: the trained model's artifact kind and the extension of the download.
MODEL_FILES = {
    "tflite-int8": ("tflite-int8", "int8.tflite"),
    "tflite-float32": ("tflite-float32", "float32.tflite"),
    "savedmodel": ("savedmodel-zip", "savedmodel.zip"),
}


def run_build_deployment(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build `target` for the impulse and store it; refusals are JobInputError with the reason."""
    checked = BuildDeploymentParams.model_validate(params)
    target = TARGETS[checked.target]
    refusal = precision_refusal(target.name, checked.precision) or unavailable_reason(target.name)
    if refusal is not None:
        raise JobInputError(refusal)
    steps_total = 5.0
    done = [0.0]

    def step(message: str) -> None:
        context.log(message)
        done[0] += 1
        context.progress(min(done[0], steps_total - 1), steps_total)

    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, checked.impulse_id)
        if impulse is None:
            raise JobInputError(f"impulse {checked.impulse_id} no longer exists")
        try:
            inputs = deployment_inputs(session, impulse, library=target.library)
            if target.library:
                model_bytes = model_file(session, inputs.model, LIBRARY_MODELS[checked.precision])
                anomaly = anomaly_export(session, inputs.anomaly_model)
            else:
                kind, suffix = MODEL_FILES[target.name]
                model_bytes = model_file(session, inputs.model, kind)
                anomaly = None
        except (DeploymentNotReady, DeploymentUnsupported) as error:
            raise JobInputError(str(error)) from None
        project_id = impulse.project_id
    for note in inputs.notes:
        context.log(note)
    context.log(f"Model {inputs.model.id} ({', '.join(inputs.labels)}) -> {target.title}")

    if target.library:
        try:
            built = build_library(
                target.name, inputs, model_bytes, anomaly, step, precision=checked.precision
            )
        except SdkError as error:
            raise JobInputError(str(error)) from None
        file_name, data = built.file_name, built.data
    else:
        file_name, data = f"{inputs.impulse.identifier}-{suffix}", model_bytes

    with get_sessionmaker()() as session:
        artifact = new_artifact(
            project_id=project_id,
            kind=ARTIFACT_KIND_PREFIX + target.name,
            file_name=file_name,
            data=data,
            job_id=context.job_id,
        )
        session.add(artifact)
        session.commit()
        artifact_id = artifact.id
    context.progress(steps_total, steps_total)
    context.log(f"Stored {file_name} ({len(data)} bytes) as artifact {artifact_id}")
    return {
        "artifact_id": artifact_id,
        "file_name": file_name,
        "size_bytes": len(data),
        "target": target.name,
        "precision": checked.precision,
        "trained_model_id": inputs.model.id,
    }
