"""A real TCP server that answers one byte at a time, for the fetch deadline tests (article pages and follow)."""

from __future__ import annotations

import socket
import threading


class Dribbler:
    """A real TCP server that answers one byte at a time: the headers (`stage='headers'`) or the body."""

    def __init__(self, stage: str, interval_s: float = 0.05) -> None:
        self.stage, self.interval_s = stage, interval_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            body = b"<!doctype html><html><body><p>" + b"slow " * 4000 + b"</p></body></html>"
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n" + "X-Pad: x\r\n" * 50 + "\r\n"
            fast, slow = (b"", head.encode() + body) if self.stage == "headers" else (head.encode(), body)
            try:
                conn.sendall(fast)
                for byte in slow:
                    if self.stopped.wait(self.interval_s):
                        return
                    conn.sendall(bytes([byte]))
                    self.sent += 1
            except OSError:
                return  # the client hung up: what a deadline should do

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
