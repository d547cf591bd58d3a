"""The project's jieba tokenizer: one private instance, initialised lazily, once.

A private `jieba.Tokenizer` keeps the project dictionary out of the global `jieba.dt` that
other code (or other libraries) may use, and lets us choose where its cache file goes. Its
dictionary is held compactly (bot/nlp/lexicon.py).
"""

from __future__ import annotations

import os
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jieba

from bot.nlp import lexicon
from bot.nlp.lexicon import CompactTokenizer

if TYPE_CHECKING:
    import jieba.posseg

USERDICT_RESOURCE = "data/userdict.txt"

_lock = threading.Lock()
_tokenizer: CompactTokenizer | None = None
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


def tokenizer() -> CompactTokenizer:
    """Return the project's jieba tokenizer with the user dictionary loaded.

    The first call reads the compact dictionary (bot/nlp/lexicon.py; built once per
    dictionary, about two seconds, by a child process); later calls return the same instance.
    """
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            with resources.files(__package__).joinpath(USERDICT_RESOURCE).open("rb") as fh:
                userdict = fh.read()
            _tokenizer = CompactTokenizer(lexicon.load(_cache_dir(), userdict))
    return _tokenizer


def pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """Return a part-of-speech tokenizer sharing the project tokenizer and its dictionary."""
    global _pos_tokenizer
    if _pos_tokenizer is not None:
        return _pos_tokenizer
    base = tokenizer()
    with _lock:
        if _pos_tokenizer is None:
            # Imported only now: its HMM tables are large.
            posseg = lexicon.import_posseg(base.lexicon)
            pos = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
            pos.tokenizer = base
            pos.word_tag_tab = base.lexicon.tags(with_user=True)
            _pos_tokenizer = pos
    return _pos_tokenizer


def cut(text: str) -> list[str]:
    """Segment `text` with the project dictionary, dictionary words only (no HMM guessing).

    HMM is off so that unknown strings fall apart into single characters instead of being
    glued into invented words: the acknowledgement rules then treat them as unknown.
    """
    return tokenizer().lcut(text, HMM=False)
