"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from backend.db.models.api_key import ApiKey, ApiKeyScope
from backend.db.models.artifact import Artifact
from backend.db.models.device import Device
from backend.db.models.device_test_report import DeviceTestReport
from backend.db.models.impulse import FeatureSet, FeatureSetChunk, FeatureSetData, Impulse
from backend.db.models.invitation import Invitation
from backend.db.models.job import Job, JobLog, JobState
from backend.db.models.membership import ProjectMember, ProjectRole
from backend.db.models.project import Project
from backend.db.models.sample import Sample, SampleCategory, SampleData
from backend.db.models.trained_model import TrainedModel
from backend.db.models.tuner import SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.models.user import PasswordReset, User, UserSession, UserToken
from backend.db.models.worker_heartbeat import WorkerHeartbeat

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "Artifact",
    "Device",
    "DeviceTestReport",
    "FeatureSet",
    "FeatureSetChunk",
    "FeatureSetData",
    "Impulse",
    "Invitation",
    "Job",
    "JobLog",
    "JobState",
    "PasswordReset",
    "Project",
    "ProjectMember",
    "ProjectRole",
    "Sample",
    "SampleCategory",
    "SampleData",
    "SearchState",
    "TrainedModel",
    "TrialState",
    "TunerSearch",
    "TunerTrial",
    "User",
    "UserSession",
    "UserToken",
    "WorkerHeartbeat",
]
