"""Synthetic anti-fraud posters for the media tests: one template, different content.

Real posters of one office share a layout (a red banner, a title, lines of text, a
picture, the 96110 footer); what differs is the words and the picture. These do the same
with blocks and shapes, so "different posters" are as alike as real ones get.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = (750, 1334)  # a phone-sized poster


def poster(seed: int) -> Image.Image:
    """Poster number `seed` (same seed, same poster)."""
    rng = random.Random(seed)
    img = Image.new("RGB", SIZE, (250, 246, 238))
    d = ImageDraw.Draw(img)
    banner = (200 + rng.randrange(50), rng.randrange(60), rng.randrange(60))
    d.rectangle((0, 0, SIZE[0], 220), fill=banner)
    x = 60
    while x < SIZE[0] - 80:  # the title: a row of "characters"
        w = rng.randrange(40, 70)
        d.rectangle((x, 80, x + w, 150), fill=(255, 240, 200))
        x += w + rng.randrange(10, 30)
    top = 260 + rng.randrange(200)
    for _ in range(rng.randrange(3, 7)):  # the picture: a few shapes
        cx, cy = rng.randrange(100, 650), top + rng.randrange(350)
        r = rng.randrange(40, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = d.ellipse if rng.random() < 0.5 else d.rectangle
        shape((cx - r, cy - r, cx + r, cy + r), fill=colour)
    y = top + 450
    while y < SIZE[1] - 200:  # the text: lines of varying length
        d.rectangle((60, y, 60 + rng.randrange(300, 630), y + 26), fill=(60, 60, 60))
        y += rng.randrange(44, 70)
    d.rectangle((0, SIZE[1] - 140, SIZE[0], SIZE[1]), fill=(30, 60, 140))
    return img


def as_wechat_sends(img: Image.Image, width: int = 540, quality: int = 70) -> bytes:
    """What arrives after WeChat: resized (compressed view) and re-encoded as JPEG."""
    h = round(img.height * width / img.width)
    out = io.BytesIO()
    img.convert("RGB").resize((width, h), Image.Resampling.BILINEAR).save(
        out, "JPEG", quality=quality
    )
    return out.getvalue()


def save_poster(seed: int, path: Path) -> Path:
    """Write poster `seed` as PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    poster(seed).save(path, "PNG")
    return path
