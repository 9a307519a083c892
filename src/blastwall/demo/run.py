"""`make run`: the server on embedded SQLite with the example applied and demo traffic."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import socket
import sys
from pathlib import Path
from types import FrameType

import uvicorn
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.canaries.policy import TargetPolicy
from blastwall.config import Settings
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_file
from blastwall.db import files
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory, unit_of_work
from blastwall.demo.agent import SupportAgent
from blastwall.demo.chat import ChatServer
from blastwall.demo.follower import DrillFollower
from blastwall.demo.traffic import Traffic
from blastwall.exceptions import Conflict, NotFound, Unauthorized
from blastwall.registry import releases
from blastwall.registry import service as registry
from blastwall.server.app import create_app

console = Console()
DEMO_ACTOR = Actor(name="demo-setup", role=Role.admin)


def cli_command(executable: str | None = None, path: str | None = None) -> str:
    """How the user runs this install's ``blastwall``: the bare name when it is the one on
    PATH, else the script beside the running interpreter (whatever venv that is), so the
    printed commands work as pasted."""
    script = Path(executable or sys.executable).parent / "blastwall"
    on_path = shutil.which("blastwall", path=path)
    if not script.exists():
        return "blastwall"
    if on_path is not None and Path(on_path).resolve() == script.resolve():
        return "blastwall"
    try:
        return str(script.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(script.absolute())


def ensure_token(
    settings: Settings, factory: sessionmaker[Session], name: str = "admin", role: Role = Role.admin
) -> str:
    """Create the demo's token once and keep its secret in DATA_DIR/NAME-token (0600)."""
    path = settings.data_dir / f"{name}-token"
    with unit_of_work(factory) as session:
        if path.exists():
            # The file may hold a token of another database (say SQLite before PostgreSQL).
            try:
                access.authenticate(session, path.read_text().strip())
                return path.read_text().strip()
            except Unauthorized:
                pass
        taken = access.name_taken(session, name)
        token_name = f"{name}-{os.getpid()}" if taken else name
        _, secret = access.create(session, name=token_name, role=role, actor=DEMO_ACTOR)
    files.private_dir(settings.data_dir)
    # Opened 0600 from the start: a write-then-chmod leaves the secret readable meanwhile.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, files.PRIVATE_FILE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    files.tighten(path)
    return secret


def activate_first_release(session: Session) -> None:
    """Put each system's oldest release in force wherever nothing is active yet.

    A system with no known-good release gets its first one marked known-good: it is the
    baseline every later release is tested against (a bad release then alarms) and the
    target of `blastwall rollback` and of the example's rollback policy.
    """
    for system in registry.all_(session):
        oldest = releases.oldest_release(session, system)
        if oldest is None:
            continue
        try:
            releases.newest_known_good(session, system)
        except Conflict:
            releases.mark_known_good(
                session,
                system.name,
                oldest.name,
                actor=DEMO_ACTOR,
                reason="demo: the first rollout is the known-good baseline",
            )
        for environment in system.environments:
            try:
                releases.get_active(session, system.name, environment)
            except NotFound:
                releases.activate(
                    session,
                    system.name,
                    oldest.name,
                    environment=environment,
                    actor=DEMO_ACTOR,
                    reason="demo: first rollout",
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=7300)
    parser.add_argument("--config", type=Path, default=Path("examples/blastwall.yaml"))
    parser.add_argument("--rate", type=float, default=20.0, help="demo tickets per second")
    parser.add_argument(
        "--drift-after", type=float, default=60.0, help="seconds before the fraud share rises"
    )
    parser.add_argument("--no-traffic", action="store_true", help="serve without demo traffic")
    parser.add_argument(
        "--chat-port",
        type=int,
        default=None,
        help="port of the demo agent's chat endpoint (default: --port + 1; 0: no chat)",
    )
    args = parser.parse_args()
    settings = Settings(port=args.port)
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    factory = make_session_factory(engine, audit_key=settings.audit_key())
    token = ensure_token(settings, factory)
    agent_token = ensure_token(settings, factory, "demo-agent", Role.viewer)
    document = load_file(args.config)
    with unit_of_work(factory) as session:
        plan = apply(
            session, document, actor=DEMO_ACTOR, dry_run=False, policy=TargetPolicy.of(settings)
        )
    with unit_of_work(factory) as session:
        activate_first_release(session)
    server = f"http://{settings.host}:{settings.port}"
    chat_port = settings.port + 1 if args.chat_port is None else args.chat_port
    chat_url = f"http://{settings.host}:{chat_port}" if chat_port else None
    database = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
    console.print(f"[bold]Blastwall[/] on {server}  (database {database})")
    console.print(f"applied {args.config}: {plan.summary()}")
    print_commands(server, token, chat_url)
    app = create_app(settings, engine)
    demo = DemoParts(server, agent_token, settings.host, chat_port)
    traffic = Traffic(
        server,
        agent_token,
        console,
        rate=0 if args.no_traffic else args.rate,
        drift_after_s=args.drift_after,
        on_ready=demo.ready,
        chat_url=chat_url,
    )
    traffic.start()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    try:
        DemoServer(config, traffic, demo).run()
    except KeyboardInterrupt:
        pass  # uvicorn raises Ctrl-C again once it has stopped: the demo is over
    finally:
        demo.stop()
        if not traffic.stopped.is_set():
            traffic.stop()  # the server stopped some other way than by a signal
    console.print("demo stopped")


def print_commands(server: str, token: str, chat_url: str | None) -> None:
    """What to paste in another terminal: the CLI's environment, a kill, the chat, a drill."""
    console.print("\nIn another terminal:\n")
    console.print(f"  export BLASTWALL_SERVER={server}")
    console.print(f"  export BLASTWALL_TOKEN={token}")
    bw = cli_command()
    console.print(f"  {bw} systems")
    console.print(f"  {bw} trace list --system support-agent")
    console.print(f"  {bw} kill support-agent --reason 'drill'   # demo moves to fallback")
    console.print(f"  {bw} restore support-agent --reason 'drill over'")
    if chat_url is not None:
        console.print(f"\nDemo support agent (chat): POST {chat_url}/chat")
        console.print(
            f"  curl -s {chat_url}/chat -H 'Content-Type: application/json' "
            """-d '{"user_id": "u-1", "message": "Please refund 45 EUR for order A12345"}'"""
        )
        console.print(f"  OpenAI-style: POST {chat_url}/v1/chat/completions   (docs/demo.md)")
        console.print(f"  {bw} drill run temperature --ack-as you   # a game day (docs/drills.md)")
    console.print(f"\nConsole: {server}/   (log in with the token above; docs/console.md)")
    console.print("API docs: " + server + "/api/v1/docs    (Ctrl-C stops the server)\n")


class DemoParts:
    """The chat endpoint and the drill follower, started once the demo agent exists."""

    def __init__(self, server: str, token: str, host: str, chat_port: int) -> None:
        self.server = server
        self.token = token
        self.host = host
        self.chat_port = chat_port
        self.chat: ChatServer | None = None
        self.follower: DrillFollower | None = None

    def ready(self, agent: SupportAgent) -> None:
        self.follower = DrillFollower(self.server, self.token, agent.faults, console.print)
        self.follower.start()
        if self.chat_port:
            self.chat = ChatServer(agent, self.host, self.chat_port)
            self.chat.start()

    def stop(self) -> None:
        """Stop the chat server and the follower (each stops within seconds; idempotent)."""
        if self.chat is not None:
            self.chat.stop()
            self.chat = None
        if self.follower is not None:
            self.follower.stop()
            self.follower = None


class DemoServer(uvicorn.Server):
    """uvicorn that stops the demo traffic first, so its traces reach the server."""

    def __init__(self, config: uvicorn.Config, traffic: Traffic | None, demo: DemoParts) -> None:
        super().__init__(config)
        self.traffic = traffic
        self.demo = demo

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            # A second Ctrl-C forces the exit; the cancelled lifespan's traceback says nothing
            # the user needs, so uvicorn's error log is silenced for the rest of the run.
            logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await asyncio.to_thread(self.demo.stop)
        if self.traffic is not None:
            # In a thread: the SDK's final flush posts to this very server.
            await asyncio.to_thread(self.traffic.stop)
        await super().shutdown(sockets)


if __name__ == "__main__":
    main()
