"""What may be shown of a person: phone numbers (and a 预警 victim's name and ID number) are
masked for those not entitled to them."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """ "138****1234" (empty for no phone)."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(number: str) -> str:
    """ "110101********1234" (the first six and last four kept)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """ "张*" / "欧阳**": the family name only."""
    if len(name) <= 1:
        return name
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
