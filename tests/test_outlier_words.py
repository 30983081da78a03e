"""The Outlier page's words against its numbers (issue 11): the header holds for every loss by its formula, and
the paragraph beside the scatter makes no claim whose condition is false, over the page's whole range of controls.

The conditions are recomputed here from the points and fits of the view (the standard error of the clean slope,
the hat matrix's leverage, the influence curve), not read from the words' own helper, ``outliers.reading``.
"""
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from apptest import negative_zeros
from hypothesis import strategies as st

from landscape import influence, losses, outliers
from landscape import outlier_words as words
from landscape.types import DTYPE
from landscape.ui.outliers import POSITIONS


def spec(**kw) -> dict:
    base = {"source": "line", "n": 100, "seed": 0, "slope": 2.0, "noise": 3.0, "count": 5, "size": 10.0,
            "position": "high"}
    return base | kw


def chosen_losses(delta: float = 1.0, tau: float = 0.5) -> dict:
    return {"params": {"delta": delta, "tau": tau}, "formula": ""}


def view_of(**kw) -> outliers.OutlierView:
    """The page's view (``landscape.outliers.outlier_view``, which the page caches) of these controls."""
    params = {k: kw.pop(k) for k in ("delta", "tau") if k in kw}
    return outliers.outlier_view(outliers.points(spec(**kw), None, ""), outliers.loss_set(chosen_losses(**params)))


# ---- the header: true of the losses themselves -------------------------------------------------------------

@pytest.mark.parametrize("delta", [0.01, 1.0, 10.0])
def test_the_header_is_true_of_every_huber_mse_and_mae(delta):
    """"MSE's pull grows with the distance (2r), MAE's is the same at any distance (±1), and Huber's grows up to
    δ and stays there" -- and the header says nothing about what the lines did."""
    assert "2r" in words.HEADER and "±1" in words.HEADER and "grows up to δ and stays there" in words.HEADER
    assert "stay with the bulk" not in words.HEADER and "ignore" not in words.HEADER
    r = torch.linspace(-100, 100, 40_001, dtype=DTYPE)
    psi = influence.psi(r.numpy(), [losses.get("mse"), losses.get("mae"), losses.get("huber", delta=delta)])
    np.testing.assert_allclose(psi[0], 2 * r.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.abs(psi[1][r.numpy() != 0]), 1.0)
    np.testing.assert_allclose(psi[2], np.clip(r.numpy(), -delta, delta), rtol=1e-12, atol=1e-15)


# ---- the cases of the issue ----------------------------------------------------------------------------------

def test_the_default_says_mae_and_huber_stay_with_the_bulk_because_they_do():
    view = view_of()
    text = words.explain(view)
    assert "MAE and Huber(delta=1) moved by no more than the clean slope's standard error" in text
    assert "stay with the bulk of the data" in text and "leverage defeats" not in text


def test_twenty_outliers_of_25_sigma_at_the_end_of_x_say_leverage_defeats_robust_losses():
    """Issue 11: MSE's outliers carry 46 % of the loss, Huber's 87 %; MAE and Huber move by about +1.5."""
    view = view_of(count=20, size=25.0)
    text = words.explain(view)
    at = {k: i for i, k in enumerate(view.keys)}
    assert round(100 * view.outlier_share[at["mse"]]) == 46 and round(100 * view.outlier_share[at["huber"]]) == 87
    assert view.shift[at["mae"], 0] > 1.4 and view.shift[at["huber"], 0] > 1.4
    assert "**46 %**" in text and "at Huber(delta=1)'s 87 %" in text
    assert "stay with the bulk" not in text and "ignore" not in text
    assert "MAE and Huber(delta=1) moved too, by +1.58 and +1.49" in text
    assert "leverage defeats robust losses" in text
    assert "A large share is not a large pull" in text


def test_the_same_outliers_anywhere_in_x_leave_mae_and_huber_with_the_bulk():
    text = words.explain(view_of(count=20, size=25.0, position="random"))
    assert "stay with the bulk of the data" in text and "leverage" not in text


def test_without_outliers_the_page_says_so():
    assert words.sentences(view_of(count=0))[0].startswith("No point is marked as an outlier")


# ---- every claim against its condition, over the controls ------------------------------------------------------

def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def said(text: str, names: list[str], claim: str) -> bool:
    """Whether the text makes ``claim`` (e.g. " moved too") of exactly ``names``; False if it makes it of no one."""
    if not names:
        assert claim not in text, (claim, text)
        return False
    return _and(names) + claim in text


def conditions(view: outliers.OutlierView) -> dict:
    """Each claim's condition, computed from the view's points and fits."""
    p = view.points
    flags = p.outlier
    at = {k: i for i, k in enumerate(view.keys)}
    label = {k: view.labels[i] for k, i in at.items()}
    xc = p.x[~flags]
    se = p.noise / np.sqrt(np.sum((xc - xc.mean()) ** 2))
    design = np.column_stack([p.x, np.ones_like(p.x)])
    hat = np.einsum("ij,jk,ik->i", design, np.linalg.inv(design.T @ design), design)  # leverage h_ii
    leverage = hat[flags].mean() / hat.mean()
    shift = view.shift[:, 0]
    robust = ("mae", "huber")
    stayed = [k for k in robust if abs(shift[at[k]]) <= words.STAY * se]
    moved = [k for k in robust if k not in stayed]
    residuals = p.y[None, flags] - view.contaminated[:, :1] * p.x[None, flags] - view.contaminated[:, 1:]
    distance = np.abs(residuals).mean(-1)
    share = view.outlier_share
    sizes, slopes = view.sweep_sizes, view.sweep_slopes
    far = int(np.argmax(np.abs(sizes)))
    tail = [i for i in range(len(sizes)) if np.sign(sizes[far] or 1) * sizes[i] >= outliers.TAIL * abs(sizes[far])]
    start = min(tail, key=lambda i: abs(sizes[i]))
    late = slopes[:, far] - slopes[:, start]
    delta = view.params[at["huber"]]["delta"]
    return dict(at=at, label=label, se=se, leverage=leverage, stayed=stayed, moved=moved, shift=shift,
                distance=distance, share=share, late=late, delta=delta, residual=abs(view.outlier_residual),
                noise=p.noise, pull=view.pull)


CONTROLS = dict(
    n=st.integers(20, 100), seed=st.integers(0, 50), count=st.integers(0, 50),
    size=st.sampled_from([round(v, 1) for v in np.arange(-30, 30.5, 0.5)]),
    position=st.sampled_from(list(POSITIONS)),
    noise=st.sampled_from([0.1, 0.5, 1.0, 3.0, 10.0]), slope=st.sampled_from([-5.0, 0.0, 2.0]),
    delta=st.sampled_from([0.01, 0.5, 1.0, 3.0, 10.0]), tau=st.sampled_from([0.01, 0.5, 0.9]),
)


@given(**CONTROLS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_claim_is_shown_when_its_condition_is_false(n, seed, count, size, position, noise, slope, delta, tau):
    count = min(count, n - 3)  # at least three clean points (the page refuses fewer with a message)
    view = view_of(n=n, seed=seed, count=count, size=size, position=position, noise=noise, slope=slope,
                   delta=delta, tau=tau)
    text = words.explain(view)
    assert "ignore" not in text
    table = " ".join(map(str, sum(words.summary(view).values(), [])))
    assert negative_zeros(text) == [] and negative_zeros(table) == []
    if count == 0:
        assert text.startswith("No point is marked")
        return
    c = conditions(view)
    at, label, shift = c["at"], c["label"], c["shift"]

    # how far each slope moved; "but" only when MSE's moved furthest
    assert ("), but " in text) == (np.abs(shift).argmax() == at["mse"])

    # MAE and Huber with the bulk, or not
    stayed, moved = c["stayed"], c["moved"]
    assert said(text, [label[k] for k in stayed], " moved by no more than") == bool(stayed)
    assert ("stay with the bulk" in text or "stays with the bulk" in text) == bool(stayed)
    assert said(text, [label[k] for k in moved], " moved too") == bool(moved)
    assert ("leverage defeats robust losses" in text) == (bool(moved) and c["leverage"] >= words.LEVER)
    ahead = [k for k in moved if abs(shift[at[k]]) > abs(shift[at["mse"]])]
    assert ("moved even further than MSE" in text) == bool(ahead)

    # shares
    share, distance = c["share"], c["distance"]
    larger = [k for k in ("mae", "huber") if share[at[k]] > share[at["mse"]] and abs(shift[at[k]]) <
              abs(shift[at["mse"]]) and distance[at[k]] > distance[at["mse"]]]
    assert ("A large share is not a large pull" in text) == bool(larger)
    if larger:  # "MSE's line moved toward the outliers, which shrank their squared residuals and grew everyone else's"
        p = view.points
        clean, dirty = view.clean[at["mse"]], view.contaminated[at["mse"]]

        def sse(line, mask):
            return float(np.sum((p.y[mask] - line[0] * p.x[mask] - line[1]) ** 2))

        assert sse(dirty, p.outlier) <= sse(clean, p.outlier) * (1 + 1e-9) + 1e-9
        assert sse(dirty, ~p.outlier) >= sse(clean, ~p.outlier) * (1 - 1e-9) - 1e-9
    largest = share[at["mse"]] >= max(share[at["mae"]], share[at["huber"]]) and c["residual"] > c["noise"]
    assert ("MSE's share is the largest" in text) == (largest and not larger)

    # pull: MSE's is the outliers' distance in noise sigma; "only" when the bounded ones pull less
    pull = c["pull"]
    assert pull[at["mse"]] == pytest.approx(c["residual"] / c["noise"], rel=1e-9, abs=1e-12)
    capped = c["residual"] > c["delta"]
    weaker = pull[at["huber"]] < pull[at["mse"]] and pull[at["mae"]] < pull[at["mse"]]
    assert ("Huber's ψ stops at δ" in text) == (capped and weaker)
    assert ("has not reached its cap" in text) == (not capped)

    # the influence curve's far end
    small = words.LEVEL * c["se"]
    late = c["late"]
    assert ("MSE's slope keeps moving" in text) == (abs(late[at["mse"]]) > small)
    flat = [k for k in ("mae", "huber") if abs(late[at[k]]) <= small]
    steep = [k for k in ("mae", "huber") if k not in flat]
    assert said(text, [label[k] + "'s" for k in flat], " level") == bool(flat)
    assert said(text, [label[k] + "'s" for k in steep], " still move") == bool(steep)


def test_the_psi_chart_marks_the_outliers_on_their_own_side():
    """Outliers pushed down sit at negative r and are marked there, not at +r (quantile's ψ is not odd)."""
    from landscape import figures

    for view, side in ((view_of(count=10, size=-8.0), -1), (view_of(), 1)):
        assert side * view.outlier_residual > view.points.noise  # below the line, then above it
        assert view.r[0] <= view.outlier_residual <= view.r[-1]  # the chart's r reaches where the outliers are
        fig = figures.psi_curves(view.keys, view.labels, view.r, view.psi, view.outlier_residual, view.psi_limit)
        marks = [shape.x0 for shape in fig.layout.shapes if shape.x0 == shape.x1]
        assert any(x == pytest.approx(view.outlier_residual) for x in marks), marks
        assert "the outliers" in [a.text for a in fig.layout.annotations]


@pytest.mark.parametrize("size", [10.0, -10.0])
def test_the_pull_compares_with_an_ordinary_point_on_the_outliers_side(size):
    """Quantile(tau = 0.9) pulls 0.9 above the line and 0.1 below: the pull column compares like with like."""
    view = view_of(count=5, size=size, tau=0.9)
    at = {k: i for i, k in enumerate(view.keys)}
    assert view.pull[at["quantile"]] == pytest.approx(1.0)
    assert view.pull[at["mse"]] == pytest.approx(abs(view.outlier_residual) / view.points.noise)


@pytest.mark.parametrize("click", sorted(words.CLICK_HINTS))
def test_the_caption_counts_the_points_and_outliers_and_says_what_a_click_does(click):
    view = view_of(n=40, count=3)
    text = words.caption(view, click)
    assert text.startswith("40 points, 3 outliers · noise σ = 3 · ") and text.endswith(words.CLICK_HINTS[click])
    upload = outliers.points(spec(source="csv", count=2), (np.linspace(0, 1, 30), np.linspace(0, 1, 30) ** 2), "1:5")
    estimated = outliers.outlier_view(upload, outliers.loss_set(chosen_losses()))
    assert words.caption(estimated, click).startswith(f"31 points, 3 outliers · noise σ = {upload.noise:.3g} (estimated")


def test_the_computation_details_count_what_was_computed():
    view = view_of(tau=0.5)
    side = outliers.SURFACE_RESOLUTION
    assert words.computation(view) == (
        f"{len(view.keys)} losses fitted with and without the outliers, 3 surfaces {side}×{side} and "
        f"{len(view.sweep_sizes)} outlier sizes: computed in {view.seconds * 1000:.0f} ms")
    assert len(view.surfaces) == 3 and len(view.sweep_sizes) == outliers.SWEEP_STEPS
