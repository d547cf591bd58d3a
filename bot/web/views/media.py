"""素材库 media: an item's posters on its page, and a new item with a poster by upload.

The upload writes a Markdown item (TOML front matter) and its poster into the content
folder, checks it exactly as `check-config` would (the item parses, the poster is an image
within the size limit), then reloads the running app's library, so `推送 素材N` finds it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

from bot.formats.checks import toml_string
from bot.formats.content import ContentError, content_folder, load_library, parse_item
from bot.formats.media import LIMITS, media_problems
from bot.web.context import WebContext, WebError, ctx_of, path_id, read_form, viewer_of
from bot.web.dashboard import content_item as find_item
from bot.web.files import file_response, image_type

SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


async def content_media(request: web.Request) -> web.StreamResponse:
    """An item's image number N (its posters, then its link card's thumb), 1-based."""
    ctx = ctx_of(request)
    item = find_item(ctx.rt.app.library, path_id(request, "content_id", "素材"))
    index = path_id(request, "index", "图片")
    names = [*item.media, *([item.link.thumb] if item.link and item.link.thumb else [])]
    folder = Path(content_folder(ctx.rt.app.config)).resolve()
    path = (folder / names[index - 1]).resolve() if index <= len(names) else None
    if path is None or not path.is_relative_to(folder) or not path.is_file():
        raise WebError(404, f"素材{item.id}没有第 {index} 张图片")
    return file_response(path, f"content-{item.id}-{index}.bin")


async def content_upload(request: web.Request) -> web.StreamResponse:
    """POST /content/new: a new item with a poster; then its page."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    if not viewer.can_push:
        raise WebError(403, "只有办公室和领导可以新增素材")
    form = await read_form(request)
    fields = {k: str(form.get(k, "")).strip() for k in ("title", "fraud_types", "body")}
    poster = form.get("poster")
    if not isinstance(poster, web.FileField):
        raise WebError(400, "请上传海报图片（字段 poster）")
    data = poster.file.read()
    item_id = save_item(ctx, viewer.name, fields, data)
    raise web.HTTPSeeOther(f"/content/{item_id}")


def save_item(ctx: WebContext, who: str, fields: dict[str, str], data: bytes) -> int:
    """Write the item and its poster, check them, reload the library; the new id."""
    kind = image_type(data[:16])
    if kind is None:
        raise WebError(400, "海报应为 PNG、JPEG、GIF 或 WebP 图片")
    if len(data) > LIMITS["image"]:
        raise WebError(400, f"海报太大（{len(data) // 1024} KB），最多 10 MB")
    if not fields["title"] or not fields["body"]:
        raise WebError(400, "请填写标题和正文")
    app = ctx.rt.app
    folder = Path(content_folder(app.config))
    item_id = max((c.id for c in app.library), default=0) + 1
    poster = f"posters/upload-{item_id}-{hashlib.sha256(data).hexdigest()[:8]}{SUFFIX[kind]}"
    types = [t.strip() for t in fields["fraud_types"].replace("，", ",").split(",") if t.strip()]
    text = (
        f"+++\nid = {item_id}\ntitle = {toml_string(fields['title'])}\n"
        f"fraud_types = [{', '.join(toml_string(t) for t in types)}]\naudiences = []\n"
        f"media = [{toml_string(poster)}]\n+++\n{fields['body']}\n"
    )
    try:
        item = parse_item(text, f"upload-{item_id}.md")
    except ContentError as exc:
        raise WebError(400, "；".join(exc.errors)) from None
    (folder / poster).parent.mkdir(parents=True, exist_ok=True)
    (folder / poster).write_bytes(data)
    md = folder / f"{item_id:03d}-upload.md"
    md.write_text(text, encoding="utf-8")
    problems = media_problems(folder, [item])
    try:
        library = load_library(folder)
    except ContentError as exc:
        problems.extend(exc.errors)
    if problems:
        md.unlink()
        (folder / poster).unlink()
        raise WebError(400, "；".join(problems))
    app.library = library
    with app.store.transaction():
        app.store.audit(app.clock.now(), who, "新增素材", f"素材{item_id}《{item.title}》")
    return item_id
