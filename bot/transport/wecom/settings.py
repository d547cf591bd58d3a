"""The plain values the WeCom server-API client needs; the config's `[wecom]` maps here."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_BASE_URL", "WecomApiSettings"]

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"


@dataclass(frozen=True)
class WecomApiSettings:
    """One WeCom app's credentials and the client's timing.

    `secret` is the 客户联系 secret or the secret of a self-built app listed under
    客户联系 →「可调用应用」; `agent_id` is that app's AgentId (0 when no app messages are
    sent); `webhook_key` is the key of a group robot's webhook URL ("" when unused).
    """

    corp_id: str
    secret: str
    agent_id: int = 0
    base_url: str = DEFAULT_BASE_URL
    webhook_key: str = ""
    request_timeout: float = 10.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_retries: int = 5

    def url(self, cgi: str) -> str:
        """The full URL of `/cgi-bin/<cgi>` on the configured host."""
        return f"{self.base_url.rstrip('/')}/cgi-bin/{cgi}"
