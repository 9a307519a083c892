"""The path templates the 405 check reads are the OpenAPI document's paths, built once."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import compile_path

from blastwall.config import Settings
from blastwall.server import literals
from blastwall.server.app import create_app
from tests.conftest import ONE_DATABASE


def _documented(app: FastAPI) -> set[tuple[str, int, frozenset[str]]]:
    return {
        (compile_path(path)[0].pattern, path.count("{"), frozenset(m.upper() for m in found))
        for path, found in app.openapi()["paths"].items()
    }


@ONE_DATABASE
def test_templates_read_from_the_routes_are_the_documented_paths(
    client: TestClient, tmp_path: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    read = literals._templates(app)
    assert {(p.pattern, n, m) for p, n, m in read} == _documented(app)
    assert len(read) == len(_documented(app)) > 100
    # Another app of the same routes takes the same list instead of reading them again.
    other = create_app(Settings(data_dir=tmp_path / "other", engine_enabled=False))
    assert literals._templates(other) is read
