"""A stand-in for a Slack incoming webhook that checks Block Kit as Slack does.

Post to ``receiver.webhook_url``. Slack answers in plain text: ``200 ok``; ``400
invalid_payload`` (not JSON), ``400 no_text`` (no ``text``), ``400 invalid_blocks`` (a block
breaking Block Kit's rules); ``404 no_service`` (unknown webhook); ``410
channel_is_archived``; ``429`` with ``Retry-After`` (scripted with ``fail_next``).

Slack itself accepts a message with blocks and no ``text``; Blastwall always sends the
fallback, so this receiver refuses its absence (``require_text=False`` to relax).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.receivers.base import Answer, HttpReceiver, Request

TOKEN_PATH = "/services/T0BLASTWAL/B0RECEIVER/abcdefghijklmnopqrstuvwx"
MAX_BLOCKS = 50
TEXT_TYPES = ("plain_text", "mrkdwn")


class SlackReceiver(HttpReceiver):
    def __init__(self, *, require_text: bool = True, archived: bool = False, port: int = 0) -> None:
        super().__init__(port=port)
        self.require_text = require_text
        self.archived = archived
        self.messages: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return self.url + TOKEN_PATH

    def answer(self, request: Request) -> Answer:
        if request.path != TOKEN_PATH:
            return _text(404, "no_service")
        if self.archived:
            return _text(410, "channel_is_archived")
        message = _json_object(request.body)
        if message is None:
            return _text(400, "invalid_payload")
        blocks = message.get("blocks")
        text = message.get("text")
        if (self.require_text or blocks is None) and (not isinstance(text, str) or not text):
            return _text(400, "no_text")
        if blocks is not None and block_problems(blocks):
            return _text(400, "invalid_blocks")
        self.messages.append(message)
        return _text(200, "ok")


def block_problems(blocks: object) -> list[str]:
    """Why ``blocks`` break Block Kit's rules (api.slack.com/reference/block-kit/blocks)."""
    if not isinstance(blocks, list) or not blocks:
        return ["blocks must be a non-empty list"]
    if len(blocks) > MAX_BLOCKS:
        return [f"{len(blocks)} blocks; at most {MAX_BLOCKS}"]
    errors: list[str] = []
    for index, block in enumerate(blocks):
        errors += [f"block {index}: {p}" for p in _block(block)]
    return errors


def _block(block: object) -> list[str]:
    if not isinstance(block, dict):
        return ["not an object"]
    if "block_id" in block and not _short(block["block_id"], 255):
        return ["block_id must be text of at most 255 characters"]
    check = _CHECKS.get(str(block.get("type")))
    if check is None:
        return [f"unknown block type {block.get('type')!r}"]
    return check(block)


def _header(block: dict[str, Any]) -> list[str]:
    return _text_object(block.get("text"), 150, only="plain_text")


def _context(block: dict[str, Any]) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
        return ["context needs 1 to 10 elements"]
    return [p for element in elements for p in _text_object(element, 3000)]


def _actions(block: dict[str, Any]) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
        return ["actions needs 1 to 25 elements"]
    return [p for element in elements for p in _button(element)]


def _section(block: dict[str, Any]) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        return ["section needs text or fields"]
    errors = _text_object(text, 3000) if text is not None else []
    if fields is not None:
        if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
            return ["section fields: 1 to 10 text objects"]
        errors += [p for field in fields for p in _text_object(field, 2000)]
    return errors


def _button(element: object) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return ["only buttons are expected in actions"]
    errors = _text_object(element.get("text"), 75, only="plain_text")
    if "url" in element and not _short(element["url"], 3000):
        errors.append("button url must be text of at most 3000 characters")
    if "action_id" in element and not _short(element["action_id"], 255):
        errors.append("action_id must be text of at most 255 characters")
    return errors


def _text_object(value: object, limit: int, only: str | None = None) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in TEXT_TYPES:
        return ["a text object needs type plain_text or mrkdwn"]
    if only is not None and value["type"] != only:
        return [f"text must be {only}"]
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return ["text must be non-empty"]
    if len(text) > limit:
        return [f"text is {len(text)} characters; at most {limit}"]
    return []


_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": lambda block: [],
    "actions": _actions,
}


def _short(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _text(status: int, body: str) -> Answer:
    return Answer(status, body.encode(), {"Content-Type": "text/html"})
