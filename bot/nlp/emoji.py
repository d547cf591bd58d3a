"""WeChat emoji as text: bracket codes ([强], [OK], [疑问]) and the legacy codes (/:strong, /::)).

Some say "got it" (a thumbs-up, OK, folded hands, a handshake, a rose), one asks (疑问),
the rest (smiles, facepalms, a blank stare) say nothing about the notice.
"""

from __future__ import annotations

import re

# Private-use character standing for an acknowledging emoji after replacement.
ACK_MARK = "\ue000"


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ACK_NAMES = _codes("强 ok 好的 抱拳 握手 拳头 胜利 耶 合十 鼓掌 赞 玫瑰")
_QUESTION_NAMES = _codes("疑问 问号")
_BRACKET_RE = re.compile(r"\[([^\[\]\s]{1,4})\]")

# The classic WeChat face codes (clients before 2017 and many bots still send them).
_LEGACY_ACK = _codes("/:strong /:ok /:share /:v /:@) /:@@ /:handclap /:rose")
_LEGACY_QUESTION = frozenset(["/:?"])
_LEGACY_OTHER = _codes(
    """
/::) /::~ /::B /::| /:8-) /::< /::$ /::X /::Z /::'( /::-| /::@ /::P /::D /::O /::( /::+
/:--b /::Q /::T /:,@P /:,@-D /::d /:,@o /::g /:|-) /::! /::L /::> /::,@ /:,@f /::-S /:,@x
/:,@@ /::8 /:,@! /:!!! /:xx /:bye /:wipe /:dig /:&-( /:B-) /:<@ /:@> /::-O /:>-| /:P-(
/::'| /:X-) /::* /:@x /:8* /:pd /:<W> /:beer /:basketb /:oo /:coffee /:eat /:pig /:fade
/:showlove /:heart /:break /:cake /:li /:bome /:kn /:footb /:ladybug /:shit /:moon /:sun
/:gift /:hug /:weak /:jj /:bad /:lvu /:no /:love /:<L> /:jump /:shake /:<O> /:circle
/:kotow /:turn /:skip /:oY /:#-0 /:hiphot /:kiss /:<& /:&>
"""
)
_LEGACY_RE = re.compile(
    "|".join(
        re.escape(code)
        for code in sorted(
            _LEGACY_ACK | _LEGACY_QUESTION | _LEGACY_OTHER, key=lambda c: (-len(c), c)
        )
    )
)


def _bracket(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    if name in _ACK_NAMES:
        return ACK_MARK
    return "?" if name in _QUESTION_NAMES else " "


def _legacy(match: re.Match[str]) -> str:
    code = match.group(0)
    if code in _LEGACY_ACK:
        return ACK_MARK
    return "?" if code in _LEGACY_QUESTION else " "


def replace_emoji_codes(text: str) -> str:
    """Turn acknowledging codes into ACK_MARK, question codes into "?", others into a space.

    Run it before @mentions are stripped: /:@) holds an @.
    """
    return _BRACKET_RE.sub(_bracket, _LEGACY_RE.sub(_legacy, text))
