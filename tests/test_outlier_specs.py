"""The Outliers page's controls as frozen, hashable values (``OutlierData``, ``LossChoice``): what
``st.cache_data`` keys on, equal whether built by the page or read from a lesson's link (a mapping)."""
import dataclasses

import pytest

from landscape import influence, outliers
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
