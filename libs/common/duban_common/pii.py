"""Masking of citizens' personal data for lists, exports and logs (张*三, 138****5678)."""

from __future__ import annotations

import re


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_phones_in_text(text: str) -> str:
    """Mainland mobile numbers written inside free text (a message's content)."""
    return _PHONE_IN_TEXT.sub(r"\1****\2", text)
