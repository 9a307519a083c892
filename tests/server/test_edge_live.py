"""Against a real uvicorn server: an attacker's body is not read, and a kill gets through."""

from __future__ import annotations

import httpx

from tests.cli.conftest import make_system
from tests.server.uploads import Upload

HUNDRED_MB = 100 * 1024 * 1024


def test_an_unauthenticated_100_mb_body_is_answered_401_while_it_is_still_being_sent(
    server_url: str,
) -> None:
    upload = Upload(server_url, "/api/v1/incidents", HUNDRED_MB, token=None, chunked=False)
    upload.start()
    try:
        assert upload.answered.wait(timeout=30)
    finally:
        upload.stop()
    assert upload.status() == 401
    assert b"application/problem+json" in upload.response
    assert not upload.done_sending
    # The server read the head only; what the client got out sits in socket buffers.
    assert upload.sent_when_answered < 16 * 1024 * 1024


def test_an_authenticated_chunked_body_is_cut_off_at_the_limit_with_413(
    server_url: str, admin_token: str
) -> None:
    upload = Upload(server_url, "/api/v1/incidents", HUNDRED_MB, token=admin_token, chunked=True)
    upload.start()
    try:
        assert upload.answered.wait(timeout=30)
    finally:
        upload.stop()
    assert upload.status() == 413
    assert b"over the 1048576-byte limit of /api/v1/incidents" in upload.response
    assert not upload.done_sending


def test_a_kill_completes_and_shows_while_an_unauthenticated_upload_is_in_progress(
    server_url: str, api: httpx.Client
) -> None:
    make_system(api)
    upload = Upload(server_url, "/api/v1/incidents", HUNDRED_MB, token=None, chunked=False)
    upload.start()
    try:
        assert upload.started_sending.wait(timeout=30)
        killed = api.post("/systems/support-bot/kill", json={"reason": "under attack"})
        levers = api.get("/systems/support-bot/levers").json()["items"]
        in_progress = not upload.done_sending
    finally:
        upload.stop()
    assert killed.status_code == 200
    assert [(s["environment"], s["killed"]) for s in levers] == [("*", True)]
    assert in_progress
