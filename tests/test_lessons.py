"""Lessons (issue 14): every shipped lesson validates, every reveal fills with finite numbers from the compute,
every multiple-choice answer is the one the compute gives (so a change in the maths cannot leave a lesson
teaching something false) and the claims of each reveal hold.  Lesson files: tests/test_lesson_files.py."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from landscape import lessons, problems
from landscape.lessons import links, quotes
from landscape.lessons.compute import Memo

MEMO = Memo(entries=256)
DATA = Path(lessons.__file__).parent / "data"


def view_quotes(page: str, **params) -> dict[str, float]:
    """Every quote the view shows, computed (shared memo: each view computes once per test session)."""
    parsed = links.check(page, {k: links.as_text(v) for k, v in params.items()})
    return quotes.compute(page, parsed.inputs, quotes.available(page, parsed.inputs), MEMO)


def step_quotes(step: lessons.Step) -> dict[str, float]:
    parsed = step.parsed()
    return quotes.compute(step.page, parsed.inputs, quotes.available(step.page, parsed.inputs), MEMO)


def steps_of(kind: str | None = None):
    return [pytest.param(name, k, id=f"{name}-{k + 1}") for name in lessons.names()
            for k, s in enumerate(lessons.get(name).steps) if kind is None or s.kind == kind]


# ---- the registry ---------------------------------------------------------------------------------

def test_registry_lists_every_lesson_file_once_in_teaching_order():
    files = sorted(p.stem for p in DATA.glob("*.toml"))
    assert sorted(lessons.names()) == files and len(set(lessons.names())) == len(files) >= 8
    for name in lessons.names():
        lesson = lessons.get(name)
        assert lesson.name == name and 3 <= len(lesson.steps) <= 6
        assert lessons.load((DATA / f"{name}.toml").read_text()) == lesson


def test_the_lessons_cover_the_seed_topics():
    pages = {name: {s.page for s in lessons.get(name).steps} for name in lessons.names()}
    text = " ".join(lessons.get(n).title + " " + lessons.get(n).summary for n in lessons.names()).lower()
    for needle in ("mse", "huber", "cross-entropy", "missed positive", "l2", "2 / lambda_max", "momentum",
                   "validation", "sharp", "kl", "dice"):
        assert needle in text, needle
    assert set().union(*pages.values()) == set(links.PAGES)


def test_every_shipped_step_has_a_link_the_page_reads_without_a_warning():
    for name in lessons.names():
        for step in lessons.get(name).steps:
            parsed = step.parsed(strict=True)
            assert not parsed.problems and not parsed.unused, (name, step.link(), parsed.message())
            assert step.shown_figure in links.shown_figures(step.page, parsed.inputs)


@pytest.mark.parametrize("name, k", steps_of())
def test_every_reveal_fills_with_finite_numbers(name, k):
    step = lessons.get(name).steps[k]
    numbers = lessons.numbers(step, MEMO)
    assert set(numbers) == set(step.placeholders()) and step.placeholders()
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in numbers.values()), numbers
    text = lessons.fill(step.reveal, numbers)
    assert "{" not in text and lessons.MISSING not in text


# ---- the right answers, from the compute --------------------------------------------------------------

def _argmax(options: dict[str, float]) -> str:
    return max(options, key=options.get)


def _l2_slope(l2: float) -> float:
    """Least squares with an L2 penalty in closed form, w = cov(x, y) / (var x + l2), on the page's data."""
    obj = problems.from_spec(links.check("loss_surface", {"family": "regression"}).inputs["spec"])
    x, y = obj.linear.x.numpy(), obj.linear.y.numpy()
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (np.var(x) + l2))


ANSWERS = {  # (lesson, step number) -> the right choice, computed
    ("outliers", 1): lambda q: _argmax({"MSE": abs(q["mse_slope_shift"]), "MAE": abs(q["mae_slope_shift"]),
                                        "Huber": abs(q["huber_slope_shift"])}),
    ("outliers", 3): lambda q: (
        "It does not move any further"
        if abs(q["huber_slope_shift"] - view_quotes("outliers")["huber_slope_shift"]) < 1e-6
        else "It goes back to the clean slope" if abs(q["huber_slope_shift"]) < q["slope_se"] / 10
        else "It moves about twice as far, like MSE's"),
    ("outliers", 4): lambda q: "The intercept" if abs(q["mse_intercept_shift"]) > abs(q["mse_slope_shift"])
    else "The slope",
    ("outliers", 5): lambda q: ("No: it moves too, though much less than MSE's"
                                if q["slope_se"] < abs(q["huber_slope_shift"]) < abs(q["mse_slope_shift"]) / 2
                                else "Yes: its slope moves by less than the clean slope's standard error"),
    ("confident-and-wrong", 1): lambda q: ("Cross-entropy" if q["ce_p01"] > 1.5 * q["brier_p01"] else
                                           "The squared error" if q["brier_p01"] > 1.5 * q["ce_p01"]
                                           else "They are about the same"),
    ("confident-and-wrong", 2): lambda q: ("About 0.69 (log 2), wherever p starts"
                                           if abs(q["ce_p01"] - q["ce_p02"] - math.log(2)) < 1e-9
                                           and abs(q["ce_p50"] - view_quotes("loss_functions")["ce_p50"]) < 1e-12
                                           else "It doubles the loss"),
    ("confident-and-wrong", 3): lambda q: _argmax({"p = 0.99": -q["smoothed_p99"], "p = 0.5": -q["smoothed_p50"],
                                                   "p = 0.93 or so": -q["smoothed_best"]}),
    ("confident-and-wrong", 4): lambda q: ("About the same: both slopes are close to -1"
                                           if abs(q["bce_slope"] + 1) < 0.1 and abs(q["hinge_slope"] + 1) < 0.1
                                           else "BCE is far steeper" if q["bce_slope"] < 2 * q["hinge_slope"]
                                           else "BCE is flat there"),
    ("missed-positive", 1): lambda q: ("Less than a third" if q["recall"] < 1 / 3 else "About half"
                                       if q["recall"] < 0.8 else "Almost all of them (over 80 %)"),
    ("missed-positive", 2): lambda q: _direction(q),
    ("missed-positive", 3): lambda q: ("The bias b" if abs(q["bias_change"]) > 2 * q["weight_change"]
                                       else "The weights (w1, w2)"),
    ("missed-positive", 4): lambda q: _direction(q),
    ("l2-shrinkage", 2): lambda q: ("Toward w = 0" if abs(q["best_x"]) < abs(q["data_best_x"]) else
                                    "Away from w = 0" if abs(q["best_x"]) > abs(q["data_best_x"])
                                    else "Nowhere: the penalty adds the same amount everywhere"),
    ("l2-shrinkage", 3): lambda q: _penalty_ignores_b(),
    ("l2-shrinkage", 4): lambda q: ("No: w keeps shrinking but never reaches 0" if abs(q["best_x"]) > 1e-6
                                    else "Yes: a large enough L2 penalty sets w to 0"),
    ("l2-shrinkage", 5): lambda q: _compare(q["kept_x"], view_quotes("loss_surface", family="regression",
                                                                     l2=1.0)["kept_x"], "Further", "Less far",
                                            "Exactly as far"),
    ("learning-rate-limit", 2): lambda q: "It diverges" if not math.isnan(q["gd_diverged_at"]) else "It converges",
    ("learning-rate-limit", 3): lambda q: ("It diverges" if not math.isnan(q["gd_diverged_at"])
                                           else "It converges, slowly"),
    ("learning-rate-limit", 4): lambda q: ("No: momentum raises the limit to 2 (1 + mu) / lambda_max"
                                           if math.isnan(q["momentum_diverged_at"])
                                           and q["stability_limit"] < 0.3 < q["momentum_limit"]
                                           else "Yes: the learning rate is past 2 / lambda_max"),
    ("momentum-valley", 1): lambda q: _compare(q["momentum_final_loss"], q["gd_final_loss"], "Momentum",
                                               "Gradient descent", "About the same"),
    ("momentum-valley", 2): lambda q: "Yes" if q["gd_final_loss"] <= 0.05 else "No, it is still far from it",
    ("momentum-valley", 3): lambda q: ("Worse: it overshoots and swings across the valley"
                                       if q["momentum_final_loss"] > view_quotes("optimisers", opt=["gd", "momentum"])[
                                           "momentum_final_loss"] else "Better: it goes faster still"),
    ("momentum-valley", 4): lambda q: _argmax({"Momentum": -q["momentum_final_loss"],
                                               "Nesterov": -q["nesterov_final_loss"]}),
    ("train-vs-validation", 1): lambda q: ["0 to 3", "4 to 10", "11 to 20"][
        0 if q["best_degree"] <= 3 else 1 if q["best_degree"] <= 10 else 2],
    ("train-vs-validation", 2): lambda q: (
        "Training error lower, validation error higher: it overfits"
        if q["train_at_degree"] < q["best_train"] and q["val_at_degree"] > q["best_val"]
        else "Both lower" if q["val_at_degree"] <= q["best_val"] else "Both higher: it underfits"),
    ("train-vs-validation", 3): lambda q: ("No: it is now close to the best degree" if q["val_ratio"] < 1.25
                                           else "Yes, as badly as before"),
    ("train-vs-validation", 4): lambda q: ("It falls" if q["val_at_degree"] < view_quotes(
        "overfitting", degree=20)["val_at_degree"] else "It rises"),
    ("train-vs-validation", 5): lambda q: ("In the first fifth of training" if q["best_epoch"] <= q["final_epoch"] / 5
                                           else "Near the end"),
    ("flat-vs-sharp", 2): lambda q: ("The large-batch one" if q["large_lambda_1"] > q["small_lambda_1"]
                                     else "The small-batch one"),
    ("flat-vs-sharp", 3): lambda q: (
        "Not quite: the large batch took far fewer steps and has not reached as low a training loss"
        if q["large_steps"] < q["small_steps"] / 5 and q["large_train_loss"] > 2 * q["small_train_loss"]
        else "Yes: same network, same start, same epochs"),
    ("forward-reverse-kl", 1): lambda q: _placement(q, "forward"),
    ("forward-reverse-kl", 2): lambda q: _placement(q, "reverse").replace("Between the modes, wide enough to cover "
                                                                          "both", "Between the modes, wide"),
    ("forward-reverse-kl", 3): lambda q: "One" if q["reverse_minima"] == 1 else "Two or more: at least one per mode",
    ("forward-reverse-kl", 4): lambda q: ("No: both find nearly the same q"
                                          if abs(q["forward_mu"] - q["reverse_mu"]) < 0.1
                                          and abs(q["forward_sigma"] - q["reverse_sigma"]) < 0.1 else "Yes, as before"),
    ("dice-vs-bce", 1): lambda q: ("BCE" if q["bce_flat"] < 0.01 < min(q["dice_flat"], q["iou_flat"]) else
                                   "Soft Dice" if q["dice_flat"] < 0.01 < q["bce_flat"] else "Both"),
    ("dice-vs-bce", 2): lambda q: _bce_miss_scaling(q),
    ("dice-vs-bce", 3): lambda q: "Still close to its maximum, 1" if q["dice_far"] > 0.9 else "Small, like BCE's",
    ("dice-vs-bce", 4): lambda q: ("It almost disappears" if q["dice_flat"] < view_quotes(
        "distributions", extent=0.04)["dice_flat"] / 10 else "It grows"),
}


def _direction(q: dict) -> str:
    recall, precision = q["recall"] - q["recall_plain"], q["precision"] - q["precision_plain"]
    if recall > 0 > precision:
        return "Recall rises and precision falls"
    if precision > 0 > recall:
        return "Precision rises and recall falls"
    if recall > 0 and precision > 0:
        return "Both rise"
    return "Nothing changes" if recall == precision == 0 else "Recall falls and precision rises"


def _compare(a: float, b: float, below: str, above: str, same: str) -> str:
    """``below`` when a is clearly below b, ``above`` when clearly above, else ``same``."""
    if math.isclose(a, b, rel_tol=0.05):
        return same
    return below if a < b else above


def _penalty_ignores_b() -> str:
    obj = problems.from_spec(links.check("loss_surface", {"family": "regression", "l2": "1"}).inputs["spec"])
    penalty = obj.part("penalty")
    values = penalty(torch.tensor([[1.5, -4.0], [1.5, 0.0], [1.5, 7.0]], dtype=torch.float64))
    return ("No: only w is penalised, and b moves only to follow w" if float(values.max() - values.min()) == 0
            else "Yes, b shrinks like w")


def _placement(q: dict, name: str) -> str:
    width = links.check("distributions", {}).inputs["width"]
    sep = links.check("distributions", {}).inputs["separation"]
    narrow = abs(q[f"{name}_sigma"] - width) < 0.1 * width and abs(abs(q[f"{name}_mu"]) - sep / 2) < 0.1
    wide = q[f"{name}_sigma"] > 2 * width and abs(q[f"{name}_mu"] - q["p_mean"]) < 0.1
    return ("On one mode, about as narrow as it" if narrow else
            "Between the modes, wide enough to cover both" if wide else "neither")


def _bce_miss_scaling(q: dict) -> str:
    far = {e: view_quotes("distributions", extent=e)["bce_far"] for e in (0.04, 0.1, 0.3)}
    assert math.isclose(far[0.04], q["bce_far"])
    ratios = [far[0.04] / far[0.1] / (0.04 / 0.1), far[0.3] / far[0.1] / (0.3 / 0.1)]
    if far[0.04] < far[0.1] < far[0.3] and all(0.6 < r < 1.6 for r in ratios):
        return "Less: about in proportion to the object's size"
    return "The same" if math.isclose(far[0.04], far[0.3], rel_tol=0.1) else "More"


@pytest.mark.parametrize("name, k", steps_of("choice"))
def test_every_multiple_choice_answer_is_what_the_compute_says(name, k):
    step = lessons.get(name).steps[k]
    assert (name, k + 1) in ANSWERS, "every multiple-choice step needs its answer computed here"
    right = ANSWERS[(name, k + 1)](step_quotes(step))
    assert right in step.choices, right
    assert step.choices[step.answer] == right


def test_no_answer_is_checked_for_a_step_that_does_not_exist():
    for name, number in ANSWERS:
        assert lessons.get(name).steps[number - 1].kind == "choice"


# ---- what the reveals claim in words ----------------------------------------------------------------------

CLAIMS = {  # (lesson, step number) -> the sentences of its reveal that the numbers must bear out
    ("outliers", 1): lambda q: max(abs(q["mae_slope_shift"]), abs(q["huber_slope_shift"])) < q["slope_se"]
    < abs(q["mse_slope_shift"]),
    ("outliers", 2): lambda q: q["mse_pull"] > 5 and max(q["huber_pull"], q["mae_pull"]) <= 1 + 1e-9
    and q["outlier_sigmas"] > 5,
    ("outliers", 3): lambda q: 1.9 < q["mse_slope_shift"] / view_quotes("outliers")["mse_slope_shift"] < 2.1,
    ("outliers", 4): lambda q: q["leverage"] < view_quotes("outliers")["leverage"],
    ("confident-and-wrong", 1): lambda q: q["brier_max"] == 2 and q["ce_p01"] > q["brier_max"],
    ("confident-and-wrong", 3): lambda q: math.isclose(q["best_p"], 1 - 0.1 + 0.1 / 3),
    ("confident-and-wrong", 4): lambda q: q["bce_value"] < q["hinge_value"],
    ("missed-positive", 1): lambda q: q["accuracy"] > 0.85 and q["positives"] < 0.15 * q["points"],
    ("missed-positive", 2): lambda q: q["fn"] < q["fn_plain"] and q["fp"] > q["fp_plain"],
    ("missed-positive", 3): lambda q: q["bias_change"] > 0 and q["called_positive"] > q["called_positive_plain"],
    ("missed-positive", 5): lambda q: q["accuracy"] < q["accuracy_plain"] and q["fn"] < q["fn_plain"],
    ("l2-shrinkage", 1): lambda q: max(abs(q["grid_x"] - q["best_x"]), abs(q["grid_y"] - q["best_y"])) < 0.05
    and q["kept_x"] == 1,
    ("l2-shrinkage", 2): lambda q: 0 < q["best_x"] < q["data_best_x"],
    ("l2-shrinkage", 4): lambda q: math.isclose(q["best_x"], _l2_slope(5.0), rel_tol=1e-9) and q["best_x"] > 0,
    ("learning-rate-limit", 1): lambda q: q["lambda_max"] == pytest.approx(10) and q["gd_steps_to_tol"] < 30,
    ("learning-rate-limit", 2): lambda q: q["stability_limit"] == pytest.approx(0.2) and q["gd_steps_to_tol"] > 0,
    ("learning-rate-limit", 3): lambda q: 0.21 > q["stability_limit"],
    ("learning-rate-limit", 5): lambda q: _map_matches_the_limit(),
    ("momentum-valley", 2): lambda q: q["momentum_final_loss"] < 0.05 < q["gd_final_loss"],
    ("momentum-valley", 3): lambda q: q["momentum_final_gap"] > 0.05,
    ("train-vs-validation", 1): lambda q: q["best_val"] < 1.25 * q["floor"],
    ("train-vs-validation", 2): lambda q: q["train_at_degree"] < q["floor"],
    ("train-vs-validation", 5): lambda q: q["train_final"] < q["train_best_epoch"]
    and q["val_final"] > q["val_best_epoch"],
    ("flat-vs-sharp", 1): lambda q: q["lambda_1"] >= q["lambda_2"] >= q["lambda_3"] > 0,
    ("flat-vs-sharp", 2): lambda q: q["small_trace"] < q["large_trace"],
    ("flat-vs-sharp", 4): lambda q: q["plane_max"] > 10 * q["plane_centre"],
    ("forward-reverse-kl", 1): lambda q: abs(q["forward_mu"] - q["p_mean"]) < 1e-3
    and abs(q["forward_sigma"] - q["p_std"]) < 1e-3,
    ("forward-reverse-kl", 2): lambda q: q["reverse_mu"] < 0,
    ("forward-reverse-kl", 3): lambda q: q["forward_minima"] == 1,
    ("forward-reverse-kl", 4): lambda q: q["reverse_minima"] == 1,
    ("dice-vs-bce", 2): lambda q: q["bce_far"] > 10 * q["bce_at_truth"],
    ("dice-vs-bce", 4): lambda q: q["dice_far"] < view_quotes("distributions", extent=0.04)["dice_far"],
}


def _map_matches_the_limit() -> bool:
    """No setting below 2 (1 + mu) / lambda_max diverges, and every one beyond 1.5 times it does."""
    inputs = links.check("optimisers", {"fn": "quadratic", "map": "1"}).inputs
    m = MEMO.get("lr_map", inputs)
    lr = m.lrs[None, :]
    diverged = ~np.isfinite(m.final)
    return bool(not (diverged & (lr < m.limit[:, None])).any() and diverged[lr > 1.5 * m.limit[:, None]].all())


@pytest.mark.parametrize("name, number", sorted(CLAIMS))
def test_what_each_reveal_says_holds(name, number):
    assert CLAIMS[(name, number)](step_quotes(lessons.get(name).steps[number - 1]))
