"""The live server and CLI runner of tests/cli, for the evidence commands."""

from tests.cli.conftest import cli, server_url

__all__ = ["cli", "server_url"]
