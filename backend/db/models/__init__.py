"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from backend.db.models.impulse import FeatureSet, FeatureSetData, Impulse
from backend.db.models.job import Job, JobLog, JobState
from backend.db.models.project import Project
from backend.db.models.sample import Sample, SampleCategory, SampleData

__all__ = [
    "FeatureSet",
    "FeatureSetData",
    "Impulse",
    "Job",
    "JobLog",
    "JobState",
    "Project",
    "Sample",
    "SampleCategory",
    "SampleData",
]
