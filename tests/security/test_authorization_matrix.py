"""The authorization matrix, generated from the application's route table: every route, every
actor. A route added later is covered without anyone remembering; one with a path parameter
this file cannot fill fails until a factory is added to PATH_FACTORIES.

How an answer is judged:
- denied: exactly the expected refusal, 401 (anonymous), 404 (may not know the project exists:
  a non-member of a private project, a key of another project) or 403 (a member or key that
  lacks the permission);
- allowed: anything but 401, 403, a 5xx or the access check's own 404 ("project N does not
  exist"). A 404 about a missing feature set, a 409 or a 422 is about the request's body or the
  data, which the matrix does not try to make meaningful for every route.
- never: a response that contains the other project's names (all of which contain ZEBRA).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backend.app import create_app
from backend.db.models import ApiKeyScope, Device, Project
from backend.db.session import get_sessionmaker
from backend.services import accounts, api_keys, invitations
from backend.settings import settings
from tests.utils.files import wav_bytes
from tests.utils.world import (
    ACTORS,
    LEAK_MARKER,
    PASSWORD,
    USER_ACTORS,
    World,
    add_artifact,
    add_device_test_report,
    add_impulse,
    add_initial_model_file,
    add_job,
    add_sample,
    add_trained_model,
    add_tuner_search,
    add_tuner_trial,
    build_project,
)

SAFE = {"GET", "HEAD", "OPTIONS"}

# --- the policy, spelled out here independently of backend/services/access.py -----------------

ACTOR_PERMISSIONS: dict[str, set[str] | None] = {
    "anonymous": None,
    "outsider": None,
    "admin": {"read", "ingest", "deploy", "write", "manage"},
    "owner": {"read", "ingest", "deploy", "write", "manage"},
    "editor": {"read", "ingest", "deploy", "write"},
    "viewer": {"read"},
    "key:admin": {"read", "ingest", "deploy", "write", "manage"},
    "key:ingestion+deployment": {"ingest", "deploy"},
    "key:ingestion": {"ingest"},
    "key:read-only": {"read"},
}
OWNER_ONLY = {
    "update_project",
    "delete_project",
    "read_members",
    "add_member",
    "update_member",
    "remove_member",
    "transfer_ownership",
    "read_api_keys",
    "create_api_key",
    "revoke_api_key",
    "read_project_invitations",
    "create_project_invitation",
    "revoke_project_invitation",
}
NEEDS = {
    "upload_samples": {"ingest"},
    "import_annotated_samples": {"ingest"},
    "read_project": {"read", "ingest", "deploy"},
    "clone_project": {"read"},
    "classify_sample": {"read"},
    "autotune_dsp_block": {"read"},
}
# Project routes that act for a person (not a key) besides checking the project: an invitation
# records who made it.
USER_ONLY = {"clone_project", "create_project_invitation"}

EVERYONE = set(ACTORS)
USERS = set(USER_ACTORS)
# Routes without a project: who gets past authentication.
NON_PROJECT_ROUTES: dict[str, set[str]] = {
    "read_health": EVERYONE,
    "read_liveness": EVERYONE,
    "read_dsp_blocks": EVERYONE,
    "read_boards": EVERYONE,
    "read_learning_presets": EVERYONE,
    "read_public_projects": EVERYONE,
    "read_signup_policy": EVERYONE,
    "read_invitation": EVERYONE,
    "sign_up": EVERYONE,
    "sign_in": EVERYONE,
    "sign_out": EVERYONE,
    "reset_password": EVERYONE,
    "read_me": USERS,
    "change_password": USERS,
    "read_tokens": USERS,
    "create_token": USERS,
    "revoke_token": USERS,
    "read_projects": EVERYONE - {"anonymous"},
    "create_project": USERS,
    "read_users": {"admin"},
    "create_user": {"admin"},
    "update_user": {"admin"},
    "create_password_reset": {"admin"},
    # The ingestion service's routes: the project is the x-api-key's, which must hold ingest.
    **{
        f"ingest_{category}_{kind}": {"key:admin", "key:ingestion+deployment", "key:ingestion"}
        for category in ("training", "testing", "anomaly")
        for kind in ("data", "files")
    },
    "read_invitations": {"admin"},
    "create_invitation": {"admin"},
    "revoke_invitation": {"admin"},
}

# --- how to fill a path parameter: (world, project id, actor) -> value ------------------------


def _new(factory: Callable[..., int], **kwargs: Any) -> Callable[[World, int, str], int]:
    def make(_world: World, project_id: int, _actor: str) -> int:
        with get_sessionmaker()() as session:
            value = factory(session, project_id, **kwargs)
            session.commit()
            return value

    return make


def _api_key(_world: World, project_id: int, _actor: str) -> int:
    with get_sessionmaker()() as session:
        project = session.get(Project, project_id)
        assert project is not None
        _, key = api_keys.create_api_key(
            session, project, name="to revoke", scope=ApiKeyScope.read_only, created_by=None
        )
        return key.id


def _invitation(world: World, project_id: int, _actor: str) -> int:
    with get_sessionmaker()() as session:
        project = session.get(Project, project_id)
        assert project is not None
        _, row = invitations.create_invitation(
            session,
            "invitee@example.org",
            created_by=world.users["owner"],
            lifetime=timedelta(days=1),
            project=project,
        )
        return row.id


def _token(world: World, _project_id: int, actor: str) -> int:
    owner = world.users[actor] if actor in world.users else world.users["owner"]
    with get_sessionmaker()() as session:
        _, token = accounts.create_token(session, owner, "to revoke")
        return token.id


PATH_FACTORIES: dict[str, Callable[[World, int, str], int]] = {
    "project_id": lambda _world, project_id, _actor: project_id,
    "sample_id": _new(add_sample),
    "impulse_id": _new(add_impulse),
    "job_id": _new(add_job),
    "dsp_block_id": lambda _world, _project_id, _actor: 1,  # add_impulse's block
    "block_id": lambda _world, _project_id, _actor: 1,  # a learning block id
    "model_id": _new(add_trained_model),
    "artifact_id": _new(add_artifact),
    "file_id": _new(add_initial_model_file),
    "report_id": _new(add_device_test_report),
    "user_id": lambda world, _project_id, _actor: world.member_target.id,  # type: ignore[union-attr]
    "api_key_id": _api_key,
    "token_id": _token,
    "invitation_id": _invitation,
    "search_id": _new(add_tuner_search),
    "trial_id": _new(add_tuner_trial),
}

DEVICE_TEST_REPORT = {
    "impulse_id": 1, "learning_block_id": 1, "trained_model_id": 1, "board": "nano33ble",
    "windows_total": 1, "windows_agreeing": 1, "counter_unit": "cycles", "counter_mean": 10.0,
    "counter_max": 10, "seconds_per_window": 0.1,
}

# Bodies that make the allowed calls do real work; other routes get {} (often a 422 about it).
BODIES: dict[str, Callable[[World], Any]] = {
    "update_project": lambda w: {"description": "changed"},
    "add_member": lambda w: {"user": "outsider", "role": "viewer"},
    "update_member": lambda w: {"role": "editor"},
    "transfer_ownership": lambda w: {"user_id": w.member_target.id},  # type: ignore[union-attr]
    "create_api_key": lambda w: {"name": "new", "scope": "ingestion"},
    "create_token": lambda w: {"name": "new"},
    "create_check_job": lambda w: {"seconds": 0, "steps": 1},
    "update_sample": lambda w: {"label": "no"},
    "crop_sample": lambda w: {"start_ms": 0, "end_ms": 100},
    "split_sample": lambda w: {"window_ms": 100},
    "update_bounding_boxes": lambda w: {"bounding_boxes": []},
    "preview_dsp_block": lambda w: {"sample_id": 1, "window_start_ms": 0},
    "create_project": lambda w: {"name": "mine"},
    "sign_in": lambda w: {"username": "viewer", "password": PASSWORD},
    "create_project_invitation": lambda w: {"email": "invitee@example.org", "role": "editor"},
    "create_invitation": lambda w: {"email": "invitee@example.org"},
    "create_user": lambda w: {"username": "made", "email": "made@example.org", "password": PASSWORD},
    "update_user": lambda w: {"is_admin": False},
    "create_device_test_report": lambda w: DEVICE_TEST_REPORT,
}


@pytest.fixture(autouse=True)
def owners_may_invite(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under MCUFORGE_SIGNUP=invite project owners invite too: the widest access to check."""
    monkeypatch.setattr(settings, "signup", "invite")


def api_routes() -> list[tuple[str, str, APIRoute]]:
    routes = []
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(context.methods or ()):
                routes.append((method, str(context.path), route))
    return routes


ROUTES = api_routes()


def needed(route: APIRoute, method: str) -> set[str]:
    declared = (route.openapi_extra or {}).get("x-mcuforge-permission")
    if declared:
        return set(declared)
    if route.name in OWNER_ONLY:
        return {"manage"}
    if route.name in NEEDS:
        return NEEDS[route.name]
    if "deployment" in route.tags:
        return {"read", "deploy"} if method in SAFE else {"deploy"}
    return {"read"} if method in SAFE else {"write"}


def expected_status(route: APIRoute, method: str, actor: str, public: bool) -> int | None:
    """None when the actor may call the route, else the refusal's status."""
    held = ACTOR_PERMISSIONS[actor]
    if held is None and public:
        held = {"read"}
    if held is None:
        return 401 if actor == "anonymous" else 404
    if not held & needed(route, method):
        return 401 if actor == "anonymous" else 403
    if route.name in USER_ONLY and actor not in USERS:
        return 401 if actor == "anonymous" else 403
    return None


def fill_path(path: str, route: APIRoute, world: World, project_id: int, actor: str) -> str:
    values = {}
    for name in route.param_convertors:
        if name not in PATH_FACTORIES:
            pytest.fail(
                f"route {route.name} ({path}) has the path parameter {{{name}}}, which the "
                f"authorization matrix cannot fill: add a factory for it to PATH_FACTORIES in "
                f"{__file__}"
            )
        values[name] = PATH_FACTORIES[name](world, project_id, actor)
    return path.format(**values)


def call(http: TestClient, method: str, url: str, route: APIRoute, headers: dict[str, str], world: World) -> Any:
    if route.name == "upload_samples":
        return http.request(
            method, url, headers=headers, files=[("files", ("yes.9.wav", wav_bytes(_rng())))]
        )
    if route.name == "import_annotated_samples":
        labels = b'{"boundingBoxes": {"yes.png": []}}'
        files = [("yes.png", _png()), ("bounding_boxes.labels", labels)]
        return http.request(
            method, url, headers=headers, files=[("files", file) for file in files]
        )
    if route.name == "upload_initial_model":
        keras = b"PK\x03\x04 a zip's first bytes"
        return http.request(
            method, url, headers=headers, files=[("file", ("backbone.keras", keras))]
        )
    body = BODIES.get(route.name, lambda _w: {})(world)
    return http.request(method, url, headers=headers, json=body if method not in SAFE else None)


def _worker_is_alive() -> None:
    from worker.worker_heartbeats import record_heartbeat

    with get_sessionmaker()() as session:
        record_heartbeat(session, name="matrix@host", host="host", pid=1, queues=[], active_jobs=0)


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def _rng() -> Any:
    import numpy as np

    return np.random.default_rng()


def judge(response: Any, expected: int | None, project_id: int | None, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if expected is None:
        assert response.status_code not in (401, 403), f"{what}: refused {response.text[:300]}"
        if response.status_code == 404 and project_id is not None:
            assert response.json().get("detail") != f"project {project_id} does not exist", what
    else:
        assert response.status_code == expected, (
            f"{what}: expected {expected}, got {response.status_code} {response.text[:300]}"
        )


def assert_no_leak(response: Any, what: str) -> None:
    assert LEAK_MARKER not in response.text.lower(), f"{what} leaked the other project: {response.text[:300]}"


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [r for r in ROUTES if "{project_id}" in r[1]],
    ids=[f"{m} {p}" for m, p, _ in ROUTES if "{project_id}" in p],
)
@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_project_route_answers_each_actor_as_its_role_allows(
    http: TestClient, world: World, method: str, path: str, route: APIRoute, public: bool
) -> None:
    for actor in ACTORS:
        project_id, keys = build_project(world, public=public)
        url = fill_path(path, route, world, project_id, actor)
        response = call(http, method, url, route, world.headers(actor, keys), world)
        what = f"{actor} {method} {url} ({'public' if public else 'private'} project)"
        judge(response, expected_status(route, method, actor, public), project_id, what)
        assert_no_leak(response, what)


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [r for r in ROUTES if "{project_id}" not in r[1]],
    ids=[f"{m} {p}" for m, p, _ in ROUTES if "{project_id}" not in p],
)
def test_route_without_a_project_answers_each_actor(
    http: TestClient, world: World, method: str, path: str, route: APIRoute
) -> None:
    if route.name == "frontend":
        pytest.skip("the single-page app's files, not the API")
    if route.name not in NON_PROJECT_ROUTES:
        pytest.fail(
            f"route {route.name} ({method} {path}) has no project: say who may call it in "
            f"NON_PROJECT_ROUTES in {__file__}"
        )
    project_id, keys = build_project(world)
    if route.name == "read_health":
        _worker_is_alive()  # without one, health answers 503 by design
    for actor in ACTORS:
        url = fill_path(path, route, world, project_id, actor)
        response = call(http, method, url, route, world.headers(actor, keys), world)
        allowed = actor in NON_PROJECT_ROUTES[route.name]
        refusal = 401 if actor == "anonymous" else 403
        judge(response, None if allowed else refusal, None, f"{actor} {method} {url}")
        if actor != "outsider":
            assert_no_leak(response, f"{actor} {method} {url}")


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [r for r in ROUTES if "{project_id}/" in r[1] and len(r[2].param_convertors) > 1],
    ids=[f"{m} {p}" for m, p, r in ROUTES if "{project_id}/" in p and len(r.param_convertors) > 1],
)
def test_another_projects_samples_jobs_impulses_and_keys_are_not_found(
    http: TestClient, world: World, method: str, path: str, route: APIRoute
) -> None:
    project_id, keys = build_project(world)
    values = {name: world.other_ids.get(name) for name in route.param_convertors}
    values["project_id"] = project_id
    values.setdefault("dsp_block_id", 1)
    if values.get("dsp_block_id") is None:
        values["dsp_block_id"] = 1
    unknown = [name for name, value in values.items() if value is None]
    assert not unknown, f"add the other project's {unknown} to tests/utils/world.py other_ids"
    url = path.format(**values)
    for actor in ("owner", "admin", "key:admin"):
        response = call(http, method, url, route, world.headers(actor, keys), world)
        what = f"{actor} {method} {url} with the other project's ids"
        if route.name == "transfer_ownership":
            continue
        assert response.status_code == 404, f"{what}: {response.status_code} {response.text[:300]}"
        assert_no_leak(response, what)


# --- WebSockets (not in the route table above): the same policy, refusals as close codes -------

WEBSOCKETS: dict[str, set[str]] = {
    # path -> the permissions of which the caller needs one
    "/api/devices/connect?project={project_id}": {"ingest"},
    "/api/projects/{project_id}/devices/{device_id}/live": {"read"},
}


def test_every_websocket_route_is_in_the_matrix() -> None:
    from fastapi.routing import APIWebSocketRoute

    paths = {
        str(context.path)
        for context in iter_route_contexts(create_app().routes)
        if isinstance(context.original_route, APIWebSocketRoute)
    }
    assert paths == {path.split("?")[0] for path in WEBSOCKETS}


@pytest.mark.parametrize("path", sorted(WEBSOCKETS))
@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_websocket_answers_each_actor_as_its_role_allows(
    http: TestClient, world: World, path: str, public: bool
) -> None:
    from backend.services.device_relay import relay

    hello = {"type": "hello", "device_id": "d1", "name": "d", "frequency_hz": 10.0, "axes": [{"name": "x"}]}
    for actor in ACTORS:
        relay.clear()
        project_id, keys = build_project(world, public=public)
        held = ACTOR_PERMISSIONS[actor]
        if held is None and public:
            held = {"read"}
        if held is None:
            expected = 4401 if actor == "anonymous" else 4404
        elif not held & WEBSOCKETS[path]:
            expected = 4401 if actor == "anonymous" else 4403
        else:
            expected = None
        with get_sessionmaker()() as session:  # a device that said hello before
            session.add(Device(project_id=project_id, device_id="d1", name="d", frequency_hz=10.0))
            session.commit()
        url = path.format(project_id=project_id, device_id="d1")
        with http.websocket_connect(url, headers=world.headers(actor, keys)) as socket:
            if "connect" in path:
                socket.send_json(hello)
            answer = socket.receive_json()
            what = f"{actor} {url} ({'public' if public else 'private'})"
            if expected is None:
                assert answer["type"] in ("ok", "status"), f"{what}: {answer}"
            else:
                assert answer["type"] == "error", f"{what}: {answer}"
                with pytest.raises(WebSocketDisconnect) as closed:
                    socket.receive_json()
                assert closed.value.code == expected, f"{what}: {closed.value.code} {answer}"
            assert LEAK_MARKER not in str(answer).lower()
    relay.clear()
