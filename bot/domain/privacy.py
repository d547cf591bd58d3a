"""What may be shown of a person: phone numbers are masked except for the office."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """ "138****1234" (empty for no phone)."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
