"""A real SMTP server on a free local port (aiosmtpd), the email settings pointed at it the way
MICROWORK_EMAIL_URL would, and the job queue in immediate mode (a queued job runs at once)."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from microwork.common.email_url import email_settings


@dataclass
class Inbox:
    """What the server received; `refuse` makes it answer every DATA with a temporary error."""

    messages: list = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for rcpts, message in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings, tmp_path):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in email_settings(
        f"smtp://127.0.0.1:{port}?from=microwork%20%3Cnoreply@example.org%3E&timeout=5",
        default_dir=tmp_path,
    ).items():
        setattr(settings, name, value)
    settings.MICROWORK_SITE_URL = "https://microwork.example"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def immediate_queue():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
