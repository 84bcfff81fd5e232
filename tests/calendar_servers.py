"""Real calendar servers for the tests of the calendars app (no HTTP mocks): a Radicale CalDAV
server started on a free 127.0.0.1 port for the session, and a small HTTP server that serves ICS
feeds (and HTML, huge or slow answers) with ETag / Last-Modified and 304s, as the tests set it up.
The fixtures are in conftest.py: `radicale`, `feed_server`."""
from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import requests

RADICALE_USER, RADICALE_PASSWORD = "coach", "app-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RadicaleServer:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.calendars: list[str] = []  # what make_calendar made, for empty()
        htpasswd = folder / "users"
        htpasswd.write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{self.port}",
             "--storage-filesystem-folder", str(folder / "collections"), "--auth-type", "htpasswd",
             "--auth-htpasswd-filename", str(htpasswd), "--auth-htpasswd-encryption", "plain",
             "--auth-delay", "0", "--logging-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    @property
    def auth(self) -> tuple[str, str]:
        return RADICALE_USER, RADICALE_PASSWORD

    def make_calendar(self, name: str = "Work") -> str:
        """A new empty event calendar of the user; its URL."""
        url = f"{self.url}{RADICALE_USER}/{uuid.uuid4().hex[:12]}/"
        body = (f'<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                f'<d:set><d:prop><d:displayname>{name}</d:displayname><c:supported-calendar-component-set>'
                f'<c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>')
        response = requests.request("MKCALENDAR", url, data=body, auth=self.auth, timeout=10)
        assert response.status_code == 201, response.text
        self.calendars.append(url)
        return url

    def empty(self) -> None:
        """Delete every calendar the earlier tests made: the server lives as long as the worker, and
        a test that finds a calendar by its name ("Work") must not meet another test's."""
        for url in self.calendars:
            response = requests.delete(url, auth=self.auth, timeout=10)
            assert response.status_code in (200, 204, 404), response.text
        self.calendars.clear()

    def put(self, calendar_url: str, uid: str, ics: str) -> None:
        response = requests.put(f"{calendar_url}{uid}.ics", data=ics.encode(), auth=self.auth, timeout=10,
                                headers={"Content-Type": "text/calendar"})
        assert response.status_code in (201, 204), response.text

    def get(self, calendar_url: str, uid: str) -> str | None:
        response = requests.get(f"{calendar_url}{uid}.ics", auth=self.auth, timeout=10)
        return response.text if response.status_code == 200 else None

    def event_names(self, calendar_url: str) -> list[str]:
        response = requests.request("PROPFIND", calendar_url, auth=self.auth, headers={"Depth": "1"}, timeout=10)
        names = []
        for part in response.text.split("<D:href>")[1:] + response.text.split("<href>")[1:]:
            href = part.split("<", 1)[0]
            if href.endswith(".ics"):
                names.append(unquote(href.rsplit("/", 1)[-1]))
        return sorted(names)


@dataclass
class Served:
    body: bytes
    content_type: str = "text/calendar; charset=utf-8"
    status: int = 200
    etag: bool = True
    last_modified: str = "Tue, 01 Dec 2026 10:00:00 GMT"
    delay: float = 0.0


@dataclass
class FeedServer:
    url: str
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)

    def serve(self, path: str, body: bytes | str, **kw) -> str:
        self.files[path] = Served(body.encode() if isinstance(body, str) else body, **kw)
        return self.url + path.lstrip("/")

    def conditional_answers(self) -> list[int]:
        return [answer for _path, answer in self.requests]


def start_feed_server() -> tuple[FeedServer, ThreadingHTTPServer]:
    feeds = FeedServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            served = feeds.files.get(self.path)
            # Each answer is recorded before it is sent: a test reads the record once its request returns.
            if served is None:
                feeds.requests.append((self.path, 404))
                self.send_response(404)
                self.end_headers()
                return
            if served.delay:
                time.sleep(served.delay)
            etag = f'"{hashlib.sha256(served.body).hexdigest()[:16]}"' if served.etag else None
            if etag and self.headers.get("If-None-Match") == etag:
                feeds.requests.append((self.path, 304))
                self.send_response(304)
                self.end_headers()
                return
            feeds.requests.append((self.path, served.status))
            self.send_response(served.status)
            self.send_header("Content-Type", served.content_type)
            self.send_header("Content-Length", str(len(served.body)))
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Last-Modified", served.last_modified)
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    feeds.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return feeds, server
