"""The media parts of a relay: after the push's text, each image, the video, each file and
the link card, queued as outbox rows of their own in that order.

A push knows its content item (`content_id`); the parts are that item's media as the
library holds it, with paths made absolute against the content folder. Each part has its
own dedupe key (`relay:<push>:<group>:<n>`, `announce:<push>:<n>`), so re-planning after a
crash queues nothing twice, and carries its push, so a withdrawal cancels it. Only the text
is the group's delivery (`Relays.on_sent`). The announcement in the command group carries
the media too: that is what pushers of forward-mode groups forward.
"""

from __future__ import annotations

from pathlib import Path

from bot.context import Context
from bot.domain.media import MediaPart, media_parts
from bot.domain.model import Content, MessageKind, OutgoingMessage, Push
from bot.formats.content import content_folder

KINDS = {
    "image": MessageKind.IMAGE,
    "video": MessageKind.FILE,
    "file": MessageKind.FILE,
    "link": MessageKind.LINK,
}
LABELS = {"image": "[图片]", "video": "[视频]", "file": "[文件]"}


def item_of(ctx: Context, push: Push) -> Content | None:
    """The library item a push was made from, if any."""
    if push.content_id is None:
        return None
    return next((c for c in ctx.app.library if c.id == push.content_id), None)


def parts_of(item: Content) -> list[MediaPart]:
    """An item's media in sending order."""
    return media_parts(item.media, item.video, item.files, item.link)


def queue_media(ctx: Context, push: Push, conversation: str, key: str, relay: bool) -> None:
    """Queue the media parts of `push` into `conversation` after its text (already queued
    under `key`): a relay's parts, or the announcement's, which pushers forward."""
    item = item_of(ctx, push)
    if item is None:
        return
    folder = content_folder(ctx.app.config)
    for n, part in enumerate(parts_of(item), 1):
        path = str(Path(folder) / part.path) if part.path else None
        ctx.app.store.enqueue(
            OutgoingMessage(
                conversation=conversation,
                text=part.link.as_text() if part.link else LABELS[part.kind],
                kind=KINDS[part.kind],
                path=path,
                link=part.link,
                dedupe_key=f"{key}:{n}",
                push_id=push.id,
                group_id=conversation if relay else None,
            ),
            ctx.now,
        )
