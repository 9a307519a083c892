"""The demo agent's chat endpoint: what a red team attacks and what drills inject faults into.

``POST /chat`` takes ``{"user_id", "message"}`` and answers ``{"reply", "trace_id",
"decision"}``; ``POST /v1/chat/completions`` speaks the OpenAI chat-completions shape for
tools that expect it. Every message goes through the guarded agent: the input filter
(prompt injection), the simulated model with the release in force, the action gate on the
irreversible refund, the output filters (PII, secrets, compliance), and a trace to
Blastwall. It runs beside ``make run``'s server, in a thread, on its own port.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from blastwall.demo.agent import SupportAgent

MAX_MESSAGE = 4000
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE)
]
UserId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatRequest(_Body):
    user_id: UserId = Field(description="Who is writing, e.g. u-42 (kept on the trace).")
    message: Text = Field(description="The customer's message, 1-4000 characters.")


class ChatReply(BaseModel):
    reply: str
    trace_id: str
    decision: str = Field(description="proceed, killed, human_fallback, safe_mode, ...")


class Part(_Body):
    type: Literal["text"]
    text: str


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[Part] | None = None


class CompletionRequest(BaseModel):
    """The OpenAI chat-completions request; parameters the demo does not use are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = "support-agent"
    messages: list[Message] = Field(min_length=1, max_length=100)
    user: UserId | None = None


def _last_user_text(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.role == "user" and message.content:
            content = message.content
            text = content if isinstance(content, str) else " ".join(p.text for p in content)
            if text.strip():
                return text.strip()[:MAX_MESSAGE]
    raise ValueError("messages has no user message with text: send {'role': 'user', ...}")


def _problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_chat_app(agent: SupportAgent) -> FastAPI:
    """The chat app over ``agent`` (no authentication: it stands for a public chat widget)."""
    app = FastAPI(title="Blastwall demo support agent", docs_url="/docs", redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": "body", "message": "is not valid JSON"}
            if e["type"] == "json_invalid"
            else {
                "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem(
            422,
            f'invalid request ({detail}); send JSON like {{"user_id": "u-1", '
            '"message": "Where is my parcel?"}',
            errors,
        )

    @app.post("/chat", response_model=ChatReply)
    def chat(body: ChatRequest) -> ChatReply:
        """Answer one message through the guarded agent."""
        reply = agent.answer(body.user_id, body.message)
        return ChatReply(reply=reply.text, trace_id=reply.trace_id, decision=reply.decision)

    @app.post("/v1/chat/completions", response_model=None)
    def completions(body: CompletionRequest) -> dict[str, Any] | JSONResponse:
        """OpenAI-style: the last user message is answered; ``user`` names the customer."""
        try:
            text = _last_user_text(body.messages)
        except ValueError as exc:
            return _problem(422, str(exc))
        reply = agent.answer(body.user or "anonymous", text)
        return {
            "id": f"chatcmpl-{reply.trace_id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": len(text) // 4, "completion_tokens": len(reply.text) // 4},
            "trace_id": reply.trace_id,
        }

    return app


class ChatServer:
    """The chat app served by uvicorn in a thread of the demo process; ``stop`` ends it."""

    def __init__(self, agent: SupportAgent, host: str, port: int) -> None:
        config = uvicorn.Config(
            create_chat_app(agent), host=host, port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self.server.run, name="blastwall-demo-chat", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=timeout_s)
