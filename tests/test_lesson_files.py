"""Lesson files (issue 14): a lesson made from links is written and read back unchanged, a reveal's template
formats numbers only, and bad lesson files (malformed TOML, unknown pages, refused link parameters, huge
files, schema mistakes, script tags) get clear messages naming the step and line."""
from __future__ import annotations

import pytest

from landscape import lessons
from landscape.types import InputError



# ---- a lesson made in the app, written and read back ----------------------------------------------------

def test_a_lesson_made_from_links_is_written_and_read_back_unchanged():
    lesson = lessons.new("my-lesson", "My lesson", "Two views.")
    lesson = lessons.append(lesson, lessons.make_step("outliers", {"count": "8", "pos": "random"},
                                                      "Which line moves?", "MSE by {mse_slope_shift:+.2f}.",
                                                      "choice", ["MSE", "MAE"], "MSE", "scatter"))
    lesson = lessons.append(lesson, lessons.make_step("distributions", {"sep": "2"}, 'Say "why" \\ {no}?',
                                                      "q: {forward_mu:.1f} ± {forward_sigma:.2g}\n<b>{{literal}}</b>"))
    text = lessons.dump(lesson)
    assert lessons.load(text) == lesson
    for name in lessons.names():
        assert lessons.load(lessons.dump(lessons.get(name))) == lessons.get(name)


def test_a_step_links_to_its_page_view():
    step = lessons.get("learning-rate-limit").steps[3]
    assert step.link() == "optimisers?fn=quadratic&opt=gd%2Cmomentum&gd_lr=0.19&momentum_lr=0.3"
    assert step.query == {"fn": "quadratic", "opt": "gd,momentum", "gd_lr": "0.19", "momentum_lr": "0.3"}


def test_fill_formats_numbers_only_and_shows_undefined_ones_as_missing():
    assert lessons.fill("{a:.2f} {b:+.0%} {c} {{x}}", {"a": 1.234, "b": 0.5, "c": 3}) == "1.23 +50% 3 {x}"
    assert lessons.fill("{a:.2f}", {"a": float("nan")}) == lessons.MISSING
    assert lessons.fill("{a:.2f} {a:+.1%} {a} {b:d} {b:.1f}", {"a": -0.0004, "b": -3}) == "0.00 +0.0% -0.0004 -3 -3.0"
    for bad in ({"a": "text"}, {"a": True}, {}, {"a": [1]}):
        with pytest.raises(InputError):
            lessons.fill("{a}", bad)


@pytest.mark.parametrize("template", ["{x.real}", "{x[0]}", "{0}", "{}", "{x!r}", "{x:>100000}", "{x:{y}}",
                                      "{x:.100f}", "{x:,.2f}{", "}", "{x:%s}", "{__class__}x{x.__class__}"])
def test_templates_refuse_anything_but_a_name_and_a_short_number_format(template):
    with pytest.raises(InputError):
        lessons.template_fields(template)


# ---- bad lesson files --------------------------------------------------------------------------------------

GOOD = '''name = "tiny"
title = "A tiny lesson"
summary = "One step."

[[steps]]
page = "distributions"
params = { sep = 2.0 }
question = "Where does q sit?"
reveal = "At {forward_mu:.2f}."
'''


def message(text: str | bytes) -> str:
    with pytest.raises(InputError) as err:
        lessons.load(text)
    return str(err.value)


def test_a_good_small_file_loads():
    lesson = lessons.load(GOOD)
    assert lesson.steps[0].params == (("sep", "2.0"),) and lesson.steps[0].kind == "free"
    assert lessons.reveal(lesson.steps[0]).startswith("At -0.2")


def test_malformed_toml_is_refused_with_its_line_and_column():
    text = message(GOOD.replace('question = "Where', 'question = Where'))
    assert "not valid TOML" in text and "line 8, column" in text


def test_an_unknown_page_is_refused_naming_the_step_line_and_the_pages():
    text = message(GOOD.replace('page = "distributions"', 'page = "gradient_zoo"'))
    assert "step 1 (line 6)" in text and "unknown page 'gradient_zoo'" in text and "outliers" in text


def test_a_refused_link_parameter_gets_the_pages_own_message_and_its_line():
    text = message(GOOD.replace("sep = 2.0", "sep = 80.0"))
    assert "step 1 (line 7): link parameter `sep`: 80.0 is outside 0 to 8" in text
    text = message(GOOD.replace("sep = 2.0", "seperation = 2.0"))
    assert "`seperation` is not a link parameter of the Distributions and overlap page" in text and "sep" in text
    text = message(GOOD.replace('page = "distributions"\nparams = { sep = 2.0 }',
                                'page = "optimisers"\nparams = { fn = "rosenbrock", condition = 20 }')
                   .replace("{forward_mu:.2f}", "{floor}"))
    assert "`condition` is not a link parameter of the Optimisers page with these settings" in text


@pytest.mark.parametrize("page, params, needle", [
    ("outliers", {"data": "csv"}, "cannot carry an uploaded CSV"),
    ("outliers", {"pts": "1:2"}, "edited by hand"),
    ("loss_surface", {"family": "regression", "data": "upload a CSV"}, "cannot carry an uploaded CSV"),
    ("loss_surface", {"family": "regression", "loss": "custom", "formula": "exp(exp(r)) +"}, "formula"),
    ("neural_landscape", {"widths": "64, wide"}, "widths"),
    ("optimisers", {"opt": ""}, "at least one optimiser"),
    ("classification", {"n": "55.5"}, "not a whole number"),
    ("loss_functions", {"show_r": "mse,cubic"}, "cubic not among"),
    ("overfitting", {"lr": "nan"}, "outside"),
])
def test_what_a_link_would_refuse_or_a_lesson_cannot_carry_is_refused(page, params, needle):
    with pytest.raises(InputError) as err:
        lessons.make_step(page, params, "Q?", "R.")
    assert needle in str(err.value) and "step 1" in str(err.value)


def test_a_ten_megabyte_file_is_refused_before_it_is_read():
    text = message(GOOD + "# " + "x" * (10 * 1024 * 1024))
    assert "is 10,485," in text and f"at most {lessons.MAX_BYTES:,} bytes" in text


def test_a_thousand_steps_are_refused():
    step = GOOD[GOOD.index("[[steps]]"):]
    big = GOOD[:GOOD.index("[[steps]]")] + "\n".join([step.replace("page =", "page=")] * 1000)
    if len(big.encode()) > lessons.MAX_BYTES:  # the size limit speaks first; the step limit on its own:
        assert "bytes" in message(big)
        big = GOOD[:GOOD.index("[[steps]]")] + "steps = [" + ", ".join(
            ['{page = "distributions", question = "Q?", reveal = "R."}'] * 1000) + "]\n"
    assert len(big.encode()) <= lessons.MAX_BYTES
    assert f"1,000 steps; a lesson has at most {lessons.MAX_STEPS}" in message(big)


def test_script_tags_are_kept_as_text_never_interpreted():
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    lesson = lessons.load(GOOD.replace("Where does q sit?", hostile.replace('"', '\\"'))
                          .replace('title = "A tiny lesson"', 'title = "<b>bold</b>"'))
    assert lesson.steps[0].question == hostile and lesson.title == "<b>bold</b>"
    assert lessons.load(lessons.dump(lesson)) == lesson


@pytest.mark.parametrize("change, needle", [
    (("reveal = \"At {forward_mu:.2f}.\"", "reveal = \"At {forward_mu.real}.\""), "no attribute, index or position"),
    (("reveal = \"At {forward_mu:.2f}.\"", "reveal = \"At {forward_mu[0]}.\""), "no attribute, index or position"),
    (("reveal = \"At {forward_mu:.2f}.\"", "reveal = \"At {mse_slope:.2f}.\""), "is not a quote of the Distributions"),
    (("reveal = \"At {forward_mu:.2f}.\"", "reveal = \"At {forward_minima:.2%}x{forward_mu:d}.\""),
     "'d' is not a format for a number with decimals"),
    (("question = \"Where does q sit?\"\n", ""), "the step has no question"),
    (("question = \"Where does q sit?\"", "question = \"\""), "question is empty"),
    (("question = \"Where does q sit?\"", "question = 3"), "question must be text"),
    (("question = \"Where does q sit?\"", "question = \"a\\u0000b\""), "control character U+0000"),
    (("question = \"Where does q sit?\"", "question = \"" + "x" * 1001 + "\""), "1,001 characters long"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\nkind = \"choice\"\nchoices = [\"a\"]"),
     "a choice question needs a list of 2 to 6 choices"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\nkind = \"choice\"\nchoices = [\"a\", \"b\"]\n"
                                          "answer = \"c\""), "answer must be one of the choices"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\nanswer = \"a\""), "belong to a question of kind"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\nkind = \"essay\""), "kind must be"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\nfigure = \"pie\""), "figure must be one of"),
    (("question = \"Where does q sit?\"", "question = \"Q?\"\ncolour = \"red\""), "unknown key 'colour'"),
    (('name = "tiny"', 'name = "Tiny Lesson!"'), "lower-case letters"),
    (('summary = "One step."\n', ''), "the lesson has no summary"),
    (('name = "tiny"', 'name = "tiny"\nversion = 2'), "unknown key 'version'"),
    (("sep = 2.0", "sep = [1, 2]"), "link parameter `sep`"),
])
def test_each_schema_mistake_gets_a_clear_message(change, needle):
    assert change[0] in GOOD
    assert needle in message(GOOD.replace(*change))


def test_a_quote_the_view_does_not_show_is_refused():
    text = message(GOOD.replace('page = "distributions"\nparams = { sep = 2.0 }', 'page = "optimisers"\n'
                                'params = { opt = ["gd"] }').replace("{forward_mu:.2f}", "{adam_final_loss:.3g}"))
    assert "step 1 (line 9): reveal: {adam_final_loss} is not shown by this view of the page" in text


def test_the_message_names_the_step_and_line_of_a_later_step():
    second = GOOD[GOOD.index("[[steps]]"):].replace("sep = 2.0", "width = 9.0")
    text = message(GOOD + "\n" + second)
    assert "step 2 (line 13): link parameter `width`: 9.0 is outside 0.3 to 2" in text


def test_a_file_that_is_not_utf8_or_has_no_steps_is_refused():
    assert "not UTF-8" in message(GOOD.encode("utf-8") + b"\xff\xfe")
    assert "the lesson has no steps" in message(GOOD[:GOOD.index("[[steps]]")])


def test_an_unknown_shipped_lesson_names_the_choices():
    with pytest.raises(InputError, match="unknown lesson 'nope'; choose one of outliers"):
        lessons.get("nope")
