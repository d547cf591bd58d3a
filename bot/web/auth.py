"""Dashboard logins: password hashes, signed session cookies, CSRF tokens, login throttling.

Password hashes use the format `pbkdf2_sha256$<iterations>$<salt>$<hash>` (salt and hash in
URL-safe base64 without padding), made by `python -m bot hash-password`. The cookie
carries the user name, a random nonce and an expiry, signed with HMAC-SHA256 under
`web.secret`; logging out records the nonce in the store, so a copied cookie is refused
afterwards, across restarts too. The CSRF token is derived from the nonce, so it changes
with every login and cannot be forged without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.config import WebUser

HASH_SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
SESSION_SECONDS = 12 * 3600
DEFAULT_USER = "office"
SESSION_COOKIE = "fanzha_session"
LOGIN_CSRF_COOKIE = "fanzha_login_csrf"
MAX_TRACKED = 10_000

WEB_ROLE_LABELS = {
    "office": "办公室",
    "leader": "领导",
    "supervisor": "监督员",
    "police": "派出所",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(
    password: str, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None
) -> str:
    """A `pbkdf2_sha256$iterations$salt$hash` string for the config's `password_hash`."""
    if not password:
        raise ValueError("密码不能为空")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{HASH_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if `password` matches the stored hash (False for any malformed hash)."""
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        rounds = int(iterations)
        salt_bytes, expected_bytes = _unb64(salt), _unb64(expected)
    except ValueError:
        return False
    if scheme != HASH_SCHEME or rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt_bytes, rounds)
    return hmac.compare_digest(digest, expected_bytes)


@dataclass(frozen=True)
class Session:
    """A logged-in browser: who, which login (nonce) and until when (epoch seconds)."""

    user: str
    nonce: str
    expires: float


class Revocations(Protocol):
    """Where logged-out sessions are kept (the store)."""

    def revoke_session(self, nonce: str, expires: float, now: float) -> None:
        """Remember a logged-out session until its expiry."""

    def session_revoked(self, nonce: str) -> bool:
        """Whether a session was logged out."""


class MemoryRevocations:
    """Logged-out sessions kept in memory only (forgotten at restart)."""

    def __init__(self) -> None:
        self._revoked: set[str] = set()

    def revoke_session(self, nonce: str, expires: float, now: float) -> None:
        """Remember a logged-out session."""
        self._revoked.add(nonce)

    def session_revoked(self, nonce: str) -> bool:
        """Whether a session was logged out."""
        return nonce in self._revoked


class SessionCodec:
    """Signs and checks session cookies and derives CSRF tokens."""

    def __init__(
        self,
        secret: bytes,
        clock: Callable[[], float] = time.time,
        revocations: Revocations | None = None,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._revocations = revocations or MemoryRevocations()

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._secret, payload, hashlib.sha256).digest())

    def issue(self, user: str) -> tuple[str, Session]:
        """A new session for `user` and its cookie value."""
        session = Session(user, secrets.token_hex(16), self._clock() + SESSION_SECONDS)
        payload = json.dumps(
            {"u": session.user, "n": session.nonce, "e": int(session.expires)},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        return f"{_b64(payload)}.{self._sign(payload)}", session

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None if absent, forged, expired or logged out."""
        if not cookie or "." not in cookie:
            return None
        body, signature = cookie.rsplit(".", 1)
        try:
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = json.loads(payload)
            session = Session(str(data["u"]), str(data["n"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < self._clock() or self._revocations.session_revoked(session.nonce):
            return None
        return session

    def revoke(self, session: Session) -> None:
        """Log a session out for good (its cookie is cleared too, but may have been copied)."""
        self._revocations.revoke_session(session.nonce, session.expires, self._clock())

    def csrf_token(self, session: Session) -> str:
        """The CSRF token forms and API calls of this session must send."""
        return self._sign(f"csrf:{session.nonce}".encode())

    def check_csrf(self, session: Session, token: str | None) -> bool:
        """Whether a submitted token belongs to this session."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


class LoginLimiter:
    """Refuses logins for an (IP, user name) pair after too many recent failures."""

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], list[float]] = {}

    def _recent(self, key: tuple[str, str]) -> list[float]:
        cutoff = self._clock() - self.window
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def retry_after(self, ip: str, user: str) -> float:
        """Seconds until this pair may try again (0 when it may try now)."""
        recent = self._recent((ip, user))
        if len(recent) < self.max_failures:
            return 0.0
        return max(1.0, recent[0] + self.window - self._clock())

    def failed(self, ip: str, user: str) -> int:
        """Count a failure; returns the failures within the window."""
        key = (ip, user)
        if len(self._failures) > MAX_TRACKED:
            # Guessing many names must not grow this table forever: drop expired entries.
            for other in list(self._failures):
                self._recent(other)
        recent = self._recent(key)
        recent.append(self._clock())
        self._failures[key] = recent
        return len(recent)

    def succeeded(self, ip: str, user: str) -> None:
        """Forget the failures of a pair that logged in."""
        self._failures.pop((ip, user), None)


@dataclass(frozen=True)
class DefaultLogin:
    """The login made up at start on the sandbox when the config has no users."""

    user: WebUser
    password: str


def sandbox_default_login(iterations: int = DEFAULT_ITERATIONS) -> DefaultLogin:
    """An office login with a random password (shown once at start, valid for this run)."""
    password = secrets.token_urlsafe(9)
    user = WebUser(
        name=DEFAULT_USER, role="office", password_hash=hash_password(password, iterations)
    )
    return DefaultLogin(user, password)
