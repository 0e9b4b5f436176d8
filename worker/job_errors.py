"""Exceptions a job function raises to tell the runtime how the job ended and whether to retry."""

from __future__ import annotations


class JobError(Exception):
    """A failure whose message is written for the user; the job fails and is not retried."""


class JobInputError(JobError):
    """The job's parameters or inputs are invalid or gone; retrying cannot help."""


class TransientJobError(JobError):
    """A failure that may pass (a service briefly unreachable); the runtime retries, bounded."""


class JobCancelled(Exception):
    """Raised inside a job function when its job left the running state (cancelled or reaped)."""
