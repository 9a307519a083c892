"""Server settings: one pydantic-settings class, every field read from ``BLASTWALL_*``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# 32 characters of hex are 128 bits: short keys could be guessed offline from the log itself.
MIN_AUDIT_KEY_LENGTH = 32

# 'host', 'host:port', '*.domain', '[v6]' or '[v6]:port'.
HTTP_HOST_ENTRY = re.compile(
    r"(?P<host>\[[0-9a-f:.]+\]|(?:\*\.)?[^:\[\]*/\s]+)(?::(?P<port>\d{1,5}))?"
)


def entry_problem(entry: str) -> str | None:
    """Why ``entry`` is not a usable http host entry, or None."""
    if HTTP_HOST_ENTRY.fullmatch(entry.strip().lower()) is None:
        return (
            f"{entry!r} is not a host entry; write 'host', 'host:port', '*.domain' or '[ipv6]:port'"
        )
    return None


class Settings(BaseSettings):
    """Where Blastwall keeps its data and how the server listens."""

    # hide_input_in_errors: a refused value may be a secret (the audit key, a database
    # password), and validation errors end up in logs and tracebacks.
    model_config = SettingsConfigDict(
        env_prefix="BLASTWALL_", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Field(
        default=Path(".blastwall"),
        description="Directory for the embedded SQLite database and other local state.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store; defaults to SQLite at DATA_DIR/blastwall.db. "
            "PostgreSQL: postgresql+psycopg://user:pass@host:5432/db"
        ),
    )
    host: str = Field(default="127.0.0.1", description="Interface the server binds to.")
    port: int = Field(default=7300, ge=1, le=65535, description="Port the server listens on.")
    lever_stream_heartbeat_s: float = Field(
        default=5.0, gt=0, description="Seconds between keep-alive comments on the lever stream."
    )
    release_stream_max_surface_bytes: int = Field(
        default=16_384,
        ge=0,
        le=1_048_576,
        description="Largest surface content (bytes of canonical JSON) sent inline on the "
        "lever stream; SDKs fetch larger ones by hash from the API.",
    )
    engine_enabled: bool = Field(
        default=True,
        description="Run the detection engine in the server process (off: another process, "
        "or a test, drives it with Engine.run_once).",
    )
    engine_interval_s: float = Field(
        # 0.25, not 1: an alarm waits for the next tick, and an enforce policy must act
        # within a second of the event that crosses the threshold, worst case included
        # (bench/alarm_to_enforce.py: p99 0.91 s at 1 s ticks, the worst case above 1 s).
        default=0.25,
        gt=0,
        le=3600,
        description="Seconds between detection engine ticks (sooner while it is catching up).",
    )
    readiness_kill_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Readiness: a kill-switch pull (a drill or a real one) within this many "
        "days counts as the kill switch exercised.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body, in bytes, on every route but /api/v1/events (which "
        "takes up to 16 MiB): a declared Content-Length over it is refused before reading, a "
        "chunked body as soon as it crosses it (413).",
    )
    auth_failure_limit: int = Field(
        default=20,
        ge=1,
        description="Failed authentications from one client address, within "
        "auth_failure_window_s, after which that address gets 429 until the window ends.",
    )
    auth_failure_window_s: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="Seconds of the window in which auth_failure_limit failures are counted.",
    )
    canary_scheduler_enabled: bool = Field(
        default=True,
        description="Run due canary sets in the server process (off: tests, or another "
        "process, call blastwall.canaries.scheduler.run_due).",
    )
    task_leader_retry_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds between a standby replica's attempts to take over a background "
        "task (detection engine, canary scheduler, review sampling) on PostgreSQL: when the "
        "leading replica dies, another takes over within about this long (docs/scaling.md).",
    )
    task_stop_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds the server waits, at shutdown, for background tasks to finish the "
        "round in progress; a round still running then completes in the background.",
    )
    canary_http_hosts: list[str] = Field(
        default=[],
        description="Hosts an http canary target may call (docs/canaries.md): 'host', "
        "'host:port' or '*.domain'. Empty (the default): no http target is allowed, so a "
        "commander cannot aim the server at internal URLs. Env: a JSON list, "
        "e.g. BLASTWALL_CANARY_HTTP_HOSTS='[\"agent.internal:8080\"]'.",
    )
    canary_python_targets: list[str] = Field(
        default=["blastwall.demo.canary_target:answer"],
        description="Callables a python canary target may name, as 'module:function' "
        "patterns ('*' matches any run of characters, e.g. 'acme.canaries.*:*'). Default: "
        "only the demo's side-effect-free router.",
    )

    notify_dispatch_enabled: bool = Field(
        default=True,
        description="Deliver queued notifications from the server process (off: they stay "
        "queued in the outbox until a process with it on runs; docs/notifications.md).",
    )
    notify_interval_s: float = Field(
        default=0.5,
        gt=0,
        le=3600,
        description="Seconds between the dispatcher's polls of the outbox. A change made in "
        "this process wakes it at once; one made by another process waits for the next poll.",
    )
    notify_deadline_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds after its change within which a notification must be delivered; "
        "after that it is marked failed (see `blastwall notify list --failed`).",
    )
    notify_backoff_base_s: float = Field(
        default=1.0,
        gt=0,
        description="First retry delay bound in seconds; it doubles per attempt (full jitter).",
    )
    notify_backoff_cap_s: float = Field(
        default=300.0,
        gt=0,
        description="Largest retry delay bound in seconds (a receiver's Retry-After may ask "
        "for longer, and is honoured).",
    )
    notify_lease_s: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a dispatcher owns a notification it is sending; if it dies, "
        "another takes the notification over after this. Longer than any channel's timeout.",
    )

    escalation_enabled: bool = Field(
        default=True,
        description="Escalate unacknowledged pages from the server process (the `escalation` "
        "background task; docs/oncall.md, 'Paging and escalation').",
    )
    escalation_interval_s: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between the escalation task's looks for pages whose delay ran out.",
    )
    drill_timeouts_enabled: bool = Field(
        default=True,
        description="End drills past their timeout from the server process, removing their "
        "fault (the `drill-timeouts` background task; docs/drills.md).",
    )
    retention_enabled: bool = Field(
        default=True,
        description="Delete traces past their system's retention from the server process "
        "(the `retention` background task; docs/evidence.md).",
    )
    retention_days: int = Field(
        default=90,
        ge=1,
        le=36500,
        description="Days a system's traces, feedback and filter hits are kept when its "
        "`retention_days` is unset. Traces in an incident's window are held past it.",
    )
    retention_interval_s: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="Seconds between the retention task's rounds.",
    )
    retention_batch: int = Field(
        default=5000,
        ge=100,
        le=100_000,
        description="Rows deleted per transaction by the retention task: short transactions "
        "never keep ingest waiting for long.",
    )
    evidence_margin_s: float = Field(
        default=3600.0,
        ge=0,
        le=30 * 86400,
        description="Margin held on each side of an incident's window past retention.",
    )
    evidence_keep_days: int = Field(
        default=365,
        ge=0,
        le=36500,
        description="Days after an incident is resolved that its window stays held (an "
        "incident still open or under evidence hold holds it regardless).",
    )
    update_reminders_enabled: bool = Field(
        default=True,
        description="Remind the communications lead, then the commander, of an overdue incident "
        "update from the server process (the `update-reminders` background task; "
        "docs/communications.md).",
    )
    update_reminders_interval_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds between the update-reminders task's looks for overdue updates.",
    )
    comms_templates_dir: Path | None = Field(
        default=None,
        description="Directory whose updates/NAME.md.j2 and notices/NAME.md.j2 override or add "
        "to the shipped update and notice templates (docs/communications.md).",
    )
    ack_link_secret: SecretStr | None = Field(
        default=None,
        description="Secret (at least 32 characters, e.g. `openssl rand -hex 32`) that signs "
        "the acknowledge links in pages. Unset: pages carry no link (acknowledge from the CLI "
        "or the API). Set the same value on every replica.",
    )
    ack_link_ttl_s: float = Field(
        default=86400.0,
        gt=0,
        le=30 * 86400,
        description="Seconds an acknowledge link stays valid after the page that carries it.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:7300",
        description="The server's address as people reach it (e.g. https://blastwall.example.com); "
        "acknowledge links in pages start with it.",
    )

    regulatory_reminders_enabled: bool = Field(
        default=True,
        description="Remind through the channels before each regulator deadline (the "
        "`regulatory-reminders` background task; docs/regulatory.md).",
    )
    regulatory_reminder_interval_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds between the reminder task's looks at the deadline clocks.",
    )
    regulatory_reminder_thresholds: list[int] = Field(
        default=[50, 90, 100],
        description="Percent of each deadline window at which to remind, once each; 100 is "
        "the overdue reminder. As an environment variable: JSON, e.g. [50,90,100].",
    )
    regulatory_templates_dir: Path | None = Field(
        default=None,
        description="Directory of report templates that override the shipped ones by file "
        "name (report.md.j2, report.json.j2, gdpr.md.j2, ...; docs/regulatory.md).",
    )

    @field_validator("regulatory_reminder_thresholds")
    @classmethod
    def _thresholds(cls, value: list[int]) -> list[int]:
        if not value or any(not 1 <= v <= 100 for v in value):
            raise ValueError(
                f"BLASTWALL_REGULATORY_REMINDER_THRESHOLDS must be percents from 1 to 100 "
                f"(got {value}), e.g. [50,90,100]"
            )
        return sorted(set(value))

    console_session_secret: SecretStr | None = Field(
        default=None,
        description="Secret (at least 32 characters, e.g. `openssl rand -hex 32`) that signs "
        "console session cookies. Unset: a random one per server process, so console users "
        "log in again after a restart; set the same value on every replica.",
    )
    console_session_ttl_s: float = Field(
        default=12 * 3600.0,
        ge=60,
        le=7 * 86400,
        description="Seconds a console login lasts; the token is re-checked on every request, "
        "so revoking it ends the session at once.",
    )

    @field_validator("ack_link_secret", "console_session_secret")
    @classmethod
    def _strong_link_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if len(value.get_secret_value()) < MIN_AUDIT_KEY_LENGTH:
            variable = f"BLASTWALL_{(info.field_name or '').upper()}"
            raise ValueError(
                f"{variable} must be at least {MIN_AUDIT_KEY_LENGTH} characters "
                f"(got {len(value.get_secret_value())}); generate one with `openssl rand -hex 32`"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "BLASTWALL_PUBLIC_URL must be an http(s) URL such as https://blastwall.example.com"
            )
        return value.rstrip("/")

    @field_validator("canary_http_hosts")
    @classmethod
    def _host_entries(cls, value: list[str]) -> list[str]:
        problems = [p for p in (entry_problem(v) for v in value) if p is not None]
        if problems:
            raise ValueError("BLASTWALL_CANARY_HTTP_HOSTS: " + "; ".join(problems))
        return value

    pagerduty_events_url: str = Field(
        default="https://events.pagerduty.com/v2/enqueue",
        description="Where PagerDuty channels post Events API v2 events: PagerDuty's own "
        "endpoint, or a local receiver standing in for it in tests and demos.",
    )

    @field_validator("pagerduty_events_url")
    @classmethod
    def _events_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "BLASTWALL_PAGERDUTY_EVENTS_URL must be an http(s) URL such as "
                "https://events.pagerduty.com/v2/enqueue"
            )
        return value

    audit_hmac_key: SecretStr | None = Field(
        default=None,
        description=(
            "Optional secret (at least 32 characters, e.g. `openssl rand -hex 32`) that makes "
            "every new audit entry's hash an HMAC: rewriting the log then needs this key, not "
            "only write access to the database. Keep it outside the database, set the same "
            "key on every server process, and never change it (entries written under another "
            "key no longer verify). See docs/levers.md, 'Threat model'."
        ),
    )

    @field_validator("audit_hmac_key")
    @classmethod
    def _strong_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if len(value.get_secret_value()) < MIN_AUDIT_KEY_LENGTH:
            raise ValueError(
                f"BLASTWALL_AUDIT_HMAC_KEY must be at least {MIN_AUDIT_KEY_LENGTH} characters "
                f"(got {len(value.get_secret_value())}); generate one with `openssl rand -hex 32`"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _known_dialect(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; accept the common spelling and say so in the URL.
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite", "postgresql+psycopg")):
            raise ValueError(
                "BLASTWALL_DATABASE_URL must start with sqlite:/// or postgresql+psycopg:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    def audit_key(self) -> bytes | None:
        """The audit HMAC key as bytes, for ``make_session_factory(audit_key=...)``."""
        if self.audit_hmac_key is None:
            return None
        return self.audit_hmac_key.get_secret_value().encode()

    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, else SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'blastwall.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
