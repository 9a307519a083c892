"""How fast the console's pages render, against a real server.

The server is a real `blastwall serve` on SQLite with the example blastwall.yaml applied,
a known-good release and a newer one active in prod, and an incident with a kill on it,
so each page has its sections filled. A client logged in as a browser is (the session
cookie) fetches each page in turn; the baseline, interleaved in the same run, is the API's
own read of the same incident (`GET /api/v1/incidents/1`): the ratio is what rendering a
whole page (every section, its queries, the template) costs over one JSON read.

Run: .venv/bin/python bench/console_pages.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import running

from blastwall.config_as_code.loader import load_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "blastwall.yaml"
SYSTEM = "support-agent"
PAGES = [
    "/",
    "/incidents/1",
    f"/systems/{SYSTEM}",
    f"/systems/{SYSTEM}/monitors/fraud-share",
    "/audit",
]


def _arrange(api: httpx.Client) -> None:
    api.post("/api/v1/apply", json={"document": load_document(EXAMPLE)}).raise_for_status()
    base = f"/api/v1/systems/{SYSTEM}/releases"
    api.post(f"{base}/initial/known-good", json={"reason": "bench"}).raise_for_status()
    prompt = {"system-prompt": {"template": "terse", "variables": []}}
    api.post(base, json={"name": "v2", "surfaces": prompt}).raise_for_status()
    api.post(f"{base}/v2/activate", json={"environment": "prod"}).raise_for_status()
    incident = {"title": "Refunds routed to fraud", "system": SYSTEM, "harm": "moderate"}
    api.post("/api/v1/incidents", json=incident).raise_for_status()
    kill = {"reason": "bench", "incident_id": 1}
    api.post(f"/api/v1/systems/{SYSTEM}/kill", json=kill).raise_for_status()


def _get(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(Path(tmp), []) as server,
        server.client() as api,
        httpx.Client(base_url=server.url, timeout=30) as browser,
    ):
        _arrange(api)
        assert browser.post("/login", data={"token": server.token}).status_code == 303
        for path in PAGES:  # warm up templates and caches
            _get(browser, path)
        times: dict[str, list[float]] = {p: [] for p in PAGES}
        baseline: list[float] = []
        for _ in range(runs):
            for path in PAGES:
                times[path].append(_get(browser, path))
                baseline.append(_get(api, "/api/v1/incidents/1"))
        base = statistics.median(baseline)
        print(f"{'GET /api/v1/incidents/1 (baseline)':<44} median {base * 1000:7.1f} ms")
        for path, found in times.items():
            median = statistics.median(found)
            print(
                f"{'GET ' + path:<44} median {median * 1000:7.1f} ms   ratio {median / base:5.2f}x"
            )


if __name__ == "__main__":
    main()
