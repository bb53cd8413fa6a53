"""Sending e-mail through the SMTP server of the settings (SMTP_*), standard library only.

`send` blocks (a connection, a login, one message) within `TIMEOUT_S` per network step;
`send_soon` runs it in a daemon thread with one retry, so a web page or an event loop
never waits on a mail server. Logs name the server and the outcome, never the password,
the recipient's address or the body (a body may hold a single-use link). It lives in
accounts (mail goes to account holders; app/ itself keeps to twelve modules), so every
layer above may send with it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.settings import Settings, get_settings

log = logging.getLogger("shortlist.mail")

TIMEOUT_S = 15.0
RETRY_AFTER_S = 5.0


def configured(settings: Settings | None = None) -> bool:
    """Whether Shortlist can send e-mail (SMTP_HOST and a sender are set)."""
    settings = settings or get_settings()
    return bool(settings.smtp_host and (settings.smtp_from or settings.smtp_user))


def message(to: str, subject: str, body: str, settings: Settings | None = None) -> EmailMessage:
    """A plain-text message from SMTP_FROM (or SMTP_USER) to `to`."""
    settings = settings or get_settings()
    sender = settings.smtp_from or settings.smtp_user or ""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip(">") or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body)
    return msg


def send(msg: EmailMessage, settings: Settings | None = None) -> None:
    """Send one message now; raises (smtplib.SMTPException, OSError) when it fails."""
    settings = settings or get_settings()
    if not configured(settings):
        raise RuntimeError("e-mail is not configured (SMTP_HOST and SMTP_FROM)")
    host, port, tls = settings.smtp_host, settings.smtp_port, settings.smtp_tls
    if tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
    with smtp:
        if tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password \
                else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(msg)
    log.info("e-mail sent through %s:%s (%s)", host, port, msg["Subject"])


def _describe(exc: BaseException) -> str:
    # The class and the server's reply code only: an exception's text can quote what was sent.
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"


def send_soon(msg: EmailMessage, *, retries: int = 1,
              settings: Settings | None = None) -> threading.Thread:
    """Send in a daemon thread, trying `retries` more times `RETRY_AFTER_S` apart; a
    message that never goes is logged as a warning (without its content). Returns the
    thread (tests join it)."""
    settings = settings or get_settings()

    def run() -> None:
        for attempt in range(retries + 1):
            try:
                send(msg, settings)
                return
            except Exception as exc:  # noqa: BLE001  (a mail server down: retried, then logged)
                last = exc
                if attempt < retries:
                    time.sleep(RETRY_AFTER_S)
        log.warning("could not send an e-mail through %s:%s after %d tries (%s)",
                    settings.smtp_host, settings.smtp_port, retries + 1, _describe(last))

    thread = threading.Thread(target=run, name="send-mail", daemon=True)
    thread.start()
    return thread
