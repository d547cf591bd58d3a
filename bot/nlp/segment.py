"""The project's jieba tokenizer: one private instance, initialised lazily, once.

A private `jieba.Tokenizer` keeps the project dictionary out of the global `jieba.dt` that
other code (or other libraries) may use, and lets us choose where its cache file goes.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jieba

if TYPE_CHECKING:
    import jieba.posseg

USERDICT_RESOURCE = "data/userdict.txt"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_pos_tokenizer: jieba.posseg.POSTokenizer | None = None


def _cache_dir() -> str:
    """A directory this process can write, for jieba's marshalled prefix dictionary."""
    preferred = Path(tempfile.gettempdir()) / "fanzha-bot-jieba"
    try:
        preferred.mkdir(mode=0o700, exist_ok=True)
        if os.access(preferred, os.W_OK):
            return str(preferred)
    except OSError:
        pass
    # Another user owns the shared directory (or /tmp is odd): use a private one.
    return tempfile.mkdtemp(prefix="fanzha-bot-jieba-")


def tokenizer() -> jieba.Tokenizer:
    """Return the project's jieba tokenizer with the user dictionary loaded.

    The first call builds jieba's prefix dictionary (about half a second, less when the
    cache file exists); later calls return the same instance.
    """
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.tmp_dir = _cache_dir()
            tok.initialize()
            # Pass an open file: given a path, jieba never closes it (ResourceWarning).
            with resources.files(__package__).joinpath(USERDICT_RESOURCE).open("rb") as fh:
                tok.load_userdict(fh)
            _tokenizer = tok
    return _tokenizer


def pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """Return a part-of-speech tokenizer sharing the project tokenizer and its dictionary."""
    global _pos_tokenizer
    if _pos_tokenizer is not None:
        return _pos_tokenizer
    base = tokenizer()
    with _lock:
        if _pos_tokenizer is None:
            _pos_tokenizer = _share_word_tags(base)
    return _pos_tokenizer


def _share_word_tags(base: jieba.Tokenizer) -> jieba.posseg.POSTokenizer:
    """A POS tokenizer over `base`. Importing jieba.posseg already read the default
    dictionary's word tags (for its unused global tokenizer): when `base` reads the same
    dictionary, take that table over instead of reading a second copy (≈50 MB, a second),
    its tags made shared strings. Nothing else in the project uses the global one."""
    import jieba.posseg  # its HMM tables are large: load them only when first needed

    default = jieba.posseg.dt
    if base.dictionary != default.tokenizer.dictionary:
        return jieba.posseg.POSTokenizer(base)
    tags: dict[str, str] = default.word_tag_tab
    for word, tag in tags.items():
        tags[word] = sys.intern(tag)
    pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer = base
    pos.word_tag_tab = tags
    return pos


def cut(text: str) -> list[str]:
    """Segment `text` with the project dictionary, dictionary words only (no HMM guessing).

    HMM is off so that unknown strings fall apart into single characters instead of being
    glued into invented words: the acknowledgement rules then treat them as unknown.
    """
    return tokenizer().lcut(text, HMM=False)
