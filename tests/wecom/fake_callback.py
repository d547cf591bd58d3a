"""WeCom's side of the self-built app's callback (WECOM.md §6): a member's message in the
app conversation, encrypted (AES-256-CBC, receiveid = corpid) and signed, POSTed as XML."""

from __future__ import annotations

import itertools
import secrets
import time

import aiohttp

from bot.transport.wecom.crypto import WecomCrypto

TOKEN = "cbToken01"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the official sample's key
_ids = itertools.count(4561255354251345929)


def message_xml(corp: str, userid: str, text: str = "", pic_url: str = "") -> str:
    """The plaintext XML of a text (or, with `pic_url`, an image) message to app 1000002."""
    kind = "image" if pic_url else "text"
    body = (
        f"<PicUrl><![CDATA[{pic_url}]]></PicUrl><MediaId><![CDATA[m{secrets.token_hex(4)}]]>"
        "</MediaId>"
        if pic_url
        else f"<Content><![CDATA[{text}]]></Content>"
    )
    return (
        f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"{body}<MsgId>{next(_ids)}</MsgId><AgentID>1000002</AgentID></xml>"
    )


async def post(url: str, corp: str, plain: str, token: str = TOKEN) -> int:
    """POST one encrypted callback as WeCom does; the HTTP status."""
    crypto = WecomCrypto(token, AES_KEY, corp)
    encrypt = crypto.encrypt(plain)
    stamp, nonce = str(int(time.time())), secrets.token_hex(5)
    query = {"msg_signature": crypto.signature(stamp, nonce, encrypt), "timestamp": stamp}
    query["nonce"] = nonce
    envelope = (
        f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, params=query, data=envelope.encode()) as response,
    ):
        await response.read()
        return response.status


async def verify(url: str, corp: str, echo: str, token: str = TOKEN) -> tuple[int, str]:
    """WeCom's GET URL check; (status, body)."""
    crypto = WecomCrypto(token, AES_KEY, corp)
    echostr = crypto.encrypt(echo)
    stamp, nonce = str(int(time.time())), "1372623149"
    query = {"msg_signature": crypto.signature(stamp, nonce, echostr), "timestamp": stamp}
    query.update(nonce=nonce, echostr=echostr)
    async with aiohttp.ClientSession() as http, http.get(url, params=query) as response:
        return response.status, await response.text()
