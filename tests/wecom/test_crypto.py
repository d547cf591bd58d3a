"""The WeCom callback crypto: the official vector byte for byte, round trips, tampering,
and a cross-check against wechatpy's independent `WeChatCrypto` (XML form)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.enterprise.crypto import WeChatCrypto  # the independent oracle (dev extra)

from bot.transport.wecom.crypto import CryptoError, WecomCrypto

# The official vector (WECOM.md §6 and Appendix A).
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"
GET_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
GET_TIMESTAMP = "1409659589"
GET_NONCE = "263014780"
ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
POST_TIMESTAMP = "1409659813"
POST_NONCE = "1372623149"
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjv"
    "d4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnv"
    "w2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22"
    "Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH"
    "2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_BODY = (
    f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
    f"<Encrypt><![CDATA[{POST_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
)
POST_PLAIN = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>"
)


@pytest.fixture
def crypto() -> WecomCrypto:
    return WecomCrypto(TOKEN, AES_KEY, CORP_ID)


def raw_plaintext(crypto: WecomCrypto, encrypt: str) -> bytes:
    """The padded plaintext, decrypted without our code (to read random16 and the pad)."""
    decryptor = Cipher(algorithms.AES(crypto.key), modes.CBC(crypto.key[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()


def test_official_signatures(crypto: WecomCrypto) -> None:
    assert crypto.signature(GET_TIMESTAMP, GET_NONCE, ECHOSTR) == GET_SIGNATURE
    assert crypto.signature(POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_SIGNATURE


def test_official_url_verification(crypto: WecomCrypto) -> None:
    assert crypto.verify_url(GET_SIGNATURE, GET_TIMESTAMP, GET_NONCE, ECHOSTR) == (
        "1616140317555161061"
    )


def test_official_post_decrypts(crypto: WecomCrypto) -> None:
    plain = crypto.decrypt_xml(POST_BODY, POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE)
    assert plain == POST_PLAIN
    assert crypto.decrypt_xml(POST_BODY.encode(), POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE)


def test_official_ciphertexts_reproduced_byte_for_byte(crypto: WecomCrypto) -> None:
    for encrypt, plain in ((POST_ENCRYPT, POST_PLAIN), (ECHOSTR, "1616140317555161061")):
        raw = raw_plaintext(crypto, encrypt)
        assert raw[-1] == len(raw) - len(raw.rstrip(bytes([raw[-1]])))
        assert crypto.encrypt(plain, random16=raw[:16]) == encrypt
    # pad value 30 > 16 proves the 32-byte PKCS#7 block
    assert raw_plaintext(crypto, POST_ENCRYPT)[-1] == 30


@pytest.mark.parametrize("text", ["", "a", "收到" * 500, "x" * 12, "y" * 44])
def test_round_trip(crypto: WecomCrypto, text: str) -> None:
    encrypt = crypto.encrypt(text)
    assert len(base64.b64decode(encrypt)) % 32 == 0
    assert crypto.decrypt(encrypt) == text


def test_xml_reply_round_trip(crypto: WecomCrypto) -> None:
    reply = crypto.encrypt_reply_xml("<xml><Content>好</Content></xml>", "nonce1", 1700000000)
    assert "<TimeStamp>1700000000</TimeStamp>" in reply
    signature = reply.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert crypto.decrypt_xml(reply, signature, "1700000000", "nonce1") == (
        "<xml><Content>好</Content></xml>"
    )


def test_json_form_for_the_smart_robot() -> None:
    robot = WecomCrypto(TOKEN, AES_KEY, "")
    message = json.dumps({"msgtype": "text", "text": {"content": "@机器人 进度"}})
    reply = json.loads(robot.encrypt_reply_json(message, "n1", "1700000001"))
    assert set(reply) == {"encrypt", "msgsignature", "timestamp", "nonce"}
    assert reply["msgsignature"] == robot.signature("1700000001", "n1", reply["encrypt"])
    body = json.dumps({"encrypt": reply["encrypt"]})
    assert robot.decrypt_json(body, reply["msgsignature"], "1700000001", "n1") == message
    # the receiveid is empty: an app crypto (receiveid = corpid) refuses it
    with pytest.raises(CryptoError, match="接收方 ID"):
        WecomCrypto(TOKEN, AES_KEY, CORP_ID).decrypt(reply["encrypt"])


def test_tampered_signature_and_data(crypto: WecomCrypto) -> None:
    with pytest.raises(CryptoError, match=r"签名校验失败.*Token"):
        crypto.verify_url("0" * 40, GET_TIMESTAMP, GET_NONCE, ECHOSTR)
    with pytest.raises(CryptoError, match="签名校验失败"):
        crypto.decrypt_xml(POST_BODY, POST_SIGNATURE, "1409659814", POST_NONCE)
    with pytest.raises(CryptoError, match="签名校验失败"):
        WecomCrypto("other", AES_KEY, CORP_ID).verify_url(
            GET_SIGNATURE, GET_TIMESTAMP, GET_NONCE, ECHOSTR
        )
    flipped = base64.b64decode(POST_ENCRYPT)
    flipped = flipped[:-1] + bytes([flipped[-1] ^ 0x01])
    with pytest.raises(CryptoError, match=r"填充|长度"):
        crypto.decrypt(base64.b64encode(flipped).decode())
    with pytest.raises(CryptoError, match="Base64"):
        crypto.decrypt("not base64!")
    with pytest.raises(CryptoError, match="16 的倍数"):
        crypto.decrypt(base64.b64encode(b"short").decode())


def test_wrong_receive_id(crypto: WecomCrypto) -> None:
    other = WecomCrypto(TOKEN, AES_KEY, "wwOTHERCORP")
    with pytest.raises(CryptoError, match=r"wx5823bf96d3bd56c7.*wwOTHERCORP.*corpid"):
        other.decrypt(POST_ENCRYPT)


def test_bad_keys_and_bodies() -> None:
    with pytest.raises(CryptoError, match="43 个字符，实际为 42"):
        WecomCrypto(TOKEN, AES_KEY[:-1], CORP_ID)
    with pytest.raises(CryptoError, match="Base64"):
        WecomCrypto(TOKEN, "!" * 43, CORP_ID)
    crypto = WecomCrypto(TOKEN, AES_KEY, CORP_ID)
    with pytest.raises(CryptoError, match="缺少 Encrypt"):
        crypto.decrypt_xml("<xml><ToUserName>x</ToUserName></xml>", "s", "1", "2")
    with pytest.raises(CryptoError, match="XML"):
        crypto.decrypt_xml("<xml><Encrypt>", "s", "1", "2")
    with pytest.raises(CryptoError, match="DOCTYPE"):
        crypto.decrypt_xml('<!DOCTYPE x [<!ENTITY a "b">]><xml/>', "s", "1", "2")
    with pytest.raises(CryptoError, match="JSON"):
        crypto.decrypt_json("{", "s", "1", "2")
    with pytest.raises(CryptoError, match="encrypt"):
        crypto.decrypt_json("{}", "s", "1", "2")
    with pytest.raises(CryptoError, match="16 字节"):
        crypto.encrypt("x", random16=b"short")


# -- the independent oracle: wechatpy 1.8.18 -------------------------------------------


def wechatpy_crypto() -> Any:
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def test_wechatpy_reads_the_vector_like_we_do(crypto: WecomCrypto) -> None:
    theirs = wechatpy_crypto()
    echo = theirs.check_signature(GET_SIGNATURE, GET_TIMESTAMP, GET_NONCE, ECHOSTR)
    assert echo == crypto.verify_url(GET_SIGNATURE, GET_TIMESTAMP, GET_NONCE, ECHOSTR)


@pytest.mark.parametrize("content", ["hello", "反诈推送第3期：已签收", "<b>&amp;</b>" * 50])
def test_ours_encrypts_wechatpy_decrypts(crypto: WecomCrypto, content: str) -> None:
    theirs = wechatpy_crypto()
    plain = f"<xml><Content><![CDATA[{content}]]></Content></xml>"
    reply = crypto.encrypt_reply_xml(plain, "98765", "1700000100")
    signature = reply.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert theirs.decrypt_message(reply, signature, "1700000100", "98765") == plain


@pytest.mark.parametrize("content", ["world", "请各网格员今天转发", "x" * 1000])
def test_wechatpy_encrypts_ours_decrypts(crypto: WecomCrypto, content: str) -> None:
    theirs = wechatpy_crypto()
    plain = f"<xml><Content><![CDATA[{content}]]></Content></xml>"
    reply = theirs.encrypt_message(plain, "24680", "1700000200")
    signature = reply.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert crypto.decrypt_xml(reply, signature, "1700000200", "24680") == plain
    # and their envelope is signed the way we sign
    encrypt = reply.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert signature == crypto.signature("1700000200", "24680", encrypt)
