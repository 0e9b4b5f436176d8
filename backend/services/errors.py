"""Errors the services raise; backend.app turns each into its HTTP status with {"detail": sentence}."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; str() is a sentence for the user."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class InvalidRequest(ServiceError):
    """Parameters that are well-formed but do not fit the data (a crop past the end...)."""

    status_code = 422


class PayloadTooLarge(ServiceError):
    status_code = 413


class Gone(ServiceError):
    """A single-use link (invitation, password reset) that was used, expired or revoked."""

    status_code = 410
