"""Encryption of personal data at rest (Fernet: AES-128-CBC + HMAC, from `cryptography`)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

from duban_common.logging import get_logger

log = get_logger(__name__)


class Protector:
    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, value: str | None) -> bytes | None:
        return None if value is None else self._fernet.encrypt(value.encode())

    def open(self, token: bytes | None) -> str | None:
        return None if token is None else self._fernet.decrypt(token).decode()


def load_key(configured: str | None, data_dir: Path) -> str:
    if configured:
        return configured
    path = data_dir / "intake-pii.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(Fernet.generate_key())
        log.warning("generated a personal-data key; production must set DUBAN_PII_KEY from a secret", path=str(path))
    return path.read_text().strip()
