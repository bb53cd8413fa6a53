"""A local SMTP server for the e-mail tests (aiosmtpd, a dev dependency), and its inbox."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import wait_until


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        # As received, with the wire's CRLF line ends made plain.
        content = envelope.content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(content, policy=default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        wait_until(lambda: len(self.messages) >= count, timeout=timeout,
                   message=f"{count} e-mail(s)")
        return self.messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(user: str | None = None, password: str | None = None) -> Iterator[Inbox]:
    """A server on 127.0.0.1 (no TLS); with `user`, it takes only that login (AUTH over
    plain text, allowed here because the test server is local)."""
    inbox = Inbox(port=free_port())

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        if ok:
            inbox.logins.append((user, password))
        return AuthResult(success=ok, handled=False)

    # auth_required without TLS makes aiosmtpd warn; that is what a local test server is.
    options = {"authenticator": authenticator, "auth_require_tls": False,
               "auth_required": True} if user else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def link_in(message: EmailMessage) -> str:
    """The reset link of a "forgot password" message."""
    body = message.get_content()
    found = re.findall(r"https?://\S+/reset-password\?token=\S+", body)
    assert len(found) == 1, body
    return found[0]


def smtp_settings(inbox: Inbox, **more: object) -> dict[str, object]:
    """Stack overrides for e-mail through `inbox`'s server."""
    return {"smtp_host": "127.0.0.1", "smtp_port": inbox.port, "smtp_tls": "none",
            "smtp_from": "Shortlist <no-reply@example.com>",
            "public_url": "https://shortlist.example.com", **more}
