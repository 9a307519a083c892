"""schemathesis over the OpenAPI, on SQLite and PostgreSQL: no 5xx, no undocumented answer.

Every response check schemathesis has runs on every operation (server errors, status
codes, content types, headers, response schemas, negative data refused, ignored auth,
...), with data that fits the schema and data that does not. The run is bounded (a few
derandomized examples per operation and mode) to stay well under a minute per database;
`scripts/api_fuzz.py` runs the longer campaign, every phase, against a live server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation, BaseSchema
from sqlalchemy import Engine

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.db.engine import make_engine
from blastwall.db.session import make_session_factory
from blastwall.server.app import create_app
from tests.conftest import make_token

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"

EXAMPLES = 4
SHARDS = 4
"""Generated cases per operation and mode: enough to reach every documented status."""

STREAM = "GET /api/v1/levers/stream"
"""Valid requests open a stream that stays open (tests/levers/test_stream.py covers them);
its invalid requests are still checked here."""

# A name schemathesis will not generate, so DELETE /tokens/{name} never revokes the run's token.
TOKEN_NAME = "contract-fuzz-admin-7f3a9c"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def contract_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database per dialect, shared by the whole run."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("contract") / "blastwall.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    url_template, admin_dsn = request.getfixturevalue("postgres_admin_url")
    source = request.getfixturevalue("postgres_template")
    name = f"bw_contract_{os.getpid()}"  # one per test worker: the shards run side by side
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    engine = make_engine(url_template.format(db=name))
    yield engine
    engine.dispose()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def api(
    contract_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BaseSchema, str]:
    """The app's OpenAPI loaded by schemathesis (requests go to the ASGI app) and a token."""
    app_settings = Settings(
        data_dir=tmp_path_factory.mktemp("contract-data"),
        database_url=contract_engine.url.render_as_string(hide_password=False),
        engine_enabled=False,
        canary_scheduler_enabled=False,
        # The ignored-auth check sends a wrong token to every operation on purpose; the
        # failure throttle (429) has its own tests in tests/server/test_edge.py.
        auth_failure_limit=1_000_000,
    )
    app = create_app(app_settings, contract_engine)
    token = make_token(make_session_factory(contract_engine), TOKEN_NAME, Role.admin)
    # The operations whose rules the OpenAPI cannot state (stored state, several fields at
    # once) and so may refuse a schema-valid request with a 422: one file, shared with
    # scripts/api_fuzz.py and explained in docs/api.md.
    config = SchemathesisConfig.from_path(CONFIG)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    return schema, token


def _check(operation: APIOperation, mode: GenerationMode, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    run()


def test_the_run_covers_the_whole_api(api: tuple[BaseSchema, str]) -> None:
    schema, _ = api
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = sum(len(methods) for methods in schema.raw_schema["paths"].values())
    assert len(operations) == documented > 70  # the whole API, not a filtered part of it


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_documented(api: tuple[BaseSchema, str], shard: int) -> None:
    """Every SHARDS-th operation from ``shard`` on: the shards spread over the test workers."""
    schema, token = api
    operations = [result.ok() for result in schema.get_all_operations()][shard::SHARDS]
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if (operation.label, mode) == (STREAM, GenerationMode.POSITIVE):
                continue
            try:
                _check(operation, mode, token)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to get wrong, e.g. /healthz
            except (Exception, FailureGroup) as exc:  # report every operation's failure at once
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == [], "\n\n".join(failures)


def test_every_paged_list_is_configured_to_refuse_an_edited_cursor(
    api: tuple[BaseSchema, str],
) -> None:
    """A new paged list must be added to schemathesis.toml, or an edited cursor fails the run."""
    schema, _ = api
    paged = [
        result.ok()
        for result in schema.get_all_operations()
        if any(p["name"] == "cursor" for p in result.ok().definition.raw.get("parameters", []))
    ]
    unconfigured = [
        operation.label
        for operation in paged
        if "422"
        not in schema.config.checks_config_for(
            operation=operation
        ).positive_data_acceptance.expected_statuses
    ]
    assert (len(paged), unconfigured) == (31, [])
