"""A minimal valid org as parsed TOML, and collecting what `parse_org` rejects: shared by
the org-file tests (test_orgfile*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.formats.orgfile import OrgError, parse_org

SOURCE = "组织文件 town.toml"


def small() -> dict[str, Any]:
    """A minimal valid org: command, one village with one grid, one unit."""
    return {
        "town": {"name": "演礼镇"},
        "groups": [
            {"id": "zhihui", "name": "演礼镇反诈指挥群", "level": "command"},
            {
                "id": "lijia",
                "name": "李家村反诈宣传群",
                "level": "village",
                "parent": "zhihui",
                "unit": "李家村",
            },
            {
                "id": "lijia-wg1",
                "name": "李家村第一网格群",
                "level": "grid",
                "parent": "lijia",
                "unit": "李家村",
            },
            {
                "id": "xiaoxue",
                "name": "中心小学家校反诈群",
                "level": "unit",
                "parent": "zhihui",
                "unit": "中心小学",
                "mode": "evidence",
            },
        ],
        "members": [
            {
                "name": "郭敏",
                "role": "leader",
                "wechat": "wx_leader",
                "groups": ["zhihui"],
                "phone": "13800138000",
            },
            {
                "name": "王芳",
                "role": "pusher",
                "unit": "李家村",
                "wechat": "wx_wangfang",
                "groups": ["zhihui", "lijia", "lijia-wg1"],
            },
            {
                "name": "李大山",
                "role": "household",
                "unit": "李家村",
                "wechat": "wx_lidashan",
                "groups": ["lijia-wg1"],
            },
        ],
    }


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(OrgError) as info:
        parse_org(data, SOURCE)
    return info.value.errors


def only_error(data: dict[str, Any]) -> str:
    errors = errors_of(data)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{SOURCE}：")
    return errors[0]
