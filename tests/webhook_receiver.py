"""A real webhook receiver for the tests (no HTTP mocks): an http.server thread on 127.0.0.1 that
records each POST (headers and raw body) and answers as the test tells it (a status, a body, a
delay). The fixture is in conftest.py: `webhook_receiver`."""
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    answer: bytes = b'{"ok": true}'
    delay: float = 0.0

    def reset(self) -> None:
        self.requests.clear()
        self.status, self.answer, self.delay = 200, b'{"ok": true}', 0.0


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers), body))
            if receiver.delay:
                time.sleep(receiver.delay)  # the slow receiver: the sender's timeout must cut it
            try:
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting

        def log_message(self, *args):
            pass

    return Handler


def start_webhook_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/leadmonk"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
