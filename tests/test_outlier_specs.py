"""The Outliers page's controls as frozen, hashable values (``landscape.outlier_choice``: ``OutlierData``,
``LossChoice``, the losses offered): what ``st.cache_data`` keys on, equal whether built by the page or read from
a lesson's link (a mapping); and the compute's small helpers the page calls (``formula_problem``, ``row_of``)."""
import dataclasses

import pytest

from landscape import influence, losses, outlier_choice, outliers
from landscape.outliers import LossChoice, OutlierData

S = influence.DEFAULT_SCENARIO


def test_the_default_spec_is_the_scenario_and_hashes_like_an_equal_one():
    spec = outliers.scenario_spec()
    assert spec == OutlierData() == OutlierData.of(dataclasses.asdict(spec))
    assert hash(spec) == hash(OutlierData.of(dict(dataclasses.asdict(spec))))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.count = 3  # type: ignore[misc]


def test_a_loss_choice_keeps_its_parameters_sorted_so_order_does_not_matter():
    a = LossChoice({"tau": 0.5, "delta": 1.0}, "abs(r)", ["mse", "mae"])
    b = LossChoice.of({"params": {"delta": 1.0, "tau": 0.5}, "formula": "abs(r)", "shown": ("mse", "mae")})
    assert a == b and hash(a) == hash(b) and a.params == (("delta", 1.0), ("tau", 0.5))
    assert a.without_formula() == LossChoice({"delta": 1.0, "tau": 0.5}, "", ("mse", "mae"))


def test_a_mapping_and_the_dataclass_give_the_same_points_and_losses():
    spec = OutlierData(count=3, size=-8.0, n=40, seed=2)
    by_mapping = outliers.points(dataclasses.asdict(spec), None, "")
    by_spec = outliers.points(spec, None, "")
    assert (by_mapping.y == by_spec.y).all() and by_spec.outlier.sum() == 3
    chosen = outliers.loss_set({"params": {"delta": S.delta}, "formula": ""})
    assert chosen.keys == outliers.loss_set(LossChoice({"delta": S.delta})).keys == tuple(
        outliers.losses.names("regression"))
    assert outliers.loss_set(outliers.scenario_losses()).keys == tuple(S.losses)


def test_the_losses_offered_are_the_scenarios_and_the_extra_ones_in_registry_order():
    names = losses.names("regression")
    extra = outlier_choice.EXTRA_LOSSES
    assert set(extra) == set(names) - set(S.losses) and not set(extra) & set(S.losses)
    assert outlier_choice.shown_losses([]) == tuple(n for n in names if n in S.losses) == ("mse", "mae", "huber")
    every = outlier_choice.shown_losses(reversed(extra))
    assert every == tuple(names)  # the registry's order, whatever the order of the choice
    delta = {p.name: p.default for p in outlier_choice.loss_params("huber")}
    assert delta == {"delta": S.delta} and S.delta != losses.spec("huber").params[0].default
    assert outlier_choice.loss_params("quantile") == losses.spec("quantile").params  # the registry's own


def test_a_refused_formula_is_named_and_a_good_one_is_not():
    assert outliers.formula_problem(LossChoice({"delta": 1.0}, "abs(r)**1.5")) is None
    assert outliers.formula_problem(LossChoice({"delta": 1.0})) is None
    problem = outliers.formula_problem(LossChoice({"delta": 1.0}, "__import__('os')"))
    assert problem and "not allowed" in problem


def test_a_point_is_found_by_its_origin_until_it_is_removed():
    p = outliers.points(OutlierData(count=2, n=20), None, "1:2,-3")
    assert p.row_of(None) is None and p.row_of(-1) == len(p.x) - 1  # the added point comes last
    assert p.row_of(4) == 3 and p.origin[3] == 4  # point 3 is gone, so point 4 sits one row up
    assert p.row_of(3) is None and p.row_of(99) is None
