"""The live-server fixtures of tests/cli, for `blastwall drill ...` and /drills."""

from tests.cli.conftest import api, cli, server_url

__all__ = ["api", "cli", "server_url"]
