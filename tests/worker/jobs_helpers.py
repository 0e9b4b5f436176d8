"""Shortcuts for the job tests: make a project, read a job and its log past the API."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select

from backend.db.models import Job, JobLog, Project
from backend.db.session import get_sessionmaker


def make_project(name: str = "jobs") -> int:
    with get_sessionmaker()() as session:
        project = Project(name=name)
        session.add(project)
        session.commit()
        return project.id


def read_job(job_id: int) -> Job:
    with get_sessionmaker()() as session:
        job = session.get(Job, job_id)
        assert job is not None, f"job {job_id} vanished"
        return job


def log_lines(job_id: int) -> list[str]:
    with get_sessionmaker()() as session:
        return list(
            session.scalars(select(JobLog.line).where(JobLog.job_id == job_id).order_by(JobLog.id))
        )


def wait_for(condition: Callable[[], bool], *, timeout_seconds: float, what: str) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_seconds} s waiting for {what}")
        time.sleep(0.05)
