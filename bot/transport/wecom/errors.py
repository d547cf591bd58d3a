"""WeCom API errors in Chinese: which call failed, what the errcode means, what to check.

Three kinds, so callers know what to do with a failure:
- `WecomConfigError` (a `FatalTransportError`): the setup is wrong (secret, corpid, trusted IP,
  「可调用应用」, webhook key); retrying cannot help until the office fixes it.
- `WecomRejectedError`: WeCom refused this one request (remind cap, expired media, quota used
  up, cancelled task); other calls still work, repeating the same request will not.
- plain `WecomError`: transient (network, rate limits, 正在派发); the caller may retry later,
  nothing is lost.
"""

from __future__ import annotations

import re

from bot.transport.base import FatalTransportError, TransportError

__all__ = [
    "WecomConfigError",
    "WecomError",
    "WecomRejectedError",
    "api_error",
    "call_label",
    "unreachable_error",
]

_SECRET_HINT = (
    "请检查 wecom.secret：须用「客户联系」的 secret，"
    "或已加入「客户联系 → 可调用应用」的自建应用的 secret"
)

# errcode → (Chinese explanation with what to check, kind); kind: "config" | "rejected" | "retry"
_EXPLAIN: dict[int, tuple[str, str]] = {
    -1: ("企业微信系统繁忙，请稍后再试", "retry"),
    40001: (
        "secret 不正确（与企业ID不匹配、secret 已重置或应用已停用）；" + _SECRET_HINT,
        "config",
    ),
    40091: ("secret 不合法（可能用了别的企业的 secret）；" + _SECRET_HINT, "config"),
    40013: (
        "企业ID（corpid）不正确，请检查 wecom.corp_id（管理后台「我的企业」页最下方）",
        "config",
    ),
    41002: ("缺少企业ID（corpid），请检查 wecom.corp_id", "config"),
    41004: ("缺少 secret，请检查 wecom.secret", "config"),
    41001: ("请求缺少 access_token（本程序的问题，请报告开发者）", "config"),
    40014: (
        "access_token 无效，已自动重新获取一次仍失败；请稍后再试，"
        "若持续出现请检查 secret 是否被重置",
        "retry",
    ),
    42001: ("access_token 已过期，已自动重新获取一次仍失败；请稍后再试", "retry"),
    60020: (
        "本机 IP 不在应用的「企业可信IP」中：请在管理后台 应用管理 → 该自建应用 → 企业可信IP "
        "加入本机出口 IP（修改后约 1 分钟生效）",
        "config",
    ),
    48002: (
        "接口无权限调用：secret 不对（客户联系接口须用「客户联系」secret 或"
        "「可调用应用」中的自建应用 secret），或该应用不在「客户联系 → 可调用应用」中，"
        "或成员/群主不在应用的可见范围内",
        "config",
    ),
    45009: (
        "接口调用频率超过限制，已自动退避重试仍未成功，请稍后再试；"
        "若刚多次用错 secret 获取 token，本机 IP 会被封禁约 1 小时",
        "retry",
    ),
    45033: ("接口并发调用超过限制，已自动退避重试仍未成功，请稍后再试", "retry"),
    41063: ("群发消息正在派发中，请稍后再查询", "retry"),
    41094: ("该群发任务的提醒已超过每 24 小时 3 次的上限，请 24 小时后再催办", "rejected"),
    41093: ("该群发任务已被取消，不能再提醒或查询发送", "rejected"),
    41047: ("群发消息 id（msgid）缺少或无效，请确认任务是本应用创建的", "rejected"),
    40007: ("media_id 无效或已过期（临时素材只在上传后 3 天内有效），请重新上传素材", "rejected"),
    41048: (
        "没有可发送的客户群：所选客户群本月可接收的群发次数已用完（每个客户群每月接收群发有上限，"
        "默认为当月天数），或所选群不属于该成员",
        "rejected",
    ),
    41064: ("附件数量超过限制（最多 9 个）", "rejected"),
    41065: ("无效的附件类型（只能是 image、link、miniprogram、video、file）", "rejected"),
    40063: ("参数为空：文本和附件不能同时为空", "rejected"),
    40058: ("参数不合法（如群数超过 2000、文本超过 4000 字节、分页参数越界）", "rejected"),
    40096: ("不合法的外部联系人 userid", "rejected"),
    86214: ("群发类型（chat_type）不合法", "rejected"),
    84061: (
        "不存在外部联系人关系：该居民不是任何成员的好友，只能从客户群详情里取得名字",
        "rejected",
    ),
    81013: (
        "接收人全部无效：userid 不存在或不在应用的可见范围内，请检查成员的企业微信账号",
        "rejected",
    ),
    81017: ("应用可见范围超过 1000 人，须按群主分批查询客户群", "rejected"),
    60111: ("成员 userid 不存在，请检查组织文件里的企业微信账号", "rejected"),
    40050: ("客户群 chat_id 不存在或不属于本企业，请重新同步客户群", "rejected"),
    40056: ("应用 AgentId 不正确，请检查 wecom.agent_id", "config"),
    40004: ("不合法的媒体文件类型（图片须为 JPG/PNG，视频须为 MP4，语音须为 AMR）", "rejected"),
    40005: ("不合法的素材类型参数（只能是 image、voice、video、file）", "rejected"),
    40006: ("不合法的文件大小（须大于 5 字节且不超过该类型的上限）", "rejected"),
    41005: ("缺少多媒体文件数据（表单字段 media）", "rejected"),
    44001: ("多媒体文件为空", "rejected"),
    45001: ("多媒体文件大小超过限制", "rejected"),
    47001: ("请求数据格式错误（本程序的问题，请报告开发者）", "rejected"),
    93000: (
        "群机器人 webhook 地址不合法或机器人已被移出群，请检查 wecom.webhook_key",
        "config",
    ),
    93004: ("群机器人已被停用，请在群里重新启用或换一个机器人", "config"),
    93008: ("群机器人不在群里，请把机器人加回群或检查 wecom.webhook_key", "config"),
}

_CALLS: dict[str, str] = {
    "gettoken": "获取 access_token",
    "add_msg_template": "创建客户群群发任务",
    "get_groupmsg_task": "查询群发成员执行结果",
    "get_groupmsg_send_result": "查询群发发送结果",
    "remind_groupmsg_send": "提醒成员群发",
    "cancel_groupmsg_send": "停止群发任务",
    "groupchat/list": "获取客户群列表",
    "groupchat/get": "获取客户群详情",
    "media/upload": "上传临时素材",
    "message/send": "发送应用消息",
    "webhook/send": "群机器人发消息",
}


def call_label(call: str) -> str:
    """How a call is named in messages: "创建客户群群发任务（add_msg_template）"."""
    name = _CALLS.get(call)
    return f"{name}（{call}）" if name else call


class WecomError(TransportError):
    """A WeCom API call failed; `errcode` is None when WeCom could not be reached at all.

    This base class (not a subclass) is transient: the caller may retry later."""

    def __init__(self, call: str, errcode: int | None, errmsg: str, text: str) -> None:
        super().__init__(text)
        self.call = call
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retry_later(self) -> bool:
        """Whether repeating the same call later may succeed."""
        return True


class WecomRejectedError(WecomError):
    """WeCom refused this request; repeating it unchanged will not help."""

    @property
    def retry_later(self) -> bool:
        """Never: the request itself must change."""
        return False


class WecomConfigError(WecomError, FatalTransportError):
    """The WeCom setup is wrong (secret, corpid, trusted IP, visibility, webhook key)."""

    @property
    def retry_later(self) -> bool:
        """Never until the office fixes the setup."""
        return False


_FROM_IP = re.compile(r"from ip: ?([0-9a-fA-F.:]+)")


def api_error(call: str, errcode: int, errmsg: str) -> WecomError:
    """The error for a nonzero `errcode` from `call`, with its Chinese explanation."""
    known = _EXPLAIN.get(errcode)
    if known is None:
        text = f"企业微信接口{call_label(call)}失败：错误码 {errcode}（{errmsg.split(',')[0]}）"
        return WecomRejectedError(call, errcode, errmsg, text)
    explanation, kind = known
    if errcode == 60020 and (ip := _FROM_IP.search(errmsg)):
        explanation += f"；企业微信看到的来源 IP 是 {ip.group(1)}"
    text = f"企业微信接口{call_label(call)}失败（错误码 {errcode}）：{explanation}"
    if kind == "config":
        return WecomConfigError(call, errcode, errmsg, text)
    if kind == "rejected":
        return WecomRejectedError(call, errcode, errmsg, text)
    return WecomError(call, errcode, errmsg, text)


def unreachable_error(call: str, reason: str) -> WecomError:
    """A transient error for a network failure, timeout or a reply that is not WeCom's JSON."""
    text = (
        f"企业微信接口暂时连不上（{call_label(call)}：{reason}）；稍后会自动重试，内容不会丢失。"
        "若持续出现，请检查本机网络和 wecom.base_url"
    )
    return WecomError(call, None, reason, text)
