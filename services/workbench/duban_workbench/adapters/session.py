"""The session lives in the browser, sealed: a Fernet-encrypted cookie that carries the
person's token, so any replica serves any request and none keeps state.

The cookie is HttpOnly and SameSite=Lax; Secure behind HTTPS. Each session has its own
CSRF token, which every state-changing request must echo (form field or header).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

COOKIE = "duban_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    token: str  # the bearer token the services check (never shown, never in a URL)
    csrf: str
    tenant: str
    role: str
    unit: str | None
    name: str
    expires_at: float

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at


class Expired(Exception):
    """A cookie that was once valid but is no longer: the 「登录已过期」 page."""


class SessionSeal:
    def __init__(self, key: str | bytes) -> None:
        self.fernet = Fernet(key)

    @staticmethod
    def key_file(directory: Path) -> str:
        """The embedded run's key: one file, so every workbench process on the machine shares it."""
        path = directory / "workbench-session.key"
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(Fernet.generate_key())
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()

    def seal(self, session: Session) -> str:
        return self.fernet.encrypt(json.dumps(asdict(session)).encode()).decode()

    def open(self, cookie: str | None) -> Session | None:
        """None when there is no cookie; :class:`Expired` when it is past its time or unreadable."""
        if not cookie:
            return None
        try:
            session = Session(**json.loads(self.fernet.decrypt(cookie.encode())))
        except (InvalidToken, ValueError, TypeError):
            raise Expired() from None
        if session.expired():
            raise Expired()
        return session


def new_csrf() -> str:
    return secrets.token_urlsafe(24)
