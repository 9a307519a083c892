"""How fast `blastwall runbook support-agent` answers, against a real server.

The server is a real `blastwall serve` on SQLite with the example blastwall.yaml applied
(tools, retrieval sources, an on-call policy, a triage tree), a known-good release and a
newer one active in prod, so every section of the page is filled. Each command is a fresh
process, as a stressed responder runs it, in text (what they read) and --json. The
baseline, in the same run and interleaved, is `blastwall whoami`: the same start-up and one
authenticated API call, so the ratio is what building the runbook adds to the CLI's
start-up, which dominates. A second figure times GET /systems/support-agent/runbook alone.

Run: .venv/bin/python bench/runbook_wall.py [--runs 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import running
from oncall_now import api_time, report, timed

from blastwall.config_as_code.loader import load_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "blastwall.yaml"
TARGET_S = 1.0
SYSTEM = "support-agent"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), []) as server:
        with server.client() as api:
            applied = api.post("/api/v1/apply", json={"document": load_document(EXAMPLE)})
            applied.raise_for_status()
            base = f"/api/v1/systems/{SYSTEM}/releases"
            api.post(f"{base}/initial/known-good", json={"reason": "bench"}).raise_for_status()
            prompt = {"system-prompt": {"template": "terse", "variables": []}}
            api.post(base, json={"name": "v2", "surfaces": prompt}).raise_for_status()
            api.post(f"{base}/v2/activate", json={"environment": "prod"}).raise_for_status()
        commands = [["runbook", SYSTEM], ["runbook", SYSTEM, "--json"], ["whoami"]]
        text, as_json, whoami = timed(server, commands, runs)
        text_median = report(f"runbook {SYSTEM}", text)
        json_median = report(f"runbook {SYSTEM} --json", as_json)
        base_median = report("whoami (baseline)", whoami)
        print(
            f"ratio {text_median / base_median:.2f}x (text), {json_median / base_median:.2f}x "
            f"(json) the baseline; slowest {max(text + as_json):.2f} s, target under "
            f"{TARGET_S:.0f} s"
        )
        with server.client() as api:
            page = [api_time(api, f"/api/v1/systems/{SYSTEM}/runbook") for _ in range(runs)]
            one = [api_time(api, "/api/v1/whoami") for _ in range(runs)]
        page_median = report(f"GET /systems/{SYSTEM}/runbook", page)
        one_median = report("GET /whoami (baseline)", one)
        print(f"ratio {page_median / one_median:.1f}x the baseline")


if __name__ == "__main__":
    main()
