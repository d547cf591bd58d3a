"""The leader phrasing dev set: the parser must read at least 95% of it right.

The figures and the misses are printed (`pytest -s`, or `python -m tests.phrasing_eval`)
beside the keyword baseline, which the parser must beat.
"""

from __future__ import annotations

from tests.phrasing_eval import HELD_OUT, describe, evaluate, load_cases

REQUIRED_ACCURACY = 0.95


def test_dev_set_is_large_and_covers_chat() -> None:
    cases = load_cases()
    assert len(cases) >= 300
    chat = [case for case in cases if case.command is None]
    assert len(chat) >= 80
    # Chat that merely mentions a command word is where a parser goes wrong.
    for word in ("进度", "排名", "催"):
        assert sum(word in case.text for case in chat) >= 5, word
    assert {case.category for case in cases} >= {
        "mention",
        "dialect",
        "numbered",
        "traditional",
        "fullwidth",
        "chat",
    }


def test_parser_reads_the_dev_set() -> None:
    evaluation = evaluate()
    print(describe(evaluation))
    misses = "\n".join(f"{case.text!r} → {got}" for case, got in evaluation.misses)
    assert evaluation.parser >= REQUIRED_ACCURACY, f"misses:\n{misses}"
    parser, baseline = evaluation.figures()
    assert parser > baseline


def test_chat_mentioning_command_words_stays_silent() -> None:
    evaluation = evaluate()
    spoken = [
        case.text
        for case, got in evaluation.misses
        if case.command is None and got.command is not None
    ]
    assert spoken == []


def test_held_out_phrasings_answer_no_chat() -> None:
    evaluation = evaluate(load_cases(HELD_OUT))
    print(describe(evaluation))
    assert evaluation.size >= 150
    assert evaluation.parser >= REQUIRED_ACCURACY
    assert not [case for case, got in evaluation.misses if case.command is None]
