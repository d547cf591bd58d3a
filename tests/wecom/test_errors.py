"""Every mapped errcode reads as Chinese naming the call and what to check; config errors are
fatal, rejections final, the rest transient."""

from __future__ import annotations

import re

import pytest

from bot.transport.base import FatalTransportError
from bot.transport.wecom import WecomConfigError, WecomRejectedError, api_error
from bot.transport.wecom.errors import _EXPLAIN

CJK = re.compile(r"[\u4e00-\u9fff]")

EXPECTED_WORDS = {
    40001: ("客户联系", "可调用应用", "wecom.secret"),
    40091: ("别的企业", "wecom.secret"),
    40013: ("wecom.corp_id",),
    60020: ("企业可信IP", "1 分钟"),
    48002: ("无权限", "可调用应用", "可见范围"),
    40014: ("access_token",),
    42001: ("过期",),
    45009: ("频率", "1 小时"),
    45033: ("并发",),
    41094: ("24 小时 3 次",),
    41093: ("已被取消",),
    40007: ("media_id", "3 天"),
    41048: ("没有可发送的客户群", "本月", "当月天数"),
    41063: ("派发",),
    84061: ("不是任何成员的好友",),
    93000: ("webhook", "wecom.webhook_key"),
    93004: ("停用",),
    93008: ("不在群里",),
}
CONFIG = {40001, 40091, 40013, 41001, 41002, 41004, 60020, 48002, 40056, 93000, 93004, 93008}
TRANSIENT = {-1, 40014, 42001, 45009, 45033, 41063}


@pytest.mark.parametrize("errcode", sorted(_EXPLAIN))
def test_every_mapped_errcode_is_explained_in_chinese(errcode: int) -> None:
    err = api_error("add_msg_template", errcode, "whatever, hint: [x], from ip: 1.2.3.4")
    text = str(err)
    assert text.startswith("企业微信接口创建客户群群发任务（add_msg_template）失败")
    assert f"错误码 {errcode}" in text and CJK.search(text.split("：", 1)[1])
    assert err.errcode == errcode and err.call == "add_msg_template"
    for word in EXPECTED_WORDS.get(errcode, ()):
        assert word in text, (errcode, word)
    assert isinstance(err, FatalTransportError) == (errcode in CONFIG)
    assert err.retry_later == (errcode in TRANSIENT)
    assert isinstance(err, WecomRejectedError) == (errcode not in CONFIG | TRANSIENT)


def test_unknown_errcode_falls_back_to_code_and_errmsg() -> None:
    err = api_error("get_groupmsg_task", 12345, "strange thing, hint: [abc], from ip: 1.2.3.4")
    label = "企业微信接口查询群发成员执行结果（get_groupmsg_task）"
    assert str(err) == f"{label}失败：错误码 12345（strange thing）"
    assert isinstance(err, WecomRejectedError) and not err.retry_later


def test_60020_names_the_ip_wecom_saw() -> None:
    err = api_error(
        "gettoken", 60020, "not allow to access from your ip, hint: [h], from ip: 8.8.4.4"
    )
    assert isinstance(err, WecomConfigError) and "8.8.4.4" in str(err)
