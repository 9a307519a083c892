"""End-to-end tests reuse the live-server fixtures of the CLI tests."""

from tests.cli.conftest import cli, server_url

__all__ = ["cli", "server_url"]
