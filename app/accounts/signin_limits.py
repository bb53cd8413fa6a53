"""Limits on failed sign-ins, shared by every web process through Redis.

Three counters, each with its own limit, all under REDIS_NAMESPACE:
- per account and client address (SIGNIN_MAX_FAILURES_PER_ACCOUNT_AND_CLIENT, 5): the
  one a guesser meets first; it never locks the account's owner out from elsewhere;
- per account from all addresses (SIGNIN_MAX_FAILURES_PER_ACCOUNT, much higher): a ceiling
  against guessing from many addresses;
- per client address over all accounts (SIGNIN_MAX_FAILURES_PER_CLIENT).
The email typed is counted whether or not such an account exists, hashed in the key.

Checking and counting are one atomic step: a Lua script refuses if any counter is at its
limit and otherwise counts the attempt before its password is checked, so parallel
attempts cannot all pass the check before any of them is counted. An attempt whose password
was right gives its count back and clears its account-and-address counter. The window
starts at the first failure and later ones do not extend it. If Redis does not answer,
sign-in still works (argon2 stays slow) and a warning is logged: a broken counter must not
lock everyone out.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from app.errors import ShortlistError
from app.redis_client import key, reset_shared_client, shared_client
from app.settings import Settings, get_settings

log = logging.getLogger("shortlist.signin")


class TooManyAttempts(ShortlistError):
    """Too many sign-in attempts. Try again later."""

    code = "too_many_attempts"


@dataclass(frozen=True)
class Limits:
    per_account_and_client: int
    per_account: int
    per_client: int
    window_s: int


def limits(settings: Settings) -> Limits:
    return Limits(settings.signin_max_failures_per_account_and_client,
                  settings.signin_max_failures_per_account,
                  settings.signin_max_failures_per_client, settings.signin_window_s)


# KEYS: the counters; ARGV[1]: the window; ARGV[2..]: each counter's limit.
# Returns 0 (counted) or the seconds to wait (nothing counted).
_RESERVE = """
local wait = 0
for i, name in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', name) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', name)
    if ttl <= 0 then ttl = tonumber(ARGV[1]) end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, name in ipairs(KEYS) do
  redis.call('INCR', name)
  if redis.call('TTL', name) < 0 then redis.call('EXPIRE', name, ARGV[1]) end
end
return 0
"""

# KEYS: counters each given back one; ARGV[1]: a counter to delete as well, or ''.
_RELEASE = """
for _, name in ipairs(KEYS) do
  if tonumber(redis.call('GET', name) or '0') > 0 then redis.call('DECR', name) end
end
if ARGV[1] ~= '' then redis.call('DEL', ARGV[1]) end
return 0
"""


def _redis():
    return shared_client()


def reset() -> None:
    """Forget the client (tests switch servers)."""
    reset_shared_client()


def _hashed(email: str) -> str:
    # Hashed: the keys never show which addresses people typed.
    return hashlib.sha256(email.encode()).hexdigest()


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt was counted in (to give back on success)."""

    keys: tuple[str, ...]
    pair_key: str | None


def begin(email: str | None, client_ip: str) -> Attempt | None:
    """Count one attempt before its password is checked, or refuse it.

    Raises TooManyAttempts (the wait in minutes) when a counter is at its limit. Returns
    None when Redis does not answer: the attempt goes ahead uncounted.
    """
    lim = limits(get_settings())
    address = client_ip or "unknown"
    counters = [(key("signin-failures", "client", address), lim.per_client)]
    pair_key = None
    if email:
        account = _hashed(email)
        pair_key = key("signin-failures", "pair", account, address)
        counters += [(pair_key, lim.per_account_and_client),
                     (key("signin-failures", "account", account), lim.per_account)]
    names = [name for name, _ in counters]
    try:
        wait_s = int(_redis().eval(_RESERVE, len(names), *names, lim.window_s,
                                   *(limit for _, limit in counters)))
    except Exception as exc:  # noqa: BLE001  (Redis down: sign in without the counters)
        log.warning("sign-in limits unavailable (%s); checking the password anyway", exc)
        return None
    if wait_s:
        raise TooManyAttempts(
            f"Too many sign-in attempts. Try again in {_minutes(wait_s)}.", retry_after_s=wait_s)
    return Attempt(tuple(names), pair_key)


def succeeded(attempt: Attempt | None) -> None:
    """The password was right: clear this account-and-address counter and give back the
    attempt's count in the others."""
    _release(attempt, clear=True)


def give_back(attempt: Attempt | None) -> None:
    """The check itself broke (our failure, not the person's): uncount the attempt."""
    _release(attempt, clear=False)


def _release(attempt: Attempt | None, *, clear: bool) -> None:
    if attempt is None:
        return
    to_delete = attempt.pair_key if clear and attempt.pair_key else ""
    try:
        _redis().eval(_RELEASE, len(attempt.keys), *attempt.keys, to_delete)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not clear sign-in failures (%s)", exc)
