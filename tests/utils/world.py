"""A small world of accounts, projects and keys written straight to the database, for the
security tests: every actor the authorization matrix tries, and a second project whose names
all contain ZEBRA so that a response leaking it is easy to spot."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy.orm import Session

from backend.db.models import (
    ApiKeyScope,
    Artifact,
    DeviceTestReport,
    Impulse,
    Job,
    JobLog,
    JobState,
    Project,
    ProjectMember,
    ProjectRole,
    Sample,
    SampleData,
    SearchState,
    TrainedModel,
    TrialState,
    TunerSearch,
    TunerTrial,
    User,
)
from backend.db.session import get_sessionmaker
from backend.services import accounts, api_keys, invitations
from backend.services.accounts import password_hasher

LEAK_MARKER = "zebra"  # lower case; responses are searched case-insensitively
PASSWORD = "correct horse battery"
# One hash for every world user: argon2 is slow on purpose, the tests need not be.
_PASSWORD_HASH = password_hasher.hash(PASSWORD)

USER_ACTORS = ("admin", "owner", "editor", "viewer", "outsider")
KEY_ACTORS = tuple(f"key:{scope}" for scope in ApiKeyScope)
ACTORS = ("anonymous", *USER_ACTORS, *KEY_ACTORS)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> bearer token
    other_project_id: int = 0  # the ZEBRA project, owned by `outsider`
    other_ids: dict[str, int] = field(default_factory=dict)  # its sample, job, impulse...
    member_target: User | None = None  # an extra account the member routes act on

    def headers(self, actor: str, keys: dict[str, str]) -> dict[str, str]:
        if actor == "anonymous":
            return {}
        if actor.startswith("key:"):
            return {"x-api-key": keys[actor]}
        return {"Authorization": f"Bearer {self.tokens[actor]}"}


def _user(session: Session, username: str, *, is_admin: bool = False) -> User:
    user = User(
        username=username,
        email=f"{username}@example.org",
        password_hash=_PASSWORD_HASH,
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    return user


def add_sample(session: Session, project_id: int, *, label: str = "yes", name: str = "yes.1.wav") -> int:
    values = np.random.default_rng(len(name)).normal(size=(4000, 1)).astype("<f4")
    sample = Sample(
        project_id=project_id,
        filename=name,
        label=label,
        category="training",
        kind="timeseries",
        source_format="wav",
        axes=[{"name": "audio", "units": ""}],
        shape=[4000, 1],
        interval_ms=1000 / 16000,
        sample_rate_hz=16000.0,
        length=4000,
        duration_ms=250.0,
        content_hash=uuid.uuid4().hex + uuid.uuid4().hex,
    )
    session.add(sample)
    session.flush()
    session.add(SampleData(sample_id=sample.id, values=values.tobytes()))
    return sample.id


def add_impulse(session: Session, project_id: int, *, name: str = "keywords") -> int:
    impulse = Impulse(
        project_id=project_id,
        name=name,
        input_block={
            "axes": ["audio"],
            "window_size_ms": 200.0,
            "window_increase_ms": 100.0,
            "frequency_hz": 16000.0,
            "zero_pad": True,
        },
        dsp_blocks=[{"id": 1, "type": "raw", "name": "Raw", "axes": ["audio"], "params": {}}],
        learning_blocks=[],
        fingerprint="0" * 64,
    )
    session.add(impulse)
    session.flush()
    return impulse.id


def add_job(session: Session, project_id: int, *, line: str = "queued worker.check") -> int:
    job = Job(
        project_id=project_id,
        kind="worker.check",
        state=JobState.succeeded,
        progress=100,
        params={"seconds": 0.0, "steps": 1, "fail": False},
    )
    session.add(job)
    session.flush()
    session.add(JobLog(job_id=job.id, line=line))
    return job.id


def add_trained_model(session: Session, project_id: int, *, name: str = "keywords") -> int:
    """A trained model of learning block 1 of a new impulse (metrics only, no files)."""
    model = TrainedModel(
        project_id=project_id,
        impulse_id=add_impulse(session, project_id, name=name),
        learning_block_id=1,
        task="classification",
        learning_block={"id": 1, "type": "classifier", "name": name, "dsp_blocks": [1]},
        feature_fingerprints={"1": "0" * 64},
        class_names=["no", "yes"],
        input_shape=[3200],
        metrics={},
        sizes={},
        history=[],
        training_seconds=0.0,
    )
    session.add(model)
    session.flush()
    return model.id


def add_artifact(session: Session, project_id: int, *, name: str = "model.tflite") -> int:
    data = b"TFL3 not really a model"
    artifact = Artifact(
        project_id=project_id,
        trained_model_id=add_trained_model(session, project_id),
        kind="tflite-int8",
        file_name=name,
        content_type="application/octet-stream",
        data=data,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(artifact)
    session.flush()
    return artifact.id


def add_initial_model_file(session: Session, project_id: int) -> int:
    """A Keras file uploaded to start a detector from (only its zip signature is real)."""
    data = b"PK\x03\x04 not really a Keras file"
    artifact = Artifact(
        project_id=project_id,
        kind="uploaded-keras",
        file_name="backbone.keras",
        content_type="application/zip",
        data=data,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(artifact)
    session.flush()
    return artifact.id


def add_device_test_report(session: Session, project_id: int, *, board: str = "nano33ble"
                           ) -> int:
    report = DeviceTestReport(
        project_id=project_id, impulse_id=1, learning_block_id=1, trained_model_id=1,
        board=board, windows_total=2, windows_agreeing=2, counter_unit="cycles",
        counter_mean=1000.0, counter_max=1000, estimate_cycles=900.0, estimate_note="",
        seconds_per_window=0.01,
        details={"notes": [], "windows": []},
    )
    session.add(report)
    session.flush()
    return report.id


def add_tuner_search(session: Session, project_id: int, *, board: str = "nano33ble") -> int:
    """A finished tuner search (its Optuna study is never opened by the routes that read it)."""
    search = TunerSearch(project_id=project_id, board=board, limits={}, objective="accuracy",
                         objective_labels=[], max_trials=1, study_name=f"world-{uuid.uuid4().hex}",
                         state=SearchState.done, trials_started=1)
    session.add(search)
    session.flush()
    return search.id


def add_tuner_trial(session: Session, project_id: int, *, name: str = "zebra") -> int:
    """A complete trial of a new search; its config names the DSP block `name`."""
    trial = TunerTrial(search_id=add_tuner_search(session, project_id), number=0,
                       state=TrialState.complete, config={"dsp": {"type": name}}, result={})
    session.add(trial)
    session.flush()
    return trial.id


def build_world() -> World:
    world = World()
    with get_sessionmaker()() as session:
        world.users["admin"] = _user(session, "admin", is_admin=True)
        for name in ("owner", "editor", "viewer", "outsider"):
            world.users[name] = _user(session, name)
        world.member_target = _user(session, "target")
        other = Project(name="ZEBRA secret project", description="ZEBRA description")
        session.add(other)
        session.flush()
        session.add(
            ProjectMember(
                project_id=other.id, user_id=world.users["outsider"].id, role=ProjectRole.owner
            )
        )
        world.other_project_id = other.id
        world.other_ids = {
            "sample_id": add_sample(session, other.id, label="zebra", name="zebra.1.wav"),
            "impulse_id": add_impulse(session, other.id, name="ZEBRA impulse"),
            "job_id": add_job(session, other.id, line="ZEBRA job log"),
            "user_id": world.users["outsider"].id,
            "model_id": add_trained_model(session, other.id, name="ZEBRA model"),
            "artifact_id": add_artifact(session, other.id, name="zebra.tflite"),
            "file_id": add_initial_model_file(session, other.id),
            "report_id": add_device_test_report(session, other.id, board="zebra"),
            "block_id": 1,
        }
        trial_id = add_tuner_trial(session, other.id)
        world.other_ids["trial_id"] = trial_id
        world.other_ids["search_id"] = session.get(TunerTrial, trial_id).search_id  # type: ignore[union-attr]
        session.commit()
        _, invitation = invitations.create_invitation(
            session,
            "invitee@example.org",
            created_by=world.users["outsider"],
            lifetime=timedelta(days=1),
            project=other,
        )
        world.other_ids["invitation_id"] = invitation.id
        for name in USER_ACTORS:
            world.tokens[name], _ = accounts.create_token(session, world.users[name], "matrix")
        _, other_key = api_keys.create_api_key(
            session, other, name="ZEBRA key", scope=ApiKeyScope.admin, created_by=None
        )
        world.other_ids["api_key_id"] = other_key.id
    return world


def build_project(world: World, *, public: bool = False) -> tuple[int, dict[str, str]]:
    """A fresh project of `owner` with `editor`, `viewer` and the member target as members, and
    one API key per scope; returns (project id, actor -> key)."""
    with get_sessionmaker()() as session:
        project = Project(name=f"target {uuid.uuid4().hex[:8]}", is_public=public)
        session.add(project)
        session.flush()
        assert world.member_target is not None
        for user, role in (
            (world.users["owner"], ProjectRole.owner),
            (world.users["editor"], ProjectRole.editor),
            (world.users["viewer"], ProjectRole.viewer),
            (world.member_target, ProjectRole.viewer),
        ):
            session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
        session.commit()
        keys = {}
        for scope in ApiKeyScope:
            keys[f"key:{scope}"], _ = api_keys.create_api_key(
                session, project, name=str(scope), scope=scope, created_by=None
            )
        return project.id, keys
