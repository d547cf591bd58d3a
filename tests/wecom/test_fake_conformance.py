"""The fake speaks WeCom's envelope: checked with raw HTTP and with an independent client,
wechatpy 1.8.18's `wechatpy.enterprise.WeChatClient` (sync, run in a thread)."""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from typing import Any

import aiohttp
import pytest

from tests.wecom.conftest import AGENT_ID, APP_SECRET, CORP
from tests.wecom.fake_server import FakeWecom


async def _raw(fake: FakeWecom, method: str, cgi: str, **kwargs: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{fake.base_url}/cgi-bin/{cgi}", **kwargs) as resp,
    ):
        assert resp.status == 200  # WeCom answers errors with HTTP 200 too
        data: dict[str, Any] = json.loads(await resp.text())
        return data


async def test_errors_carry_the_live_errmsg_tail_and_tokens_only_count_in_the_query(
    fake: FakeWecom,
) -> None:
    params = {"corpid": CORP, "corpsecret": APP_SECRET}
    token = await _raw(fake, "GET", "gettoken", params=params)
    assert token["errcode"] == 0 and token["expires_in"] == 7200
    assert len(token["access_token"].encode()) <= 512
    body = {"access_token": token["access_token"], "msgid": "x"}
    missing = await _raw(fake, "POST", "externalcontact/remind_groupmsg_send", json=body)
    assert missing["errcode"] == 41001
    assert re.fullmatch(
        r"access_token missing, hint: \[\w+\], from ip: 127\.0\.0\.1, more info at "
        r"https://open\.work\.weixin\.qq\.com/devtool/query\?e=41001",
        missing["errmsg"],
    )
    wrong_method = await _raw(
        fake, "GET", "message/send", params={"access_token": token["access_token"]}
    )
    assert wrong_method["errcode"] == 43002
    no_type = await _raw(
        fake,
        "POST",
        "externalcontact/groupchat/get",
        params={"access_token": token["access_token"]},
        data=json.dumps({"chat_id": "wrlj1a"}).encode(),  # no Content-Type, as wechatpy sends
    )
    assert no_type["errcode"] == 0 and no_type["group_chat"]["owner"] == "li1"
    assert "name" not in no_type["group_chat"]["member_list"][0]  # need_name defaults to 0


async def test_gettoken_parameter_errors(fake: FakeWecom) -> None:
    assert (await _raw(fake, "GET", "gettoken", params={"corpsecret": "s"}))["errcode"] == 41002
    assert (await _raw(fake, "GET", "gettoken", params={"corpid": CORP}))["errcode"] == 41004
    other = {"corpid": "ww-other", "corpsecret": APP_SECRET}
    assert (await _raw(fake, "GET", "gettoken", params=other))["errcode"] == 40013


def _wechatpy_session(base_url: str) -> dict[str, Any]:
    """wechatpy against the fake: token, app message, a dead token refetched, group list."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its own _post() is deprecated
        from wechatpy.enterprise import WeChatClient

        class FakeBackedClient(WeChatClient):
            API_BASE_URL = f"{base_url}/cgi-bin/"

            def fetch_access_token(self) -> Any:
                # 1.8.18 hard-codes the gettoken host; everything else uses API_BASE_URL
                return self._fetch_access_token(
                    url=f"{base_url}/cgi-bin/gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self.secret},
                )

        client = FakeBackedClient(CORP, APP_SECRET, timeout=5)
        token = client.access_token
        sent = client.message.send_text(AGENT_ID, ["li1", "ghost"], "来自 wechatpy 的消息")
        groups = client.external_contact_group_chat.list(owner_userid_list=["li1"], limit=100)
        return {"token": token, "sent": sent, "groups": groups, "client": client}


async def test_wechatpy_gets_a_token_and_sends_an_app_message_through_the_fake(
    fake: FakeWecom,
) -> None:
    pytest.importorskip("wechatpy")
    out = await asyncio.to_thread(_wechatpy_session, fake.base_url)
    assert out["token"] in fake.tokens
    assert out["sent"]["errcode"] == 0 and out["sent"]["invaliduser"] == "ghost"
    [message] = fake.app_messages
    assert (message.touser, message.content) == (["li1"], "来自 wechatpy 的消息")
    ids = [g["chat_id"] for g in out["groups"]["group_chat_list"]]
    assert ids == ["wrlj1a", "wrlj1b"] and out["groups"]["next_cursor"] == ""

    fake.invalidate_tokens()  # wechatpy retries once after 40014, like our client
    client = out["client"]

    def again() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return client.external_contact_group_chat.get("wrlj2a")

    detail = await asyncio.to_thread(again)
    assert detail["group_chat"]["owner"] == "li2"
    assert fake.count("gettoken") == 2


async def test_wechatpy_sees_wecom_errors_from_the_fake(fake: FakeWecom) -> None:
    pytest.importorskip("wechatpy")
    from wechatpy.exceptions import WeChatClientException

    def wrong_agent() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            out = _wechatpy_session(fake.base_url)
            return out["client"].message.send_text(999, ["li1"], "x")

    with pytest.raises(WeChatClientException) as info:
        await asyncio.to_thread(wrong_agent)
    assert info.value.errcode == 40056
