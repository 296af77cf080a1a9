"""Real HTTP receivers on this machine for the webhook tests: a threading http.server on a free
port that checks each delivery's signature with standardwebhooks' own Webhook.verify and keeps
what arrived, and a socket that accepts and never answers."""

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Arrival:
    path: str
    headers: dict[str, str]
    body: bytes
    # For each secret the receiver knows, in order: whether it verifies the delivery alone.
    verified: list[bool]
    payload: object = None


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """Answers each POST with the next of `answers` (the last one repeats)."""

    def __init__(self, answers: list[Answer] | None = None):
        self.answers = list(answers or [Answer()])
        self.secrets: list[str] = []
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver._arrive(self.path, dict(self.headers.items()), body)
                answer = receiver._next_answer()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _arrive(self, path: str, headers: dict, body: bytes) -> None:
        verified, payload = [], None
        for secret in self.secrets:
            try:
                payload = Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                verified.append(False)
            else:
                verified.append(True)
        lowered = {name.lower(): value for name, value in headers.items()}
        with self._lock:
            self.arrivals.append(Arrival(path, lowered, body, verified, payload))

    def _next_answer(self) -> Answer:
        with self._lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """Accepts connections and never answers: an attempt to it times out."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.accepted: list[socket.socket] = []
        self._closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self._closed.set()
        for connection in self.accepted:
            connection.close()
        self.socket.close()
