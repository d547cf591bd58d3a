"""The 名册 pages: the roster, an upload's preview (removals first), import and restore.

An import that removes more than a tenth of the roster, or any leader, office or pusher,
is only written after the office types the number of people removed; the previous
version can be restored with one button (both audited).
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.formats.rosterfile import Removal
from bot.store import ROSTER_HISTORY
from bot.web import actions, dashboard
from bot.web.context import Viewer, WebContext, ctx_of, read_form, uploaded_file, viewer_of
from bot.web.pages import csrf_field, e, page, table

ROSTER_PAGE_ROWS = 500
PREVIEW_ROWS = 200
NOTICES = {
    "imported": "名册已导入，新名册已生效（已发起的推送仍按发起时的名册统计）。",
    "unchanged": "上传的名册与当前名册相同，没有变化。",
    "restored": "已恢复上一版名册，恢复后的名册已生效。",
    "restore-unchanged": "上一版名册与当前名册相同，没有变化。",
}


async def roster(request: web.Request) -> web.StreamResponse:
    """名册: members (phones masked except for the office), import, export and history."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    query = request.query.get("q", "").strip()
    unit = request.query.get("unit", "").strip()
    data = dashboard.roster_json(ctx.org, viewer, query, unit)
    notice = NOTICES.get(request.query.get("done", ""), "")
    counts = "，".join(f"{label} {n} 人" for label, n in data["counts"].items())
    options = "".join(
        f'<option value="{e(u)}"{" selected" if u == unit else ""}>{e(u)}</option>'
        for u in data["units"]
    )
    members = data["members"]
    rows = (
        (
            e(m["name"]),
            e(m["role"]),
            e(m["unit"]),
            e(m["wechat"]),
            e("、".join(m["group_names"])),
            e(m["phone"]),
        )
        for m in members[:ROSTER_PAGE_ROWS]
    )
    more = (
        f'<p class="hint">共 {len(members)} 人，只显示前 {ROSTER_PAGE_ROWS} 人，'
        "请用筛选或导出 Excel。</p>"
        if len(members) > ROSTER_PAGE_ROWS
        else ""
    )
    group_list = "、".join(f"{e(g['name'])}（{e(g['id'])}）" for g in data["groups"])
    content = (
        (f'<p class="notice" role="status">{e(notice)}</p>' if notice else "")
        + f'<p class="hint">{e(data["town"])}：{e(counts)}。</p>'
        '<form method="get" action="/roster" class="filters">'
        f'<input name="q" value="{e(query)}" placeholder="姓名或微信号">'
        f'<select name="unit"><option value="">全部村/单位</option>{options}</select>'
        '<button type="submit">筛选</button>'
        '<a class="button" href="/api/roster.xlsx" data-download="roster">导出 Excel</a></form>'
        + table(("姓名", "角色", "村/单位", "微信号", "所在群", "手机号"), rows)
        + more
        + (_import_form(viewer) + _history(ctx, viewer) if viewer.can_manage_roster else "")
        + f"<details><summary>群编号一览</summary><p>{group_list}</p></details>"
    )
    return page(ctx, viewer, "名册", content, "/roster")


def _import_form(viewer: Viewer) -> str:
    return (
        '<section class="card"><h2>导入名册</h2>'
        '<p class="hint">上传 .xlsx 或 .csv：每行一人，列为 姓名、'
        "角色（领导/办公室/监督员/推送员/户主）、"
        "村/单位、微信号、所在群（群编号，用“、”或“,”分隔）、手机号。群以当前名册为准，"
        "导入只替换成员。先预览检查，确认后才写入；有任何一行出错都不会导入。"
        "删除超过一成的人，或删除任何领导、办公室、推送员时，须输入删除人数确认。"
        "可先导出当前名册作为模板。</p>"
        '<form method="post" action="/roster/preview" enctype="multipart/form-data">'
        f'{csrf_field(viewer)}<input type="file" name="file" accept=".xlsx,.csv" required>'
        '<button type="submit">上传并预览</button></form></section>'
    )


def _history(ctx: WebContext, viewer: Viewer) -> str:
    """The stored versions and the one-click restore of the previous one."""
    store = ctx.rt.app.store
    versions = store.roster_history()
    current = versions[0].version if versions else 0
    previous = next((v for v in versions if v.version < current), None)
    # A list, not a table: the page's one table is the roster itself.
    items = "".join(
        f"<li>第 {v.version} 版{'（当前）' if v.version == current else ''}："
        f"{e(f'{v.created_at.astimezone(ctx.config.tz):%Y-%m-%d %H:%M}')}，{v.members} 人，"
        f"{e(v.source)}</li>"
        for v in versions
    )
    restore = (
        '<form method="post" action="/roster/restore" class="actions">'
        f"{csrf_field(viewer)}"
        f'<button type="submit">恢复上一版（第 {previous.version} 版，{previous.members} 人）'
        "</button></form>"
        if previous is not None
        else '<p class="hint">还没有可以恢复的上一版。</p>'
    )
    return (
        '<section class="card" id="roster-history"><h2>名册版本</h2>'
        f'<p class="hint">保存最近 {ROSTER_HISTORY} 版（以及已发起推送所用的版本）；'
        "恢复会把上一版另存为新的一版，可以再次恢复。</p>"
        + f'<ul class="versions">{items}</ul>'
        + restore
        + "</section>"
    )


def _removal_section(removal: Removal, token: str, viewer: Viewer) -> str:
    """What will be removed, first; the typed confirmation when the removal is big."""
    lines = "".join(f"<li>{e(line)}</li>" for line in removal.describe()[1:])
    summary = (
        f'<section class="card removal" role="alert"><h2>{e(removal.describe()[0])}</h2>'
        f'<ul class="removed">{lines}</ul></section>'
    )
    hidden = f'{csrf_field(viewer)}<input type="hidden" name="token" value="{e(token)}">'
    if not removal.needs_typed_confirm:
        return summary + (
            '<form method="post" action="/roster/import" class="actions">'
            f'{hidden}<button type="submit">确认导入（删除 {removal.count} 人）</button> '
            '<a href="/roster">取消</a></form>'
        )
    return summary + (
        '<form method="post" action="/roster/import" class="actions typed-confirm">'
        f'{hidden}<p class="error">删除人数较多或包含领导、办公室、推送员。'
        f"如确认无误，请在下面输入删除人数 {e(removal.confirm_text)} 后再导入；"
        "删除的人员会保留在名册版本中，可随时恢复上一版。</p>"
        f'<label>删除人数<input name="confirm" inputmode="numeric" autocomplete="off" '
        f'required pattern="{e(removal.confirm_text)}"></label>'
        f'<button type="submit" class="danger">确认删除 {removal.count} 人并导入</button> '
        '<a href="/roster">取消</a></form>'
    )


async def roster_preview(request: web.Request) -> web.StreamResponse:
    """Check an uploaded roster and show every problem, or what it removes, before writing."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    filename, data = await uploaded_file(request)
    preview = await actions.preview_roster(ctx, viewer, filename, data)
    result = preview.result
    ignored = (
        f'<p class="hint">已忽略的列：{e("、".join(result.ignored_columns))}</p>'
        if result.ignored_columns
        else ""
    )
    shown = result.rows[:PREVIEW_ROWS]
    keys = ("name", "role", "unit", "wechat", "groups", "phone")
    rows = table(
        ("行", "姓名", "角色", "村/单位", "微信号", "所在群", "手机号"),
        ((str(r.number), *(e(r.values.get(k, "")) for k in keys)) for r in shown),
    )
    title = f"名册预览：{result.filename}"
    if preview.token is None:
        errors = "".join(f"<li>{e(msg)}</li>" for msg in result.errors)
        content = (
            f'<p class="error" role="alert">名册有 {len(result.errors)} 处错误，'
            "没有导入任何数据。请改正后重新上传。</p>"
            f'<ul class="errors">{errors}</ul>{ignored}'
            f'<p><a class="button" href="/roster">返回名册</a></p>'
            + (f"<h2>文件内容（前 {len(shown)} 行）</h2>{rows}" if shown else "")
        )
        return page(ctx, viewer, title, content, "/roster", 400)
    changes, removal = preview.changes, preview.removal
    assert changes is not None and removal is not None
    counts = (
        f"共 {changes['total']} 人；新增 {changes['added']} 人，删除 {changes['removed']} 人，"
        f"修改 {changes['changed']} 人。"
    )
    if removal.count:
        content = _removal_section(removal, preview.token, viewer) + (
            f'<p class="hint" role="status">格式检查通过：{counts}确认后新名册立即生效。</p>'
        )
    else:
        content = (
            f'<p class="ok" role="status">检查通过：{counts}确认后新名册立即生效。</p>'
            '<form method="post" action="/roster/import" class="actions">'
            f'{csrf_field(viewer)}<input type="hidden" name="token" value="{e(preview.token)}">'
            '<button type="submit">确认导入</button> <a href="/roster">取消</a></form>'
        )
    content += f"{ignored}<h2>文件内容（前 {len(shown)} 行）</h2>{rows}"
    return page(ctx, viewer, title, content, "/roster")


async def roster_import(request: web.Request) -> web.StreamResponse:
    """Confirm a previewed import (with the typed number when the preview asked for it)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    changes = actions.confirm_roster(
        ctx, viewer, str(form.get("token", "")), str(form.get("confirm", ""))
    )
    done = "imported" if changes["imported"] else "unchanged"
    raise web.HTTPSeeOther(f"/roster?{urlencode({'done': done})}")


async def roster_restore(request: web.Request) -> web.StreamResponse:
    """Restore the previous roster version (the button on the 名册 page)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    restored = actions.restore_previous_roster(ctx, viewer)
    done = "restored" if restored.changed else "restore-unchanged"
    raise web.HTTPSeeOther(f"/roster?{urlencode({'done': done})}#roster-history")
