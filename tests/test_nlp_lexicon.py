"""The compact jieba dictionary (bot/nlp/lexicon.py) segments and tags exactly as jieba's
own dicts do, answers like them, and is built once per dictionary by a child process."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jieba
import jieba.posseg
import pytest

from bot.cli.bench_mix import replies
from bot.cli.sample import generate_town
from bot.nlp import lexicon
from bot.nlp.segment import USERDICT_RESOURCE, pos_tokenizer, tokenizer


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[jieba.Tokenizer, object]:
    """jieba's own tokenizer with the project dictionary, and its POS tokenizer."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path_factory.mktemp("jieba"))
    tok.initialize()
    with resources.files("bot.nlp").joinpath(USERDICT_RESOURCE).open("rb") as fh:
        tok.load_userdict(fh)
    return tok, jieba.posseg.POSTokenizer(tok)


def _texts(words: list[str]) -> list[str]:
    rng = random.Random(3)
    homes = [m for m in generate_town(1).members if m.groups]
    texts = [*replies(homes), *(f"3组{m.name}收到" for m in homes)]
    for _ in range(1000):
        texts.append("".join(rng.choice(words) for _ in range(rng.randint(1, 5))))
        word = rng.choice(words)
        texts.append(word[: rng.randint(1, len(word))] + "收到了吗？")
    return [*texts, "", "ＯＫ收到", "收到👍", "我爱北京天安门", "abc 123", "收到" * 40]


def test_segments_and_tags_as_jieba_does(reference: tuple[jieba.Tokenizer, object]) -> None:
    old, old_pos = reference
    new, new_pos = tokenizer(), pos_tokenizer()
    assert new.total == old.total
    for text in _texts(list(old.FREQ)):
        assert new.lcut(text, HMM=False) == old.lcut(text, HMM=False), text
        assert new.lcut(text) == old.lcut(text), text
        assert [tuple(p) for p in new_pos.lcut(text)] == [  # type: ignore[attr-defined]
            tuple(p)
            for p in old_pos.lcut(text)  # type: ignore[attr-defined]
        ], text


def test_views_answer_as_dicts(reference: tuple[jieba.Tokenizer, object]) -> None:
    old, old_pos = reference
    new, new_pos = tokenizer(), pos_tokenizer()
    old_pos.lcut("收到")  # type: ignore[attr-defined]  # merges the user dictionary's tags
    tags = old_pos.word_tag_tab  # type: ignore[attr-defined]
    rng = random.Random(5)
    for word in [*rng.sample(list(old.FREQ), 5000), "没收到", "收", "收到了吗", "zzz", ""]:
        assert (word in new.FREQ) is (word in old.FREQ), word
        assert new.FREQ.get(word) == old.FREQ.get(word), word
        assert new_pos.word_tag_tab.get(word, "x") == tags.get(word, "x"), word
    assert len(new.FREQ) == len(old.FREQ)
    with pytest.raises(KeyError):
        new.FREQ["不是一个词语啊"]


CHILD = """
import sys
from bot.nlp.segment import pos_tokenizer
pos_tokenizer()
import jieba.posseg
print(type(jieba.posseg.dt.word_tag_tab).__name__, jieba.posseg.dt.word_tag_tab.get("北京"))
print(" ".join(f"{w}/{t}" for w, t in jieba.posseg.lcut("我爱北京天安门")))
"""


def test_global_posseg_keeps_default_tags() -> None:
    # A fresh process: jieba.posseg imported first by the project, without its tag dict.
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env=dict(os.environ, PYTHONPATH=root),
    ).stdout.split("\n")
    assert out[0] == "TagView ns"
    assert out[1] == "我/r 爱/v 北京/ns 天安门/ns"


def test_built_once_by_a_child_and_read_back(tmp_path: Path) -> None:
    userdict = "没收到 2000 v\n".encode()
    first = lexicon.load(str(tmp_path), userdict)
    built = list(tmp_path.glob("fanzha-lexicon-*.bin"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    second = lexicon.load(str(tmp_path), userdict)
    assert built[0].stat().st_mtime_ns == stamp  # read from the cache, not rebuilt
    assert second.total == first.total
    tok = lexicon.CompactTokenizer(second)
    assert tok.lcut("我没收到文件", HMM=False) == ["我", "没收到", "文件"]


def test_built_in_process_when_no_child_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    lex = lexicon.load(str(tmp_path), "没收到 2000 v\n".encode())
    assert lexicon.CompactTokenizer(lex).lcut("没收到", HMM=False) == ["没收到"]
