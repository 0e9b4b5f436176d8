"""Settings and request bodies take values as their JSON type says: `true` is not 1, "5" is not
5 and 1.5 is not an integer, while a whole number is still a float and stored payloads (arrays
for tuples, strings for enums) still validate.

Every numeric, boolean and list-of-number field of every request model (every StrictInput
subclass), training, augmentation and anomaly settings, network layer and DSP block parameters
is checked, found by walking the models' fields, so a field added later is checked too.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

import backend.schemas.api_keys
import backend.schemas.auth
import backend.schemas.deployment
import backend.schemas.device_tests
import backend.schemas.dsp_blocks
import backend.schemas.impulses
import backend.schemas.jobs
import backend.schemas.learning
import backend.schemas.members
import backend.schemas.project
import backend.schemas.sample
import backend.schemas.training  # noqa: F401  (registers every StrictInput subclass)
from backend.app import create_app
from backend.schemas.common import StrictInput
from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import BLOCKS
from tests.utils.api import create_project
from worker.learning import layers
from worker.learning.anomaly import AnomalySettings
from worker.learning.blocks import LearningBlockSpec
from worker.learning.settings import AugmentationSettings, TrainingSettings

# The smallest valid body of each request model, as JSON brings it (enums as strings).
REQUEST_PAYLOADS: dict[str, dict[str, Any]] = {
    "ProjectCreate": {"name": "p"},
    "ProjectUpdate": {},
    "MemberAdd": {"user": "bob", "role": "editor"},
    "MemberUpdate": {"role": "viewer"},
    "OwnershipTransfer": {"user_id": 2},
    "ApiKeyCreate": {"name": "k", "scope": "read-only"},
    "SignUp": {"username": "bob", "email": "bob@example.org", "password": "long enough"},
    "SignIn": {"username": "bob", "password": "x"},
    "PasswordChange": {"current_password": "x", "new_password": "long enough"},
    "TokenCreate": {"name": "t"},
    "SampleUpdate": {"category": "testing"},
    "CropRequest": {"start_ms": 0, "end_ms": 10},
    "SplitRequest": {"window_ms": 10},
    "BoundingBox": {"label": "cat", "x": 0, "y": 0, "width": 1, "height": 1},
    "BoundingBoxesUpdate": {"bounding_boxes": []},
    "DspPreviewRequest": {"sample_id": 1},
    "InputBlockIn": {},
    "DspBlockIn": {"id": 1, "type": "mfcc"},
    "ImpulseCreate": {},
    "ImpulseUpdate": {"input_block": {}},
    "LearningBlockIn": {"id": 1, "dsp_blocks": [1]},
    "LearningBlockPublic": {"id": 1, "dsp_blocks": [1]},
    "TrainRequest": {},
    "TestRequest": {},
    "SignalIn": {"values": [0.0, 1], "axes": ["x"], "frequency_hz": 100},
    "ClassifyRequest": {"sample_id": 1},
    "ScriptUpdate": {"script": "x"},
    "DeploymentBuildRequest": {"target": "cpp-sdk", "precision": "float32"},
    "WorkerCheckCreate": {},
    "AdminInvitationCreate": {"email": "bob@example.org", "project_id": 1, "role": "viewer"},
    "ProjectInvitationCreate": {"email": "bob@example.org", "role": "editor"},
    "UserCreate": {"username": "bob", "email": "bob@example.org", "password": "long enough"},
    "UserAdminUpdate": {"is_admin": True},
    "InvitationCreate": {"email": "bob@example.org"},
    "PasswordResetIn": {"token": "mfr_x", "new_password": "long enough"},
    "DeviceTestWindow": {"sample_id": 1, "filename": "a.json", "window": 0, "agrees": True,
                         "counter": 5},
    "DeviceTestReportCreate": {
        "impulse_id": 1, "learning_block_id": 1, "trained_model_id": 1, "board": "nano33ble",
        "windows_total": 1, "windows_agreeing": 1, "counter_unit": "cycles",
        "counter_mean": 1.0, "counter_max": 1, "seconds_per_window": 0.1,
    },
    "TunerSearchCreate": {"max_trials": 2},
    "TunerApplyRequest": {},
}


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


REQUEST_MODELS = {cls.__name__: cls for cls in _all_subclasses(StrictInput)}

SETTINGS_MODELS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (TrainingSettings, {}),
    (AugmentationSettings, {}),
    (AnomalySettings, {}),
    (LearningBlockSpec, {"expert_script": "x"}),
    (layers.Dense, {"units": 8}),
    (layers.Conv1D, {"filters": 8}),
    (layers.Conv2D, {"filters": 8, "kernel_size": [3, 3], "strides": [1, 2]}),
    (layers.DepthwiseConv2D, {"kernel_size": [3, 1]}),
    (layers.MaxPooling1D, {}),
    (layers.AveragePooling1D, {}),
    (layers.MaxPooling2D, {"pool_size": [2, 2]}),
    (layers.AveragePooling2D, {}),
    (layers.Reshape, {"target_shape": [4, 4, 1]}),
    (layers.Dropout, {}),
    (layers.Activation, {"activation": "relu"}),
    *((block.Params, {}) for block in BLOCKS.values()),
]
ALL_MODELS = [
    *((REQUEST_MODELS[name], payload) for name, payload in REQUEST_PAYLOADS.items()),
    *SETTINGS_MODELS,
]

BAD_VALUES: dict[str, list[Any]] = {
    "int": [True, False, "5", 1.5],
    "float": [True, False, "5"],
    "bool": [1, 0, "true"],
    "list-int": [[True], ["5"], [1.5]],
    "list-float": [[True], ["5"]],
}
TYPE_ERRORS = {"int_type", "float_type", "bool_type", "tuple_type", "list_type"}


def _kinds(annotation: Any) -> set[str]:
    """The scalar kinds a field annotation takes: int, float, bool, list-int, list-float."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    if origin is list:
        return {f"list-{kind}" for kind in _kinds(typing.get_args(annotation)[0])}
    if annotation is bool:
        return {"bool"}
    if annotation is int:
        return {"int"}
    if annotation is float:
        return {"float"}
    return set()


def _kind(annotation: Any) -> str | None:
    kinds = _kinds(annotation)
    for kind in ("int", "float", "bool", "list-int", "list-float"):
        if kind in kinds:
            return kind
    return None


def _field_cases() -> list[Any]:
    cases = []
    for model, payload in ALL_MODELS:
        for name, field in model.model_fields.items():
            kind = _kind(field.annotation)
            if kind is not None:
                cases.append(pytest.param(model, payload, name, kind, id=f"{model.__name__}.{name}"))
    return cases


FIELD_CASES = _field_cases()


def test_every_request_model_has_a_payload_here() -> None:
    assert set(REQUEST_MODELS) == set(REQUEST_PAYLOADS), "add the new model's smallest body"


def test_every_route_body_is_a_strict_model() -> None:
    bodies = set()
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for param in route.dependant.body_params:
                for model in typing.get_args(param.field_info.annotation) or (
                    param.field_info.annotation,
                ):
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        bodies.add(model)
    assert bodies and all(model.model_config.get("strict") for model in bodies), [
        model.__name__ for model in bodies if not model.model_config.get("strict")
    ]


def test_the_cases_cover_the_settings_the_issue_names() -> None:
    ids = {case.id for case in FIELD_CASES}
    for expected in (
        "TrainingSettings.epochs",
        "TrainingSettings.learning_rate",
        "TrainingSettings.balance_classes",
        "AugmentationSettings.time_mask_max_frames",
        "AnomalySettings.clusters",
        "AnomalySettings.feature_columns",
        "Dense.units",
        "Conv2D.kernel_size",
        "Dropout.rate",
        "MfccParams.n_coefficients",
        "SpectralParams.filter_cutoff_hz",
        "LearningBlockIn.pruning_sparsity",
        "InputBlockIn.window_size_ms",
        "ClassifyRequest.uncertain_below",
        "SignalIn.values",
        "TestRequest.uncertain_below",
    ):
        assert expected in ids


@pytest.mark.parametrize(("model", "payload"), [pytest.param(m, p, id=m.__name__) for m, p in ALL_MODELS])
def test_existing_payloads_and_their_stored_json_still_validate(
    model: type[BaseModel], payload: dict[str, Any]
) -> None:
    validated = model.model_validate(payload)
    # What is stored (model_dump_json: tuples become arrays, enums strings) reads back the same.
    assert model.model_validate(json.loads(validated.model_dump_json())) == validated


@pytest.mark.parametrize(("model", "payload", "field", "kind"), FIELD_CASES)
def test_a_value_of_the_wrong_json_type_is_refused_naming_the_field(
    model: type[BaseModel], payload: dict[str, Any], field: str, kind: str
) -> None:
    for bad in BAD_VALUES[kind]:
        with pytest.raises(ValidationError) as raised:
            model.model_validate({**payload, field: bad})
        errors = raised.value.errors()
        assert any(error["loc"][0] == field for error in errors), (bad, errors)
    if kind in ("int", "float"):
        # A whole number is a number of either kind: at most a range error, never a type error.
        try:
            validated = model.model_validate({**payload, field: 2})
        except ValidationError as error:
            assert not {e["type"] for e in error.errors()} & TYPE_ERRORS, error.errors()
        else:
            value = getattr(validated, field)
            assert value == 2 and (kind == "int" or isinstance(value, float))


@pytest.mark.parametrize(
    ("block", "field", "bad"),
    [("mfcc", "n_coefficients", True), ("mfcc", "fft_length", "256"), ("spectral", "n_peaks", 1.5)],
)
def test_dsp_parameter_errors_name_the_parameter(block: str, field: str, bad: Any) -> None:
    with pytest.raises(DspParameterError) as raised:
        BLOCKS[block].parse_params({field: bad})
    assert raised.value.parameter == field
    assert "valid integer" in str(raised.value)


# --- over HTTP: 422 naming the field, nothing stored --------------------------------------


def _impulse(**learning: Any) -> dict[str, Any]:
    return {
        "input_block": {
            "axes": ["accX"],
            "frequency_hz": 100,
            "window_size_ms": 1000,
            "window_increase_ms": 500,
        },
        "dsp_blocks": [{"id": 1, "type": "spectral"}],
        "learning_blocks": [{"id": 1, "dsp_blocks": [1], **learning}],
    }


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (_impulse(settings={"epochs": True}), ["learning_blocks", 0, "settings", "epochs"]),
        (_impulse(settings={"batch_size": "32"}), ["learning_blocks", 0, "settings", "batch_size"]),
        (
            _impulse(settings={"augmentation": {"noise_stddev": False}}),
            ["learning_blocks", 0, "settings", "augmentation", "noise_stddev"],
        ),
        (_impulse(layers=[{"type": "dense", "units": 1.5}]), ["learning_blocks", 0, "layers", 0]),
        (
            {**_impulse(), "input_block": {**_impulse()["input_block"], "window_size_ms": "1000"}},
            ["input_block", "window_size_ms"],
        ),
    ],
)
def test_impulse_bodies_of_the_wrong_type_are_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    project = create_project(client)
    url = f"/api/projects/{project['id']}/impulses"
    response = client.post(url, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(error["loc"][1 : 1 + len(loc)] == loc for error in detail), detail
    assert client.get(url).json()["count"] == 0
    assert client.post(url, json=_impulse(settings={"epochs": 3, "learning_rate": 1})).status_code == 201


def test_dsp_parameters_of_the_wrong_type_are_422_naming_the_parameter(client: TestClient) -> None:
    project = create_project(client)
    body = _impulse()
    body["dsp_blocks"] = [{"id": 1, "type": "spectral", "params": {"n_peaks": True}}]
    response = client.post(f"/api/projects/{project['id']}/impulses", json=body)
    assert response.status_code == 422, response.text
    assert "n_peaks" in json.dumps(response.json()["detail"])


def test_training_settings_of_the_wrong_type_are_422_naming_the_field(client: TestClient) -> None:
    project = create_project(client)
    url = f"/api/projects/{project['id']}/impulses"
    impulse = client.post(url, json=_impulse()).json()
    before = impulse["learning_blocks"][0]["settings"]
    train = f"{url}/{impulse['id']}/learning/1/train"
    response = client.post(train, json={"settings": {"epochs": True}})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "settings", "epochs"]
    stored = client.get(f"{url}/{impulse['id']}").json()["learning_blocks"][0]["settings"]
    assert stored == before and isinstance(stored["epochs"], int)


def test_a_boolean_for_a_flag_and_a_number_for_a_threshold_over_http(client: TestClient) -> None:
    response = client.post("/api/projects", json={"name": "p", "downmix_audio": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "downmix_audio"]
    project = create_project(client)
    url = f"/api/projects/{project['id']}/impulses"
    impulse = client.post(url, json=_impulse()).json()
    classify = f"{url}/{impulse['id']}/learning/1/classify"
    response = client.post(classify, json={"sample_id": 1, "uncertain_below": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "uncertain_below"]
