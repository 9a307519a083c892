"""Every domain's router, mounted under /api/v1 by the app."""

from fastapi import APIRouter

from blastwall.access.api import router as access_router

ALL: list[APIRouter] = [access_router]
