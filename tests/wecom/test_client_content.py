"""What a send task may carry: text and attachments as WeCom checks them, uploaded media and
its 3-day life on the fake's clock."""

from __future__ import annotations

import pytest

from bot.clock import SimClock
from bot.transport.wecom import Attachment, WecomClient, WecomRejectedError
from tests.wecom.conftest import START
from tests.wecom.fake_server import FakeWecom

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


async def test_upload_then_attach_then_expire_after_three_days(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    media = await client.upload_media(PNG, "image", "海报.png")
    assert media.type == "image" and media.created_at == START and media.media_id
    stored = fake.state["media"][media.media_id]
    assert stored.filename == "海报.png" and stored.data == PNG
    link = Attachment.link("防骗指南", "https://example.org/guide", "三不原则")
    msgid = await client.add_group_msg_task(
        "li1", ["wrlj1a"], "请转发", [Attachment.image(media.media_id), link]
    )
    assert [a["msgtype"] for a in fake.task(msgid).attachments] == ["image", "link"]
    assert fake.task(msgid).attachments[0]["image"] == {"media_id": media.media_id}

    clock.advance(3 * 86400)
    with pytest.raises(WecomRejectedError) as info:
        await client.add_group_msg_task("li1", ["wrlj1a"], "", [Attachment.image(media.media_id)])
    assert info.value.errcode == 40007 and "3 天" in str(info.value)
    assert "重新上传" in str(info.value)


async def test_upload_from_a_path_video_and_file(client: WecomClient, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "宣传片.mp4"
    path.write_bytes(MP4)
    video = await client.upload_media(path, "video")
    doc = await client.upload_media(b"%PDF-1.4 " + b"x" * 20, "file", "指南.pdf")
    msgid = await client.add_group_msg_task(
        "li1", ["wrlj1b"], "", [Attachment.video(video.media_id), Attachment.file(doc.media_id)]
    )
    assert msgid


@pytest.mark.parametrize(
    ("data", "kind", "errcode"),
    [
        (b"GIF89a" + b"\x00" * 30, "image", 40004),
        (b"\x89PNG", "image", 40006),
        (PNG, "sticker", 40005),
        (b"#!AMR" + b"\x00" * (2 * 1024 * 1024), "voice", 40006),
        (b"", "file", 44001),
    ],
)
async def test_upload_checks(client: WecomClient, data: bytes, kind: str, errcode: int) -> None:
    with pytest.raises(WecomRejectedError) as info:
        await client.upload_media(data, kind, "x.bin")
    assert info.value.errcode == errcode
    assert "上传临时素材（media/upload）" in str(info.value)


@pytest.mark.parametrize(
    ("text", "attachments", "errcode", "words"),
    [
        ("", [], 40063, "不能同时为空"),
        ("长" * 1334, [], 40058, "4000 字节"),
        ("x", [Attachment.link(f"t{i}", "https://e.org") for i in range(10)], 41064, "9 个"),
        ("x", [Attachment("voice", (("media_id", "m"),))], 41065, "附件类型"),
        ("x", [Attachment.file("no-such-media")], 40007, "3 天"),
    ],
)
async def test_template_content_checks(
    client: WecomClient, text: str, attachments: list[Attachment], errcode: int, words: str
) -> None:
    with pytest.raises(WecomRejectedError) as info:
        await client.add_group_msg_task("li1", ["wrlj1a"], text, attachments)
    assert info.value.errcode == errcode and words in str(info.value)


async def test_text_of_exactly_4000_bytes_is_fine(client: WecomClient) -> None:
    assert await client.add_group_msg_task("li1", ["wrlj1a"], "长" * 1333 + "x")


@pytest.mark.parametrize(
    ("sender", "chat_ids", "errcode"),
    [
        ("li1", ["wrlj2a"], 41048),  # li2's group: not li1's to send to
        ("nobody", ["wrlj1a"], 60111),
        ("li1", [f"wr{i}" for i in range(2001)], 40058),
    ],
)
async def test_template_sender_and_group_checks(
    client: WecomClient, sender: str, chat_ids: list[str], errcode: int
) -> None:
    with pytest.raises(WecomRejectedError) as info:
        await client.add_group_msg_task(sender, chat_ids, "通知")
    assert info.value.errcode == errcode


async def test_a_sender_outside_the_app_visibility_gets_48002(
    fake: FakeWecom, client: WecomClient
) -> None:
    from bot.transport.wecom import WecomConfigError

    app = fake.world.app("app-secret-0002")
    assert app is not None
    app.visible = frozenset({"li2"})
    with pytest.raises(WecomConfigError) as info:
        await client.add_group_msg_task("li1", ["wrlj1a"], "通知")
    assert info.value.errcode == 48002 and "可见范围" in str(info.value)
    assert await client.group_chat_ids(["li1", "li2"]) == ["wrlj2a"]


async def test_miniprogram_and_pic_url_attachments_are_shaped_as_wecom_expects(
    fake: FakeWecom, client: WecomClient
) -> None:
    cover = await client.upload_media(PNG, "image", "cover.png")
    msgid = await client.add_group_msg_task(
        "li2",
        ["wrlj2a"],
        "",
        [
            Attachment.miniprogram("反诈小程序", cover.media_id, "wx8bd80126147dfAAA", "/p/i"),
            Attachment.image(pic_url="https://p.qpic.cn/pic_wework/1/2/0"),
        ],
    )
    mini, image = fake.task(msgid).attachments
    assert mini["miniprogram"]["pic_media_id"] == cover.media_id
    assert image == {
        "msgtype": "image",
        "image": {"pic_url": "https://p.qpic.cn/pic_wework/1/2/0"},
    }
