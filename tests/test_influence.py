"""The outlier lesson (landscape.influence): the default scenario shows MSE, Huber and MAE apart (over
seeds too), the influence sweep matches the page's fits and the theory, the loss shares, psi as each
loss's derivative, and a robust noise scale."""
import numpy as np
import pytest

from landscape import data, fit, influence, losses
from landscape.types import InputError


# ---- the outlier lesson -----------------------------------------------------------------------------------------

def test_default_scenario_shows_three_behaviours_apart():
    """MSE moves by more than 1.0; Huber, with delta on the scale of the noise (issue 11: delta 1 against
    sigma 3 made it MAE), between 0.2 and 0.3; MAE below 0.2."""
    scenario = influence.DEFAULT_SCENARIO
    assert (scenario.slope, scenario.share, scenario.size, scenario.leverage) == (2.0, 0.05, 10.0, True)
    assert scenario.losses == ("mse", "mae", "huber") and 1.2 < scenario.delta / scenario.noise < 1.5
    x, y, flags = scenario.data()
    assert flags.sum() == 5 and x[flags].min() > np.sort(x)[-6]  # the five points at the high-x end
    huber = losses.get("huber", delta=scenario.delta)
    mse, mae, hub = influence.outlier_fits(x, y, flags, ["mse", "mae", huber]).shift[:, 0]  # slope shifts
    assert mse > 1.0
    assert abs(mae) < 0.2 < abs(hub) < 0.3


def test_default_scenario_over_seeds():
    """What holds for every seed (module docstring of Scenario): MSE > 1.0 and far ahead of MAE, Huber."""
    scenarios = [influence.Scenario(seed=s) for s in range(20)]
    x, y, flags = (np.stack(a) for a in zip(*(s.data() for s in scenarios)))
    clean = ~flags  # (20, N), 95 clean points in every row
    shifts = {}
    page_huber = losses.get("huber", delta=influence.DEFAULT_SCENARIO.delta)
    for name, loss in (("mse", "mse"), ("mae", "mae"), ("huber", page_huber)):
        dirty = fit.fit_lines(x, y, loss)[:, 0]
        kept = fit.fit_lines(x[clean].reshape(len(x), -1), y[clean].reshape(len(x), -1), loss)[:, 0]
        shifts[name] = np.abs(dirty - kept)
    ratio = shifts["mse"] / np.maximum(shifts["mae"], shifts["huber"])
    assert (shifts["mse"] > 1.0).all()
    assert np.median(ratio) > 5.0 and ratio.min() > 3.0
    assert np.median(shifts["huber"] / shifts["mae"]) > 1.3  # Huber between the two, not MAE again


def test_influence_sweep_matches_the_page_fits_and_the_theory():
    scenario = influence.DEFAULT_SCENARIO
    x, y = data.line(n=scenario.n, slope=scenario.slope, intercept=scenario.intercept, noise=scenario.noise,
                     seed=scenario.seed)
    sweep = influence.influence_sweep(x, y, sizes=[0.0, 5.0, 10.0, 15.0, 20.0], count=scenario.count,
                                      noise=scenario.noise, seed=scenario.seed)
    assert sweep.slopes.shape == (5, 5) and sweep.names[0] == "MSE"
    page = influence.outlier_fits(*scenario.data())
    np.testing.assert_allclose(sweep.slopes[:, 2], page.contaminated[:, 0], atol=1e-9)
    np.testing.assert_allclose(sweep.clean, page.clean, atol=1e-12)
    mse, mae, huber = sweep.slopes[0], sweep.slopes[1], sweep.slopes[2]
    np.testing.assert_allclose(np.diff(mse, 2), 0.0, atol=1e-9)  # least squares is linear in y
    assert mse[-1] - mse[0] > 2.0
    assert np.ptp(mae[1:]) < 1e-9 and np.ptp(huber[2:]) < 0.05  # bounded influence: flat once past the bulk


def test_default_sweep_is_fifty_sizes_by_every_loss():
    sweep = influence.influence_sweep(*data.line(seed=1), count=5)
    assert sweep.slopes.shape == sweep.intercepts.shape == (len(losses.names("regression")), 50)
    assert np.isfinite(sweep.slopes).all() and sweep.is_outlier.sum() == 5


def test_loss_shares_show_who_dominates():
    x, y, flags = influence.DEFAULT_SCENARIO.data()
    names = ["mse", "mae", losses.get("huber", delta=influence.DEFAULT_SCENARIO.delta)]  # as the page starts
    shares = influence.loss_shares(x, y, influence.outlier_fits(x, y, flags, names).contaminated, names)
    assert shares.shape == (3, len(x)) and (shares >= 0).all()
    np.testing.assert_allclose(shares.sum(-1), 1.0)
    outlier_share = shares[:, flags].sum(-1)
    assert outlier_share[0] > 0.7 > outlier_share[2] > outlier_share[1]  # MSE is all about the outliers


def test_psi_is_the_derivative_of_each_loss():
    r = np.linspace(-4, 4, 81)
    names = ["mse", "mae", losses.get("huber", delta=1.5), "log_cosh", losses.get("quantile", tau=0.8)]
    got = influence.psi(r, names)
    np.testing.assert_allclose(got[0], 2 * r, atol=1e-12)
    np.testing.assert_allclose(got[1], np.sign(r), atol=1e-12)
    np.testing.assert_allclose(got[2], np.clip(r, -1.5, 1.5), atol=1e-12)
    np.testing.assert_allclose(got[3], np.tanh(r), atol=1e-12)
    np.testing.assert_allclose(got[4][r != 0], np.where(r > 0, 0.8, -0.2)[r != 0], atol=1e-12)


def test_outlier_sweep_moves_the_flagged_points_and_passes_through_the_page_fits():
    """The page's sweep: points flagged by hand move by (size - now) noise σ; at ``now`` it is the data as given."""
    scenario = influence.DEFAULT_SCENARIO
    x, y, flags = scenario.data()  # outliers at 10 σ
    sizes = [0.0, 5.0, 10.0, 20.0]
    sweep = influence.outlier_sweep(x, y, flags, sizes, size=scenario.size, noise=scenario.noise)
    np.testing.assert_allclose(sweep.slopes[:, 2], influence.outlier_fits(x, y, flags).contaminated[:, 0], atol=1e-9)
    clean_x, clean_y = data.line(n=scenario.n, slope=scenario.slope, intercept=scenario.intercept,
                                 noise=scenario.noise, seed=scenario.seed)
    same = influence.influence_sweep(clean_x, clean_y, sizes, count=scenario.count, noise=scenario.noise,
                                     seed=scenario.seed)
    np.testing.assert_allclose(sweep.slopes, same.slopes, atol=1e-9)
    with pytest.raises(InputError, match="every point"):
        influence.outlier_sweep(x, y, np.ones(len(x), dtype=bool))
    with pytest.raises(InputError, match="noise scale"):
        influence.outlier_sweep(x, y, flags, noise=0.0)


def test_outlier_sweep_given_the_clean_fits_is_the_sweep_that_fits_them():
    """The page passes outlier_fits' clean lines to the sweep instead of fitting them again: same sweep."""
    scenario = influence.DEFAULT_SCENARIO
    x, y, flags = scenario.data()
    sizes = [0.0, 5.0, 10.0, 20.0]
    fits = influence.outlier_fits(x, y, flags)
    refit = influence.outlier_sweep(x, y, flags, sizes, size=scenario.size, noise=scenario.noise)
    reused = influence.outlier_sweep(x, y, flags, sizes, size=scenario.size, noise=scenario.noise, clean=fits.clean)
    np.testing.assert_array_equal(reused.clean, refit.clean)
    np.testing.assert_array_equal(reused.slopes, refit.slopes)
    np.testing.assert_array_equal(reused.intercepts, refit.intercepts)


def test_noise_scale_is_robust_to_outliers():
    x, y, _ = influence.Scenario(n=400).data()  # noise 3, 20 outliers at +10 σ
    assert 2.6 < influence.noise_scale(x, y) < 3.6
    assert influence.noise_scale([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]) == 1.0  # exactly on a line
