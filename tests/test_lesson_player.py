"""landscape.lessons.player and landscape.markdown, called directly: a lesson's link values, its lettered
choices, answer and verdict, a step's address and the catalogue; text from a lesson shown as typed."""
from __future__ import annotations

import pytest

from landscape import lessons
from landscape.lessons import player
from landscape.markdown import literal
from landscape.types import InputError

HOSTILE = "<b>x</b> *y* [z](http://e) $1$ :red[w] # h"


def choice_step(answer: str | None = "MAE") -> lessons.Step:
    return lessons.make_step("outliers", {"count": "5"}, "Which?", "It is {mse_slope_shift:+.2f}.", "choice",
                             ["MSE", "MAE", HOSTILE], answer, "scatter")


def test_a_links_step_and_reveal_are_checked_and_canonical():
    assert player.parse_step("007") == "7" and player.parse_step(str(lessons.MAX_STEPS)) == str(lessons.MAX_STEPS)
    for raw in ("0", "-1", "1.5", "x", "", str(lessons.MAX_STEPS + 1)):
        with pytest.raises(InputError, match=f"a step is a whole number from 1 to {lessons.MAX_STEPS}"):
            player.parse_step(raw)
    assert player.parse_flag("1") == "1" and player.parse_flag("0") == "0"
    with pytest.raises(InputError, match="use 1 or 0"):
        player.parse_flag("true")


def test_text_is_shown_as_typed():
    escaped = literal(HOSTILE)
    assert all(f"\\{c}" in escaped for c in "<>*[]()$:#")
    assert literal("plain words, 3.5") == "plain words, 3.5"
    assert player.choice_label("C", HOSTILE) == f"**C.** {escaped}"


def test_the_answer_and_the_verdict_name_the_right_letter():
    step = choice_step()
    assert player.answer(step) == "Answer: B. MAE"
    assert player.verdict(step, "B") == "Your prediction, B, was **right**."
    assert player.verdict(step, "A") == "Your prediction, A, was not the answer."
    assert player.verdict(step, None) is None
    free = lessons.make_step("outliers", {}, "Why?", "Because.", "free", [], None, "scatter")
    assert player.answer(free) is None and player.verdict(free, "A") is None


def test_a_steps_address_carries_its_link_then_the_extra_parameters():
    step = choice_step()
    assert player.address(step, {}) == "outliers?count=5"
    assert player.address(step, {"present": "dark"}) == "outliers?count=5&present=dark"
    bare = lessons.make_step("outliers", {}, "Why?", "Because.", "free", [], None, "scatter")
    assert player.address(bare, {"present": "1"}) == "outliers?present=1"


def test_the_catalogue_lists_every_shipped_lesson_in_order():
    table = player.catalogue()
    shipped = [lessons.get(name) for name in lessons.names()]
    assert table == {"lesson": [x.title for x in shipped], "steps": [len(x.steps) for x in shipped],
                     "what it shows": [x.summary for x in shipped]}
