"""The route table: every page, API call and file the dashboard serves."""

from __future__ import annotations

from aiohttp import web

from bot.web import api, console, desk, files
from bot.web import warnings as warning_api
from bot.web.views import callbacks, library, login, media, pushes, readlink, reports, roster, tips
from bot.web.views import cases as case_pages
from bot.web.views import drives as drive_pages
from bot.web.views import trace as trace_views
from bot.web.views import warnings as warning_pages


def add_pages(r: web.UrlDispatcher) -> None:
    """Login and the HTML pages."""
    r.add_get("/login", login.login_page)
    r.add_post("/login", login.login)
    r.add_post("/logout", login.logout)
    r.add_get("/", pushes.overview)
    r.add_get("/pushes/{push_id:\\d+}", pushes.push_detail)
    r.add_get("/ranking", reports.ranking)
    r.add_get("/roster", roster.roster)
    r.add_post("/roster/preview", roster.roster_preview)
    r.add_post("/roster/import", roster.roster_import)
    r.add_post("/roster/restore", roster.roster_restore)
    r.add_get("/content", library.content_list)
    r.add_get("/content/{content_id:\\d+}", library.content_item)
    r.add_post("/content/{content_id:\\d+}/push", library.content_push)
    r.add_post("/content/new", media.content_upload)
    r.add_get("/content/{content_id:\\d+}/media/{index:\\d+}", media.content_media)
    r.add_get("/bulletins", reports.bulletins)
    r.add_get("/bulletins/{bulletin_id:\\d+}/image", files.bulletin_image)
    r.add_get("/bulletins/{bulletin_id:\\d+}/image/{number:\\d+}", files.bulletin_image)
    r.add_get("/tips", tips.tip_list)
    r.add_get("/tips/{tip_id:\\d+}", tips.tip_detail)
    r.add_post("/tips/{tip_id:\\d+}", tips.tip_change)
    r.add_get("/drives", drive_pages.drive_list)
    r.add_post("/drives", drive_pages.drive_create)
    r.add_get("/drives/{drive_id:\\d+}", drive_pages.drive_detail)
    r.add_get("/drives/{drive_id:\\d+}/export.xlsx", drive_pages.drive_xlsx)
    r.add_get("/trace", trace_views.trace_page)
    r.add_get("/trace/export.{kind:xlsx|pdf}", trace_views.trace_export)
    r.add_get("/warnings", warning_pages.warning_list)
    r.add_post("/warnings", warning_pages.warning_issue)
    r.add_get("/warnings/{warning_id:\\d+}", warning_pages.warning_detail)
    r.add_post("/warnings/{warning_id:\\d+}/evaluation", warning_pages.warning_evaluate)
    r.add_get("/warnings/{warning_id:\\d+}/photo", warning_pages.warning_photo)
    r.add_get("/cases", case_pages.cases_page)
    r.add_post("/cases", case_pages.cases_enter)
    r.add_post("/cases/preview", case_pages.cases_preview)
    r.add_post("/cases/import", case_pages.cases_import)
    r.add_post("/cases/population", case_pages.cases_population)
    r.add_get("/cases/export.xlsx", case_pages.cases_export)
    r.add_get("/cases/template.xlsx", case_pages.cases_template)
    r.add_get("/callbacks", callbacks.callback_list)
    r.add_post("/callbacks", callbacks.callback_draw)
    r.add_get("/callbacks/{round_id:\\d+}", callbacks.callback_detail)
    r.add_post("/callbacks/{round_id:\\d+}", callbacks.callback_save)
    r.add_post("/callbacks/{round_id:\\d+}/close", callbacks.callback_close)
    r.add_get("/callbacks/{round_id:\\d+}/calls.xlsx", callbacks.callback_xlsx)
    r.add_post("/callbacks/{round_id:\\d+}/preview", callbacks.callback_preview)
    r.add_post("/callbacks/{round_id:\\d+}/import", callbacks.callback_import)
    r.add_get("/audit", reports.audit)
    r.add_get("/evidence/{push_id:\\d+}/{index:\\d+}", files.evidence)
    r.add_get("/console", console.console_page)
    r.add_get("/static/{name:[\\w.-]+}", files.static_file)
    # Public (no login): the read-confirm page households open from a group.
    r.add_get("/r/{token}", readlink.read_page)
    r.add_post("/r/{token}", readlink.read_tap)


def add_api(r: web.UrlDispatcher) -> None:
    """The JSON API under /api/ (the console's included)."""
    r.add_get("/api/me", api.me)
    r.add_get("/api/pushes", api.pushes)
    r.add_post("/api/pushes", api.create_push)
    r.add_get("/api/pushes/{push_id:\\d+}", api.push_detail)
    r.add_get("/api/pushes/{push_id:\\d+}/coverage.xlsx", api.coverage_xlsx)
    r.add_get("/api/ranking", api.ranking)
    r.add_get("/api/ranking.xlsx", api.ranking_xlsx)
    r.add_get("/api/roster", api.roster)
    r.add_get("/api/roster.xlsx", api.roster_xlsx)
    r.add_post("/api/roster/preview", api.roster_preview)
    r.add_post("/api/roster/import", api.roster_import)
    r.add_get("/api/roster/history", api.roster_history)
    r.add_post("/api/roster/restore", api.roster_restore)
    r.add_get("/api/content", api.content)
    r.add_get("/api/content/{content_id:\\d+}", api.content_item)
    r.add_get("/api/bulletins", api.bulletins)
    r.add_get("/api/audit", api.audit)
    r.add_get("/api/trace", trace_views.api_trace)
    r.add_get("/api/tips", desk.api_tips)
    r.add_get("/api/tips/{tip_id:\\d+}", desk.api_tip)
    r.add_post("/api/tips/{tip_id:\\d+}", desk.api_change)
    r.add_get("/api/warnings", warning_api.api_list)
    r.add_get("/api/warnings.xlsx", warning_api.api_register)
    r.add_post("/api/warnings", warning_api.api_issue)
    r.add_get("/api/warnings/{warning_id:\\d+}", warning_api.api_detail)
    r.add_post("/api/warnings/{warning_id:\\d+}/evaluation", warning_api.api_evaluate)
    r.add_get("/api/cases", case_pages.api_cases)
    r.add_post("/api/cases", case_pages.api_enter)
    r.add_get("/api/console/chats", console.api_chats)
    r.add_get("/api/console/history", console.api_history)
    r.add_post("/api/console/send", console.api_send)
    # An endless event stream: a HEAD would still get its body written (broken framing).
    r.add_get("/api/console/stream", console.api_stream, allow_head=False)


def add_routes(app: web.Application) -> None:
    """Register every route of the dashboard."""
    add_pages(app.router)
    add_api(app.router)
