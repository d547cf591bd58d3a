"""The 回访 call list as an Excel file: exported for the 督导组, filled in, uploaded back.

Columns: 村/单位, 姓名, 电话, 所在群, 结果 (empty), 备注. An upload is checked row by row
against the round's call list (a row is found by 村/单位 + 姓名 + 电话); every problem is one
sentence naming the file, the row and the column, and a file with any problem records
nothing. A row with an empty 结果 is left as it is (not called yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from bot.domain.callbacks import NOTE_MAX_CHARS, OUTCOMES, Call, OutcomeEntry, outcome_of
from bot.formats.checks import InputError
from bot.formats.sheets import read_table
from bot.formats.xlsx import save_workbook

HEADER = ("村/单位", "姓名", "电话", "所在群", "结果", "备注")
_WIDTHS = (14, 10, 15, 28, 10, 30)


def call_list_workbook(round_id: int, calls: Sequence[Call]) -> bytes:
    """The call list of a round as .xlsx bytes (phones in full: the office's export)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"第{round_id}轮回访"
    sheet.append(HEADER)
    for col, width in enumerate(_WIDTHS, 1):
        head = sheet.cell(row=1, column=col)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[head.column_letter].width = width
    for call in calls:
        sheet.append([call.unit, call.name, call.phone, call.groups, call.outcome, call.note])
        sheet.cell(row=sheet.max_row, column=3).number_format = "@"  # phones stay text
    sheet.freeze_panes = "A2"
    return save_workbook(book)


@dataclass(frozen=True)
class UploadRow:
    """One checked row of an upload, as the preview shows it."""

    line: int
    call: Call
    typed: str  # what the 结果 cell said
    outcome: str  # 知晓 / 不知晓 / 无法联系, or "" (left empty)
    note: str

    @property
    def change(self) -> str:
        """新登记 / 改为… / 不变 / 未填写（保持原样）."""
        if not self.outcome:
            return "未填写（保持原样）"
        if not self.call.outcome:
            return "新登记"
        if (self.call.outcome, self.call.note) == (self.outcome, self.note):
            return "不变"
        return f"由“{self.call.outcome}”改为“{self.outcome}”"


@dataclass
class CallbackUpload:
    """A checked upload of a round's call list."""

    filename: str
    round_id: int
    rows: list[UploadRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[OutcomeEntry]:
        """The outcomes the upload records (rows with a 结果 that changes something)."""
        return [
            OutcomeEntry(r.call.wechat, r.outcome, r.note)
            for r in self.rows
            if r.outcome and r.change != "不变"
        ]


def read_call_list(
    filename: str, data: bytes, round_id: int, calls: Sequence[Call]
) -> CallbackUpload:
    """Check an uploaded call list against the round's; problems land in `errors`."""
    upload = CallbackUpload(filename, round_id)
    source = f"文件 {filename}"
    try:
        table = read_table(filename, data, source)
    except InputError as exc:
        upload.errors.extend(exc.errors)
        return upload
    if not table:
        upload.errors.append(f"{source}：文件是空的，没有找到表头")
        return upload
    columns = _columns(table[0], source, upload.errors)
    if columns is None:
        return upload
    by_key = {(c.unit, c.name, c.phone): c for c in calls}
    seen: dict[str, int] = {}
    for line, row in enumerate(table[1:], 2):
        if any(cell for cell in row):
            _check_row(upload, source, line, row, columns, by_key, seen)
    if not upload.rows and not upload.errors:
        upload.errors.append(f"{source}：表头下面没有任何数据行")
    return upload


def _columns(head: Sequence[str], source: str, errors: list[str]) -> dict[str, int] | None:
    names = [h.strip() for h in head]
    missing = [h for h in HEADER if h not in names]
    if missing:
        errors.append(
            f"{source} 第 1 行：缺少列 {'、'.join(missing)}（表头应为 {'、'.join(HEADER)}，"
            "请使用从回访页面导出的名单）"
        )
        return None
    return {h: names.index(h) for h in HEADER}


def _check_row(
    upload: CallbackUpload,
    source: str,
    line: int,
    row: Sequence[str],
    columns: dict[str, int],
    by_key: dict[tuple[str, str, str], Call],
    seen: dict[str, int],
) -> None:
    def cell(name: str) -> str:
        index = columns[name]
        return row[index].strip() if index < len(row) else ""

    where = f"{source} 第 {line} 行"
    key = (cell("村/单位"), cell("姓名"), cell("电话"))
    call = by_key.get(key)
    if call is None:
        upload.errors.append(
            f"{where}：{key[0]} {key[1]}（{key[2] or '无电话'}）不在第 {upload.round_id} 轮的"
            "抽查名单中（请不要修改“村/单位”“姓名”“电话”列）"
        )
        return
    if call.wechat in seen:
        upload.errors.append(f"{where}：{call.name} 与第 {seen[call.wechat]} 行重复")
        return
    seen[call.wechat] = line
    typed, note = cell("结果"), cell("备注")
    outcome = outcome_of(typed) if typed else ""
    if outcome is None:
        upload.errors.append(
            f"{where} “结果”列：无法识别“{typed[:20]}”，请填写 {'、'.join(OUTCOMES)} 之一"
        )
        return
    if len(note) > NOTE_MAX_CHARS:
        upload.errors.append(f"{where} “备注”列：最多 {NOTE_MAX_CHARS} 个字")
        return
    upload.rows.append(UploadRow(line, call, typed, outcome, note))
