"""A raw-socket client that streams a large body and notices when the server answers.

httpx sends the whole body before reading a response; to see an answer arrive while the
body is still being sent, this writes and reads on one non-blocking socket.
"""

from __future__ import annotations

import select
import socket
import threading
from urllib.parse import urlsplit

CHUNK = b"x" * (64 * 1024)


class Upload(threading.Thread):
    """POST ``total`` bytes to ``path``, as fast as the server takes them, in a thread.

    ``sent`` counts body bytes the kernel accepted; ``response`` is the raw answer, whole
    once ``answered`` is set; ``done_sending`` is set if the whole body went out.
    ``started_sending`` is set after the first chunk went out, or the answer came first.
    """

    def __init__(
        self, base_url: str, path: str, total: int, *, token: str | None, chunked: bool
    ) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.path, self.total, self.token, self.chunked = path, total, token, chunked
        self.sent = 0
        self.response = b""
        self.answered = threading.Event()
        self.started_sending = threading.Event()
        self.done_sending = False
        self.sent_when_answered = -1
        self._halt = threading.Event()

    def head(self) -> bytes:
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.address[0]}"]
        lines.append("Content-Type: application/json")
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {self.total}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _complete(self) -> bool:
        """True once the head and as many body bytes as its Content-Length have arrived."""
        head, found, body = self.response.partition(b"\r\n\r\n")
        if not found:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value)
        return False

    def status(self) -> int:
        return int(self.response.split(b" ", 2)[1])

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def run(self) -> None:
        with socket.create_connection(self.address, timeout=10) as sock:
            sock.sendall(self.head())
            sock.setblocking(False)
            pending = b""
            while not self._halt.is_set():
                readable, writable, _ = select.select([sock], [sock], [], 0.05)
                if readable:
                    data = sock.recv(65536)
                    if self.sent_when_answered < 0:
                        self.sent_when_answered = self.sent
                    self.response += data
                    if not data or self._complete():
                        self.answered.set()
                        self.started_sending.set()
                    if not data:
                        return
                    continue
                if not writable or self.sent_when_answered >= 0:
                    continue
                if not pending:
                    if self.sent >= self.total:
                        self.done_sending = True
                        continue
                    pending = CHUNK
                    if self.chunked:
                        pending = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
                try:
                    written = sock.send(pending)
                except OSError:
                    return  # the server closed the connection after answering
                pending = pending[written:]
                if not pending:
                    self.sent += len(CHUNK)
                    self.started_sending.set()
