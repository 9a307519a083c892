"""Routes for the incidents domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["incidents"])
