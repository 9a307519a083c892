"""A thin httpx wrapper: base URL, bearer token, timeouts, problem+json turned into CliError.

httpx is imported on the first request, not with the module: ``blastwall --help`` and a
command that fails on its arguments never pay for it (docs/cli.md, "Start-up").
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from blastwall.cli.errors import CliError

if TYPE_CHECKING:
    import httpx

DEFAULT_SERVER = "http://127.0.0.1:7300"
TOKEN_ENV = "BLASTWALL_TOKEN"  # noqa: S105  (the variable's name, not a secret)
# Long enough for a slow PostgreSQL commit, short enough that a stressed responder is not
# left staring at a hung terminal: (total, connect) seconds.
TIMEOUT = (15.0, 5.0)


def _httpx() -> ModuleType:
    """httpx, without httpx's own command line (``httpx._main``): importing that pulls in
    click, pygments and rich's syntax highlighter, about half of httpx's import time, for a
    ``main`` the CLI never calls. httpx falls back to a stub when it cannot be imported."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import httpx  # noqa: PLC0415

    return httpx


# The API's largest page: fewest round trips when a command reads a whole list.
PAGE_SIZE = 1000


def path(*parts: str | int) -> str:
    """Join URL segments under /api/v1, quoting each so a name can never change the route."""
    return "/api/v1/" + "/".join(quote(str(p), safe="") for p in parts)


class Client:
    """Calls the Blastwall API as one token; every failure becomes a CliError."""

    def __init__(
        self,
        server: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server
        http = _httpx()
        self._errors = http
        self._http = http.Client(
            base_url=server,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "blastwall-cli"},
            timeout=http.Timeout(TIMEOUT[0], connect=TIMEOUT[1]),
            transport=transport,
        )

    def get(self, url: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", url, params=query)

    def get_text(self, url: str) -> str:
        """A route that answers text (a Markdown report), not JSON."""
        text: str = self._request("GET", url, text=True)
        return text

    def list(self, url: str, *, limit: int | None = None, **params: Any) -> list[Any]:
        """Every item of a list endpoint (or the first ``limit``), following ``next_cursor``
        page after page (docs/api.md)."""
        items: list[Any] = []
        cursor: str | None = None
        while limit is None or len(items) < limit:
            want = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - len(items))
            page = self.get(url, **params, limit=want, cursor=cursor)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        return self._request("POST", url, **_json(body or {}))

    def patch(self, url: str, body: dict[str, Any]) -> Any:
        return self._request("PATCH", url, **_json(body))

    def delete(self, url: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._request("DELETE", url, params=query)

    def download(self, url: str, destination: Path, *, method: str = "GET", **params: Any) -> int:
        """Stream a response body into ``destination`` (written whole or not at all);
        returns the bytes written."""
        httpx = self._errors
        query = {k: v for k, v in params.items() if v is not None}
        partial = destination.with_name(destination.name + ".partial")
        written = 0
        try:
            with self._http.stream(method, url, params=query) as response:
                if response.is_error:
                    response.read()
                    raise CliError(self._problem(method, url, response))
                with partial.open("wb") as sink:
                    for chunk in response.iter_bytes():
                        written += sink.write(chunk)
        except httpx.ConnectError:
            raise CliError(
                f"cannot reach Blastwall at {self.server}: is `blastwall serve` running? "
                "set --server or BLASTWALL_SERVER"
            ) from None
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise CliError(f"download from Blastwall at {self.server} failed: {exc}") from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CliError(
                f"cannot write {destination}: {exc.strerror}; pick a writable path"
            ) from None
        partial.replace(destination)
        return written

    def _request(self, method: str, url: str, *, text: bool = False, **kwargs: Any) -> Any:
        httpx = self._errors
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.ConnectError:
            raise CliError(
                f"cannot reach Blastwall at {self.server}: is `blastwall serve` running? "
                "set --server or BLASTWALL_SERVER"
            ) from None
        except httpx.TimeoutException:
            raise CliError(
                f"Blastwall at {self.server} did not answer {method} {url} in time; "
                "check the server's health and retry"
            ) from None
        except httpx.HTTPError as exc:
            raise CliError(f"request to Blastwall at {self.server} failed: {exc}") from None
        if response.is_error:
            raise CliError(self._problem(method, url, response))
        if text:
            return response.text
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _problem(self, method: str, url: str, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = body.get("detail") if isinstance(body, dict) else None
        if response.status_code in (404, 405) and detail in ("Not Found", "Method Not Allowed"):
            # Starlette's own answer: the route is missing, not the thing the user named.
            return (
                f"Blastwall at {self.server} has no route {method} {url}; "
                "is the server older than this CLI? upgrade it"
            )
        if isinstance(detail, str) and detail:
            return detail
        snippet = response.text.strip().replace("\n", " ")[:200]
        return f"Blastwall at {self.server} answered {response.status_code}: {snippet}"


def _json(body: dict[str, Any]) -> dict[str, Any]:
    # default=str: YAML gives dates and datetimes, which the API takes as ISO strings.
    content = json.dumps(body, default=str)
    return {"content": content, "headers": {"Content-Type": "application/json"}}


def connect(server: str) -> Client:
    """A client for ``server`` using the token in BLASTWALL_TOKEN (never taken on the command
    line, where it would land in shell history)."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise CliError(
            f"no API token: set {TOKEN_ENV} to a token secret "
            "(an admin creates one with `blastwall token create --name NAME --role ROLE`)"
        )
    return Client(server, token)
