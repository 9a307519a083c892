"""Routes for the registry domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["registry"])
