"""Domain errors: services raise these; the server maps them to HTTP in one place."""

from __future__ import annotations

from typing import Any


class BlastwallError(Exception):
    """Base of every error Blastwall raises on purpose; ``detail`` says what and how to fix."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(BlastwallError):
    status_code = 404
    title = "Not found"


class Conflict(BlastwallError):
    status_code = 409
    title = "Conflict"


class InvalidInput(BlastwallError):
    status_code = 422
    title = "Invalid input"


class InvalidTransition(Conflict):
    title = "Invalid transition"


class Forbidden(BlastwallError):
    status_code = 403
    title = "Forbidden"


class Unauthorized(BlastwallError):
    status_code = 401
    title = "Unauthorized"
