"""The WeCom callback crypto (WECOM.md §6): signatures, AES-256-CBC, XML and JSON envelopes.

EncodingAESKey (43 characters) + "=" is Base64 for the 32-byte AES key; the IV is the key's
first 16 bytes; PKCS#7 pads to a multiple of 32 bytes. The plaintext is random(16) +
msg_len(4, big endian) + msg + receiveid, where receiveid is the corpid for a self-built
app and "" for the smart robot (智能机器人). msg_signature = sha1 over the sorted
[token, timestamp, nonce, encrypt] joined. Every failure is a `CryptoError` in Chinese.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import struct
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["BLOCK_SIZE", "CryptoError", "WecomCrypto"]

BLOCK_SIZE = 32
"""PKCS#7 block size of the WeCom scheme (not AES's 16)."""


class CryptoError(ValueError):
    """A callback could not be verified, decrypted or encrypted (message in Chinese)."""


def _pad(data: bytes) -> bytes:
    amount = BLOCK_SIZE - len(data) % BLOCK_SIZE
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoError("回调消息解密失败：解密结果为空，请检查 EncodingAESKey 是否正确")
    amount = data[-1]
    if not 1 <= amount <= BLOCK_SIZE or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("回调消息解密失败：填充（PKCS#7）不正确，请检查 EncodingAESKey 是否正确")
    return data[:-amount]


def _text(value: str | int) -> str:
    return str(value)


class WecomCrypto:
    """Sign, encrypt and decrypt WeCom callbacks for one token/key/receiveid."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise CryptoError(
                f"EncodingAESKey 长度应为 43 个字符，实际为 {len(encoding_aes_key)}，"
                "请从企业微信管理后台的“接收消息”设置中重新复制"
            )
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError(
                "EncodingAESKey 不是合法的 Base64 字符串，请从企业微信管理后台重新复制"
            ) from exc
        if len(key) != 32:
            raise CryptoError(f"EncodingAESKey 解码后应为 32 字节，实际为 {len(key)} 字节")
        self.token = token
        self.key = key
        self.receive_id = receive_id

    # -- signatures ------------------------------------------------------------------------

    def signature(self, timestamp: str | int, nonce: str | int, encrypt: str) -> str:
        """msg_signature: sha1 hex of the sorted [token, timestamp, nonce, encrypt] joined."""
        parts = sorted([self.token, _text(timestamp), _text(nonce), encrypt])
        return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()

    def check_signature(
        self, msg_signature: str, timestamp: str | int, nonce: str | int, encrypt: str
    ) -> None:
        """CryptoError unless `msg_signature` signs (timestamp, nonce, encrypt)."""
        expected = self.signature(timestamp, nonce, encrypt)
        if not secrets.compare_digest(expected, msg_signature.lower()):
            raise CryptoError("回调消息签名校验失败：请检查 Token 是否与企业微信管理后台一致")

    # -- the AES layer ---------------------------------------------------------------------

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, plaintext: str, random16: bytes | None = None) -> str:
        """Base64 ciphertext of random16 + len + plaintext + receiveid."""
        nonce_bytes = os.urandom(16) if random16 is None else random16
        if len(nonce_bytes) != 16:
            raise CryptoError("加密失败：随机前缀必须是 16 字节")
        body = plaintext.encode("utf-8")
        raw = nonce_bytes + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(_pad(raw)) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, encrypt: str) -> str:
        """The message inside `encrypt`; CryptoError on bad data or a foreign receiveid."""
        try:
            sealed = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("回调消息解密失败：密文不是合法的 Base64") from exc
        if not sealed or len(sealed) % 16:
            raise CryptoError("回调消息解密失败：密文长度不是 16 的倍数")
        decryptor = self._cipher().decryptor()
        raw = _unpad(decryptor.update(sealed) + decryptor.finalize())
        if len(raw) < 20:
            raise CryptoError("回调消息解密失败：明文过短，请检查 EncodingAESKey 是否正确")
        (length,) = struct.unpack(">I", raw[16:20])
        if 20 + length > len(raw):
            raise CryptoError("回调消息解密失败：消息长度字段不正确，请检查 EncodingAESKey")
        message, receive_id = raw[20 : 20 + length], raw[20 + length :]
        if receive_id.decode("utf-8", "replace") != self.receive_id:
            raise CryptoError(
                f"回调消息的接收方 ID 为 {receive_id.decode('utf-8', 'replace')!r}，"
                f"与配置的 {self.receive_id!r} 不符：请检查企业 ID（corpid）"
                "或该回调是否属于本应用"
            )
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("回调消息解密失败：明文不是 UTF-8，请检查 EncodingAESKey") from exc

    # -- envelopes -------------------------------------------------------------------------

    def verify_url(
        self, msg_signature: str, timestamp: str | int, nonce: str | int, echostr: str
    ) -> str:
        """The GET URL check: verify, then return the plaintext to answer with."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_xml(
        self, body: str | bytes, msg_signature: str, timestamp: str | int, nonce: str | int
    ) -> str:
        """The plaintext XML inside a POSTed `<xml><Encrypt>…</Encrypt></xml>`."""
        encrypt = _xml_field(body, "Encrypt")
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt_reply_xml(
        self,
        reply: str,
        nonce: str | int,
        timestamp: str | int | None = None,
        random16: bytes | None = None,
    ) -> str:
        """The passive reply `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`."""
        stamp = _text(int(time.time()) if timestamp is None else timestamp)
        encrypt = self.encrypt(reply, random16)
        signature = self.signature(stamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{escape(stamp)}</TimeStamp>"
            f"<Nonce><![CDATA[{escape(_text(nonce))}]]></Nonce></xml>"
        )

    def decrypt_json(
        self, body: str | bytes, msg_signature: str, timestamp: str | int, nonce: str | int
    ) -> str:
        """The plaintext JSON inside a smart-robot callback body `{"encrypt": …}`."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CryptoError("回调消息不是合法的 JSON") from exc
        encrypt = data.get("encrypt") if isinstance(data, dict) else None
        if not isinstance(encrypt, str) or not encrypt:
            raise CryptoError("回调消息缺少 encrypt 字段")
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt_reply_json(
        self,
        reply: str,
        nonce: str | int,
        timestamp: str | int | None = None,
        random16: bytes | None = None,
    ) -> str:
        """The smart robot's passive reply `{"encrypt","msgsignature","timestamp","nonce"}`."""
        stamp = _text(int(time.time()) if timestamp is None else timestamp)
        encrypt = self.encrypt(reply, random16)
        envelope = {
            "encrypt": encrypt,
            "msgsignature": self.signature(stamp, nonce, encrypt),
            "timestamp": stamp,
            "nonce": _text(nonce),
        }
        return json.dumps(envelope, ensure_ascii=False)


def _xml_field(body: str | bytes, name: str) -> str:
    """One top-level text field of a callback XML body (no DTDs accepted)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise CryptoError("回调消息 XML 含有不允许的 DOCTYPE/ENTITY 声明")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CryptoError(f"回调消息不是合法的 XML（{exc}）") from exc
    node = root.find(name)
    if node is None or not (node.text or "").strip():
        raise CryptoError(f"回调消息缺少 {name} 字段")
    return (node.text or "").strip()
