"""Every failure ends in one red line that says what to do, with the right exit code."""

from __future__ import annotations

import socket

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.cli.client import Client
from blastwall.cli.errors import CliError
from tests.cli.conftest import Invoke, invoke, make_system
from tests.conftest import make_token


def _refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_server_says_to_start_it_or_point_elsewhere() -> None:
    url = _refused_url()
    result = invoke("systems", env={"BLASTWALL_SERVER": url, "BLASTWALL_TOKEN": "bw_x"})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cannot reach Blastwall at {url}: is `blastwall serve` running? "
        "set --server or BLASTWALL_SERVER\n"
    )


def test_server_option_overrides_the_environment() -> None:
    url = _refused_url()
    env = {"BLASTWALL_SERVER": "http://example.invalid", "BLASTWALL_TOKEN": "bw_x"}
    result = invoke("systems", "--server", url + "/", env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach Blastwall at {url}: ")


def test_missing_token_says_to_set_blastwall_token() -> None:
    result = invoke("systems", env={"BLASTWALL_SERVER": _refused_url()})
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no API token: set BLASTWALL_TOKEN to a token secret (an admin creates one "
        "with `blastwall token create --name NAME --role ROLE`)\n"
    )


def test_server_that_is_not_a_url_is_refused_before_any_request() -> None:
    result = invoke("systems", "--server", "localhost:7300", env={"BLASTWALL_TOKEN": "bw_x"})
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Invalid value for '--server' (env var: 'BLASTWALL_SERVER'): 'localhost:7300' "
        "is not an http(s) URL: use "
        "http://HOST:PORT, e.g. http://127.0.0.1:7300 (see `blastwall systems --help`)\n"
    )


def test_problem_from_the_server_is_one_line_with_its_detail(
    cli: Invoke, api: httpx.Client, session_factory: sessionmaker[Session]
) -> None:
    make_system(api)
    viewer = make_token(session_factory, "val", Role.viewer)
    result = cli("kill", "support-bot", "--reason", "spike", token=viewer)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: val has role viewer; this needs responder or higher\n"


def test_unknown_token_is_reported_from_the_server(cli: Invoke) -> None:
    result = cli("systems", token="bw_not-a-real-token")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: API token is unknown or revoked; create one with `blastwall token create`\n"
    )


def test_unknown_system_is_a_clear_not_found(cli: Invoke) -> None:
    result = cli("levers", "ghost")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "'ghost'" in result.stderr
    assert result.stderr.count("\n") == 1


def _client(handler: httpx.MockTransport) -> Client:
    return Client("http://bw.test", "bw_x", transport=handler)


def test_missing_route_is_not_mistaken_for_a_missing_thing() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(CliError) as caught:
        _client(transport).get("/api/v1/nothing")
    assert caught.value.message == (
        "Blastwall at http://bw.test has no route GET /api/v1/nothing; "
        "is the server older than this CLI? upgrade it"
    )


def test_error_without_problem_json_quotes_the_status_and_body() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(502, text="<h1>Bad gateway</h1>\n"))
    with pytest.raises(CliError) as caught:
        _client(transport).post("/api/v1/systems/x/kill", {"reason": "r"})
    assert caught.value.message == "Blastwall at http://bw.test answered 502: <h1>Bad gateway</h1>"


def test_timeout_says_which_call_hung() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(CliError) as caught:
        _client(httpx.MockTransport(hang)).get("/api/v1/systems")
    assert caught.value.message == (
        "Blastwall at http://bw.test did not answer GET /api/v1/systems in time; "
        "check the server's health and retry"
    )


def test_no_arguments_shows_help_not_an_error() -> None:
    result = invoke("release")
    assert result.exit_code == 2
    assert "Usage: blastwall release [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "Error" not in result.output


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, "blastwall 0.1.0\n")
