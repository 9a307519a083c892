"""The live-server fixtures of tests/cli, for `blastwall policy list` and manual containment."""

from tests.cli.conftest import api, cli, server_url

__all__ = ["api", "cli", "server_url"]
