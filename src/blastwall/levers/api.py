"""Routes for the levers domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["levers"])
