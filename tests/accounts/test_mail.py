"""Sending e-mail (app/accounts/mail.py) to a local SMTP server the test starts (aiosmtpd)."""

from __future__ import annotations

import logging
import smtplib
import socket
import time

import pytest

from app.accounts import mail
from app.settings import Settings
from tests.smtp_server import free_port, smtp_server, smtp_settings


def settings_for(inbox, **more) -> Settings:
    return Settings(**smtp_settings(inbox, **more))


def test_a_message_arrives_as_written():
    with smtp_server() as inbox:
        settings = settings_for(inbox)
        mail.send(mail.message("jane@example.com", "Hello", "Line one\nLine two\n", settings),
                  settings)
        [received] = inbox.wait_for(1)
    assert received["From"] == "Shortlist <no-reply@example.com>"
    assert received["To"] == "jane@example.com" and received["Subject"] == "Hello"
    assert received.get_content() == "Line one\nLine two\n"
    assert received["Message-ID"].endswith("@example.com>")


# aiosmtpd warns about AUTH without TLS: this server is local to the test.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_login_is_used_and_the_password_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    with smtp_server(user="mailer", password="s3cret-smtp-pw") as inbox:
        good = settings_for(inbox, smtp_user="mailer", smtp_password="s3cret-smtp-pw")
        mail.send(mail.message("a@example.com", "Hi", "x", good), good)
        inbox.wait_for(1)
        assert inbox.logins == [("mailer", "s3cret-smtp-pw")]
        bad = settings_for(inbox, smtp_user="mailer", smtp_password="wrong-smtp-pw")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            mail.send(mail.message("a@example.com", "Hi", "x", bad), bad)
    assert "s3cret-smtp-pw" not in repr(good) and "wrong-smtp-pw" not in repr(bad)
    assert not [r for r in caplog.records if "smtp-pw" in r.getMessage()]


def test_a_server_that_never_answers_times_out(monkeypatch):
    monkeypatch.setattr(mail, "TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = Settings(smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1],
                            smtp_tls="none", smtp_from="no-reply@example.com")
        started = time.monotonic()
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
            mail.send(mail.message("a@example.com", "Hi", "x", settings), settings)
        assert time.monotonic() - started < 2.0


def test_sending_soon_retries_once_then_logs_without_the_content(monkeypatch, caplog):
    monkeypatch.setattr(mail, "RETRY_AFTER_S", 0.05)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="none",
                        smtp_from="no-reply@example.com")
    calls = []
    real_send = mail.send
    monkeypatch.setattr(mail, "send", lambda msg, s: (calls.append(1), real_send(msg, s)))
    message = mail.message("jane@example.com", "Secret link", "token=abc123", settings)
    mail.send_soon(message, retries=1, settings=settings).join(timeout=10)
    assert len(calls) == 2
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    text = warning.getMessage()
    assert text.startswith("could not send an e-mail through 127.0.0.1:")
    assert "after 2 tries (ConnectionRefusedError)" in text
    assert "abc123" not in text and "jane@" not in text


def test_a_server_down_then_up_gets_the_message_on_the_retry(monkeypatch):
    monkeypatch.setattr(mail, "RETRY_AFTER_S", 1.0)
    port = free_port()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none",
                        smtp_from="no-reply@example.com")
    thread = mail.send_soon(mail.message("a@example.com", "Late", "x", settings),
                            settings=settings)
    time.sleep(0.3)  # the first try was refused
    from tests import smtp_server as local

    monkeypatch.setattr(local, "free_port", lambda: port)
    with local.smtp_server() as inbox:
        thread.join(timeout=10)
        assert [m["Subject"] for m in inbox.wait_for(1)] == ["Late"]


def test_starttls_is_the_default_and_required():
    with smtp_server() as inbox:  # this server offers no STARTTLS
        settings = Settings(smtp_host="127.0.0.1", smtp_port=inbox.port,
                            smtp_from="no-reply@example.com")
        assert settings.smtp_tls == "starttls" and Settings().smtp_port == 587
        with pytest.raises(smtplib.SMTPNotSupportedError):
            mail.send(mail.message("a@example.com", "Hi", "x", settings), settings)
    assert inbox.messages == []


def test_mail_is_configured_with_a_host_and_a_sender():
    assert mail.configured(Settings()) is False
    assert mail.configured(Settings(smtp_host="mail.example.com")) is False
    assert mail.configured(Settings(smtp_host="mail.example.com", smtp_user="me@example.com"))
    assert mail.configured(Settings(smtp_host="mail.example.com", smtp_from="a@example.com"))
