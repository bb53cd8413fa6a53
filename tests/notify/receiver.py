"""A local webhook receiver for tests: http.server in a thread, answering as told."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every POST (headers, raw body); answers the statuses of `answers` in turn,
    then the last one for ever; `hang_s` makes it wait that long before answering."""

    def __init__(self, answers: list[int] | None = None, hang_s: float = 0.0) -> None:
        self.answers = list(answers or [200])
        self.hang_s = hang_s
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    n = len(receiver.requests)
                if receiver.hang_s:
                    time.sleep(receiver.hang_s)
                status = receiver.answers[min(n, len(receiver.answers)) - 1]
                payload = b"ok" if status < 300 else b"receiver is down"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the caller gave up meanwhile

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/shortlist"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
