"""Live-server fixtures shared with the CLI tests."""

from tests.cli.conftest import api, server_url

__all__ = ["api", "server_url"]
