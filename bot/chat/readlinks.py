"""Read-confirm links for pushes: which groups get one, and the key that signs them.

On when `web.public_url` is set. The key comes from `web.secret` when there is one (so links
survive a change of database), else a random key kept in the store (so they survive a
restart). Relays carry their group's link; the command-group announcement lists the links
of forward and evidence groups for their pushers to paste; 群发 tasks carry their groups'.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.domain.model import Delivery, Mode
from bot.domain.readlink import derive_key, link_url, sign

if TYPE_CHECKING:
    from bot.app import App

META_KEY = "readlink_key"
# Groups where the bot cannot hear households reply: there a tap is the receipt.
UNHEARD_MODES = frozenset({Mode.EVIDENCE, Mode.TASK})
# Groups whose pusher posts the content by hand: the announcement gives them the link.
PASTED_MODES = frozenset({Mode.FORWARD, Mode.EVIDENCE})


def link_key(app: App) -> bytes:
    """The key read-confirm tokens are signed with (created on first use)."""
    secret = app.config.web.secret
    if secret:
        return derive_key(secret.encode("utf-8"))
    stored = app.store.get_meta(META_KEY)
    if stored is None:
        stored = secrets.token_hex(32)
        app.store.set_meta(META_KEY, stored)
    return derive_key(bytes.fromhex(stored))


def read_link(app: App, push_id: int, group_id: str) -> str | None:
    """The link of one push in one group, or None when links are off."""
    public_url = app.config.web.public_url
    if not public_url:
        return None
    return link_url(public_url, sign(link_key(app), push_id, group_id))


def named_links(app: App, push_id: int, group_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(group name, link) for these groups; empty when links are off."""
    if not app.config.web.public_url:
        return []
    links = []
    for group_id in group_ids:
        group = app.org.group(group_id)
        url = read_link(app, push_id, group_id)
        if url is not None:
            links.append((group.name if group else group_id, url))
    return links


def pasted_links(app: App, push_id: int, deliveries: Sequence[Delivery]) -> list[tuple[str, str]]:
    """The links the announcement hands to pushers of forward and evidence groups."""
    return named_links(app, push_id, [d.group_id for d in deliveries if d.mode in PASTED_MODES])
