"""jieba's dictionary kept compact: a marisa trie of its words and prefixes, with their
frequencies and part-of-speech tags in flat arrays (≈6 MB instead of jieba's prefix dict,
≈54 MB, and jieba.posseg's word-tag dict, ≈38 MB): a county bot's memory is counted.

Segmentation stays jieba's own. `CompactTokenizer` is a `jieba.Tokenizer` whose `FREQ` is a
read-only view with a dict's answers (a prefix of a word maps to 0, an unknown string is
absent), whose `get_DAG` asks the trie for every word starting at a position in one call,
and `TagView` answers `word_tag_tab.get` the same way for `jieba.posseg`. The tables are
built once per dictionary (jieba's dict.txt and the project's user dictionary) by a child
process, since building needs jieba's full dicts, and cached beside jieba's own cache file.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import marshal
import os
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Iterable
from math import log
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import jieba
import marisa_trie

if TYPE_CHECKING:
    import jieba.posseg

FORMAT = 2
_NO_TAG = 0


class FreqView:
    """jieba's `FREQ` dict, read-only, over the trie: `in`, `[]` and `get` answer as it does."""

    __slots__ = ("_freqs", "_trie")

    def __init__(self, trie: marisa_trie.Trie, freqs: array[int]) -> None:
        self._trie = trie
        self._freqs = freqs

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._trie

    def __getitem__(self, key: str) -> int:
        return self._freqs[self._trie[key]]

    def get(self, key: str, default: Any = None) -> Any:
        index = self._trie.get(key)
        return default if index is None else self._freqs[index]

    def __len__(self) -> int:
        return len(self._trie)


class TagView:
    """jieba.posseg's `word_tag_tab` over the trie; `update` (the user dictionary's tags,
    merged on the first cut) goes to a small dict of its own that takes precedence."""

    __slots__ = ("_codes", "_extra", "_names", "_trie")

    def __init__(
        self, trie: marisa_trie.Trie, codes: bytes, names: tuple[str, ...], extra: dict[str, str]
    ) -> None:
        self._trie = trie
        self._codes = codes
        self._names = names
        self._extra = dict(extra)

    def get(self, key: str, default: Any = None) -> Any:
        tag = self._extra.get(key)
        if tag is not None:
            return tag
        index = self._trie.get(key)
        code = _NO_TAG if index is None else self._codes[index]
        return default if code == _NO_TAG else self._names[code]

    def __getitem__(self, key: str) -> str:
        tag: str | None = self.get(key)
        if tag is None:
            raise KeyError(key)
        return tag

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def update(self, other: dict[str, str]) -> None:
        self._extra.update(other)


class Lexicon:
    """The cached tables: trie, frequencies and total, base tags, user-dictionary tags."""

    def __init__(self, blob: bytes) -> None:
        fmt, total, trie, typecode, freqs, codes, names, user_tags, longest = marshal.loads(blob)
        if fmt != FORMAT:
            raise ValueError(f"lexicon format {fmt}, expected {FORMAT}")
        self.trie = marisa_trie.Trie().frombytes(trie)
        self.freqs = array(typecode)
        self.freqs.frombytes(freqs)
        self.total: int = total
        self.codes: bytes = codes
        self.names: tuple[str, ...] = tuple(names)
        self.user_tags: dict[str, str] = user_tags
        self.longest: int = longest

    def tags(self, *, with_user: bool) -> TagView:
        """The word tags of dict.txt (and of the user dictionary when `with_user`)."""
        return TagView(self.trie, self.codes, self.names, self.user_tags if with_user else {})


class CompactTokenizer(jieba.Tokenizer):
    """A jieba tokenizer, initialised from a `Lexicon` (user dictionary included)."""

    def __init__(self, lexicon: Lexicon) -> None:
        super().__init__()
        self.lexicon = lexicon
        self.FREQ = FreqView(lexicon.trie, lexicon.freqs)
        self.total = lexicon.total
        self.initialized = True

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """jieba's DAG: for each position, where the dictionary words starting there end
        (words of frequency 0 left out; the position itself when there is none)."""
        prefixes = self.lexicon.trie.iter_prefixes_with_ids
        freqs, longest = self.lexicon.freqs, self.lexicon.longest
        dag: dict[int, list[int]] = {}
        for k in range(len(sentence)):
            ends = [k + len(w) - 1 for w, i in prefixes(sentence[k : k + longest]) if freqs[i]]
            dag[k] = ends or [k]
        return dag

    def calc(
        self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]
    ) -> None:
        """jieba's best route (the same sums and ties), reading the trie directly."""
        get, freqs = self.lexicon.trie.get, self.lexicon.freqs
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            for x in DAG[idx]:
                index = get(sentence[idx : x + 1])
                freq = freqs[index] if index is not None else 0
                step = (log(freq or 1) - logtotal + route[x + 1][0], x)
                if best is None or step > best:
                    best = step
            assert best is not None
            route[idx] = best


def _sources(userdict: bytes) -> str:
    # jieba's dictionary by its version, size and time (hashing its 8 MB costs memory).
    stat = (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).stat()
    digest = hashlib.sha256(userdict)
    digest.update(f"{jieba.__version__} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def load(cache_dir: str, userdict: bytes) -> Lexicon:
    """The lexicon for jieba's dictionary plus `userdict`, built (in a child process) the
    first time and read from `cache_dir` afterwards."""
    path = Path(cache_dir) / f"fanzha-lexicon-{FORMAT}-{_sources(userdict)}.bin"
    if not path.exists():
        try:
            _build_in_child(path, userdict)
        except (OSError, subprocess.CalledProcessError):
            build(path, userdict)  # no child process here: build it in this one, once
    return Lexicon(path.read_bytes())


def _build_in_child(path: Path, userdict: bytes) -> None:
    # The bot package's parent first on the child's path: this checkout, not another install.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".userdict") as fh:
        fh.write(userdict)
        fh.flush()
        subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), fh.name],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )


def build(path: Path, userdict: bytes) -> None:
    """Build the tables from jieba's own dicts and write them to `path` (atomically)."""
    import logging

    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(path.parent)
    tok.initialize()
    tok.load_userdict(io.BytesIO(userdict))
    pos = jieba.posseg.POSTokenizer(tok)  # reads dict.txt's tags
    base: dict[str, str] = pos.word_tag_tab
    freq: dict[str, int] = tok.FREQ
    trie = marisa_trie.Trie(freq)
    typecode = (
        "I"
        if max(freq.values(), default=0) < 2**32 and min(freq.values(), default=0) >= 0
        else "q"
    )
    freqs = array(typecode, bytes(array(typecode).itemsize * len(trie)))
    for word, count in freq.items():
        freqs[trie[word]] = count
    names = ("", *sorted(set(base.values())))
    code = {name: i for i, name in enumerate(names)}
    codes = bytearray(len(trie))
    for word, tag in base.items():
        index = trie.get(word)
        if index is None:
            raise ValueError(f"词性表中的词 {word} 不在词典中")
        codes[index] = code[tag]
    blob = (FORMAT, tok.total, trie.tobytes(), typecode, freqs.tobytes(), bytes(codes), names)
    longest = max(map(len, freq), default=1)
    _write(path, marshal.dumps((*blob, dict(tok.user_word_tag_tab), longest)))


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def import_posseg(lexicon: Lexicon) -> ModuleType:
    """Import jieba.posseg without the word-tag dict its global tokenizer reads at import
    (≈38 MB): that tokenizer gets the compact tags of the same dictionary instead."""
    if "jieba.posseg" in sys.modules or jieba.dt.dictionary != jieba.DEFAULT_DICT:
        return importlib.import_module("jieba.posseg")
    real = jieba.Tokenizer.get_dict_file
    jieba.Tokenizer.get_dict_file = lambda self: io.BytesIO()
    try:
        posseg = importlib.import_module("jieba.posseg")
    finally:
        jieba.Tokenizer.get_dict_file = real
    posseg.dt.word_tag_tab = lexicon.tags(with_user=False)
    return posseg


def main(argv: Iterable[str]) -> None:
    """The child process: `main([path, userdict_path])`."""
    path, userdict = argv
    build(Path(path), Path(userdict).read_bytes())


_CHILD = "import sys; from bot.nlp.lexicon import main; main(sys.argv[1:])"
