"""Webhooks: the URL rules (http(s), at most 2000 characters, no private address unless
WEBHOOK_ALLOW_PRIVATE), a user's default webhook and its secret, the signed POST.

The secret signs every delivery to the user's webhooks, a submission's `callback_url`
included: `X-Shortlist-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. It is shown
once, when it is made (PUT /api/v1/me/webhook); only its holder can check a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session

from app.accounts.permissions import check_active
from app.db import get_engine
from app.errors import InvalidInput, NotFound
from app.models import User, Webhook, utcnow
from app.settings import get_settings

MAX_URL = 2000
SIGNATURE_HEADER = "X-Shortlist-Signature"


class DeliveryFailed(Exception):
    """A try that did not reach a 2xx answer; its message is what the user sees."""


def check_url(url: str) -> str:
    """The URL, trimmed, or InvalidInput saying why it cannot be called."""
    return _checked(url)[0]


def _checked(url: str) -> tuple[str, str | None]:
    """(the URL trimmed, the address to call or None when private ones are allowed)."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("Give the webhook's address, like https://example.com/hook.")
    if len(url) > MAX_URL:
        raise InvalidInput(f"A webhook address has at most {MAX_URL} characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname \
            or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidInput("A webhook address starts with https:// or http:// and names a"
                           " server, like https://example.com/hook.")
    if parts.username or parts.password:
        raise InvalidInput("A webhook address cannot carry a user name or password.")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise InvalidInput("The webhook address's port is not a number.") from None
    return url, _check_host(parts.hostname)


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def _check_host(host: str) -> str | None:
    """Refuse loopback, private, link-local and reserved addresses (unless allowed): the
    web process or a worker would otherwise call into its own network for anyone who may
    submit. A name is resolved and checked before each delivery, and the delivery calls
    the address checked (see post). None when private addresses are allowed."""
    if get_settings().webhook_allow_private:
        return None
    try:
        addresses = [host] if _is_ip(host) else [
            info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(f"The webhook's server {host!r} could not be found.") from None
    if not addresses or any(_private(a) for a in addresses):
        raise InvalidInput("The webhook address is on a private or local network, which"
                           " Shortlist does not call.")
    return addresses[0]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


# --- A user's default webhook -------------------------------------------------------------

@dataclass(frozen=True)
class WebhookView:
    url: str | None
    secret: str | None  # only right after it was made
    created_at: object


def get_webhook(user: User) -> WebhookView:
    check_active(user)
    with Session(get_engine()) as session:
        row = session.get(Webhook, user.id)
        if row is None:
            raise NotFound("No webhook is set.")
        return WebhookView(row.url or None, None, row.created_at)


def set_webhook(user: User, url: str | None) -> WebhookView:
    """Set the default URL (None: no default, only the secret that signs a submission's
    `callback_url`) with a new secret, shown once."""
    check_active(user)
    url = check_url(url) if url is not None else None
    secret = "whsec_" + secrets.token_urlsafe(32)
    now = utcnow()
    with Session(get_engine()) as session:
        row = session.get(Webhook, user.id)
        if row is None:
            row = Webhook(user_id=user.id, url="", secret=secret)
        row.url, row.secret, row.created_at = url or "", secret, now
        session.add(row)
        session.commit()
    return WebhookView(url, secret, now)


def delete_webhook(user: User) -> None:
    check_active(user)
    with Session(get_engine()) as session:
        row = session.get(Webhook, user.id)
        if row is None:
            raise NotFound("No webhook is set.")
        session.delete(row)
        session.commit()


def check_callback(user: User, url: str) -> str:
    """A submission's `callback_url`: a callable address, and a secret to sign it with."""
    url = check_url(url)
    with get_engine().connect() as conn:
        if secret_of(conn, user.id)[1] is None:
            raise InvalidInput("Deliveries are signed with your webhook secret: create it"
                               " first (PUT /api/v1/me/webhook, with a url or null).")
    return url


def secret_of(conn, user_id: int) -> tuple[str | None, str | None]:
    """(default url or None, secret or None) of a user."""
    row = conn.execute(Webhook.__table__.select().where(
        Webhook.__table__.c.user_id == user_id)).mappings().first()
    return (None, None) if row is None else (row["url"] or None, row["secret"])


# --- The call -----------------------------------------------------------------------------

def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, body: bytes, secret: str) -> str:
    """POST the body once; returns the answer ("HTTP 204") or raises DeliveryFailed.

    Redirects are not followed (a 3xx is a failed try): one could lead to a private address.
    """
    settings = get_settings()
    try:
        url, address = _checked(url)
    except InvalidInput as exc:
        raise DeliveryFailed(str(exc)) from None
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = settings.webhook_timeout_s
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    if address is not None:
        # Connect to the address just checked, not to the name resolved again: a name that
        # answers a public address to the check and a private one to the call (DNS
        # rebinding) would otherwise reach the internal network. The name still goes in
        # the Host header and in TLS (server name and certificate check).
        conn._create_connection = lambda where, *args: socket.create_connection(  # type: ignore[attr-defined]
            (address, where[1]), *args)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "Shortlist-Webhook/1",
            SIGNATURE_HEADER: sign(body, secret)})
        response = conn.getresponse()
        text = response.read(300).decode("utf-8", "replace").strip()
    except TimeoutError:
        raise DeliveryFailed(f"No answer within {timeout:g} s.") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"Could not reach the webhook: {type(exc).__name__}"
                             f"{': ' + str(exc) if str(exc) else ''}"[:300]) from None
    finally:
        conn.close()
    answer = f"HTTP {response.status}" + (f": {text[:200]}" if text else "")
    if not 200 <= response.status < 300:
        raise DeliveryFailed(answer)
    return answer
