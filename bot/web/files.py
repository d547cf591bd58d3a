"""Files the dashboard hands out: evidence screenshots, bulletin charts, exports, its own
CSS and JS.

A pusher's "screenshot" is whatever bytes arrived, so the bytes, not the file name,
decide how it is served: a real PNG/JPEG/GIF/WEBP image is shown inline with its own
type; anything else downloads as an opaque attachment (no HTML or script ever renders
on the dashboard's origin).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.web import dashboard, listings
from bot.web.actions import Download
from bot.web.context import WebError, ctx_of, path_id, viewer_of

CACHE = "private, max-age=3600"
STATIC_DIR = Path(__file__).parent / "static"


def image_type(head: bytes) -> str | None:
    """The MIME type of image bytes by their magic number (None when not an image)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def file_response(path: Path, download_name: str) -> web.FileResponse:
    """Inline for an image (by its bytes), otherwise an attachment of unknown type."""
    with path.open("rb") as f:
        kind = image_type(f.read(16))
    headers = {"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"}
    if kind is None:
        headers["Content-Type"] = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    else:
        headers["Content-Type"] = kind
        headers["Content-Disposition"] = "inline"
    return web.FileResponse(path, headers=headers)


async def evidence(request: web.Request) -> web.StreamResponse:
    """A stored evidence screenshot (only to those who may see its unit)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    push = dashboard.get_push(app, viewer, path_id(request, "push_id", "推送"))
    index = path_id(request, "index", "佐证截图")
    path = dashboard.evidence_file(app, viewer, push, index, ctx.config.data_dir)
    return file_response(path, f"evidence-{push.id}-{index}.bin")


async def bulletin_image(request: web.Request) -> web.StreamResponse:
    """A bulletin's chart image (/image the first, /image/2 the second…)."""
    ctx = ctx_of(request)
    bulletin_id = path_id(request, "bulletin_id", "通报")
    number = path_id(request, "number", "图") if "number" in request.match_info else 1
    path = listings.bulletin_image(ctx.rt.app, bulletin_id, ctx.config.data_dir, number)
    suffix = f"-{number}" if number > 1 else ""
    return file_response(path, f"bulletin-{bulletin_id}{suffix}.bin")


def download_response(download: Download) -> web.Response:
    """A file download with a Chinese file name (RFC 5987) and an ASCII fallback."""
    disposition = (
        f'attachment; filename="{download.ascii_name}"; '
        f"filename*=UTF-8''{quote(download.filename)}"
    )
    return web.Response(
        body=download.data,
        content_type=download.content_type,
        headers={"Content-Disposition": disposition},
    )


async def static_file(request: web.Request) -> web.StreamResponse:
    """The dashboard's own CSS and JS (a missing name is a Chinese 404, not an empty one)."""
    path = STATIC_DIR / request.match_info["name"]
    if not path.is_file():
        raise WebError(404, "页面不存在")
    return web.FileResponse(path)
