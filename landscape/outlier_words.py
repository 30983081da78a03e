"""The Outliers page's words, built from its numbers: the header, the paragraph beside the scatter
(``explain``, sentence by sentence), the table behind it (``summary``), the scatter's caption (``caption``)
and the computation details (``computation``).

    text = outlier_words.explain(view)     # view: landscape.outliers.OutlierView

Each sentence reads ``landscape.outliers.reading(view)`` and makes a claim only when the numbers hold it
(STAY, LEVER, LEVEL are the thresholds); tests/test_outlier_words.py and tests/test_claims.py hold every
claim to the fits, the hat matrix's leverage and psi.  Pure functions: no streamlit.
"""
from __future__ import annotations

import numpy as np

from landscape.outliers import SURFACE_RESOLUTION, OutlierView, Reading, reading
from landscape.words import and_list

CLICK_HINTS = {"add": "click anywhere to add a point (an outlier)", "remove": "click a point to remove it",
               "move": "click a point, then click where it should go"}  # what a click on the scatter does


def summary(view: OutlierView) -> dict[str, list]:
    """The numbers behind the explanation, one row per loss, for a table."""
    return {"loss": list(view.labels),
            "slope": [f"{v:z.2f}" for v in view.contaminated[:, 0]],
            "shift": [f"{v:+z.2f}" for v in view.shift[:, 0]],
            "outliers' share": [f"{100 * v:.0f} %" for v in view.outlier_share],
            "pull": [f"{v:.3g}×" for v in view.pull]}


HEADER = ("Each point pulls on a fitted line with the slope of the loss at its residual r, ψ(r): MSE's pull grows "
          "with the distance (2r), MAE's is the same at any distance (±1), and Huber's grows up to δ and stays "
          "there. What that does to these points, and when it is not enough, is below the scatter. "
          "Click on the scatter to add, move or remove points, or edit them in the table.")
# Every clause of the header is a property of the losses' formulas (tests/test_outlier_words.py holds them to psi).

ROBUST = ("mae", "huber")  # the bounded-pull losses the words compare with MSE (and draw as surfaces)
STAY = 1.0  # a slope shift within this many standard errors of the clean slope "stays with the bulk"
LEVER = 1.25  # outliers whose mean leverage is this many times an average point's sit "far from the middle of x"
LEVEL = 0.1  # a slope moving less than this many standard errors over the influence curve's far end "levels off"


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %"


def _stays(r: Reading, key: str) -> bool:
    return abs(r.shift[r.at[key]]) <= STAY * r.se


def moved_sentence(r: Reading) -> str:
    """How far each slope moved; "but" only when MSE's moved furthest."""
    mse = r.at["mse"]
    others = and_list([f"{r.labels[i]}'s by {r.shift[i]:+z.2f}" for key, i in r.at.items() if key != "mse"])
    but = "but" if np.abs(r.shift).argmax() == mse else "and"
    return (f"The {r.count} outlier{'s' if r.count > 1 else ''} moved the MSE slope by **{r.shift[mse]:+z.2f}** "
            f"(from {r.clean[mse]:z.2f} to {r.clean[mse] + r.shift[mse]:z.2f}), {but} {others}.")


def bulk_sentence(r: Reading) -> str:
    """Whether MAE and Huber stayed with the bulk of the data: within STAY standard errors of the clean slope,
    or not, and then why not, leverage named only when the outliers' leverage is at least LEVER."""
    stayed = [k for k in ROBUST if _stays(r, k)]
    moved = [k for k in ROBUST if not _stays(r, k)]
    se = f"the clean slope's standard error, {r.se:.2g}"
    parts = []
    if stayed:
        parts.append(f"{and_list([r.label(k) for k in stayed])} moved by no more than {se}: "
                     f"{'they stay' if len(stayed) > 1 else 'it stays'} with the bulk of the data.")
    if moved:
        text = (f"{'But ' if stayed else ''}{and_list([r.label(k) for k in moved])} moved too, by "
                f"{and_list([f'{r.shift[r.at[k]]:+z.2f}' for k in moved])}, more than {se}: a capped pull limits "
                "how hard each outlier pulls, not how many pull together")
        if r.leverage >= LEVER:
            text += (f", nor where. These sit far from the middle of x (their mean leverage is {r.leverage:.2g}× an "
                     "average point's), where a pull turns the line most: leverage defeats robust losses")
        ahead = [k for k in moved if abs(r.shift[r.at[k]]) > abs(r.shift[r.at["mse"]])]
        if ahead:
            text += (f". {and_list([r.label(k) for k in ahead])} moved even further than MSE "
                     f"({and_list([f'{r.shift[r.at[k]]:+z.2f}' for k in ahead])} against {r.shift[r.at['mse']]:+z.2f})")
        parts.append(text + ".")
    return " ".join(parts)


def share_sentence(r: Reading) -> str:
    """The outliers' share of each loss.  That a large share is not a large pull is said only when a robust
    loss's share exceeds MSE's while its line moved less and left the outliers further away than MSE's did.
    (That MSE's move shrank the outliers' squared residuals and grew the others' holds by construction: the
    clean line minimises the others' sum, the contaminated one the total.)"""
    mse = r.at["mse"]
    text = (f"At MSE's line the outliers carry **{_pct(r.share[mse])}** of the total loss, at "
            f"{r.label('huber')}'s {_pct(r.share[r.at['huber']])} and at MAE's {_pct(r.share[r.at['mae']])}.")
    larger = [k for k in ROBUST if r.share[r.at[k]] > r.share[mse] and abs(r.shift[r.at[k]]) < abs(r.shift[mse])
              and r.distance[r.at[k]] > r.distance[mse]]
    if larger:
        names = and_list([r.label(k) for k in larger])
        far = and_list([f"{r.distance[r.at[k]]:.3g}" for k in larger])
        text += (f" A large share is not a large pull: MSE's line moved toward the outliers, which shrank their "
                 f"squared residuals and grew everyone else's, while {names} moved less, so there the outliers stay "
                 f"further away ({far} on average, against {r.distance[mse]:.3g} at MSE's line) and carry more of "
                 "the loss.")
    elif r.share[mse] >= r.share[[r.at[k] for k in ROBUST]].max() and r.residual > r.noise:
        text += " MSE's share is the largest: squaring weighs large residuals most."
    return text


def pull_sentence(r: Reading) -> str:
    """psi at the outliers' distance against psi at 1 noise sigma, per loss; "only" when it is less than MSE's,
    Huber's cap named only when the outliers lie beyond delta."""
    mse, huber, mae = r.at["mse"], r.at["huber"], r.at["mae"]
    text = (f"Why: each point pulls on the line with the force ψ(r), the slope of the loss at its residual r "
            f"(bottom right). The outliers sit about {r.residual:.3g} ({r.residual / r.noise:.1f} σ) from the clean "
            f"line, where MSE's ψ = 2r is **{r.pull[mse]:.3g} times** as large as for an ordinary point 1 σ away on "
            "the same side "
            "(the pull column).")
    capped = r.delta is not None and r.residual > r.delta
    weaker = [i for i in (huber, mae) if r.pull[i] < r.pull[mse]]
    if capped and weaker == [huber, mae]:
        text += (f" Huber's ψ stops at δ = {r.delta:g} and MAE's is ±1 whatever r: under them an outlier pulls "
                 f"only {r.pull[huber]:.3g}× and {r.pull[mae]:.3g}× as hard as an ordinary point.")
    else:
        text += (f" Under {r.labels[huber]} an outlier pulls {r.pull[huber]:.3g}× and under MAE {r.pull[mae]:.3g}× "
                 "as hard as an ordinary point")
        if r.delta is not None and not capped:
            text += f"; they lie within δ = {r.delta:g} of the line, where Huber's ψ = r has not reached its cap"
        text += "."
    return text


def influence_sentence(r: Reading) -> str:
    """The influence curve's far end: whose slope keeps moving and whose levels off (within LEVEL standard errors)."""
    a, b = r.tail
    span = f"between {a:.3g} σ and {b:.3g} σ"
    small = LEVEL * r.se
    mse = r.at["mse"]
    if abs(r.late[mse]) > small:
        text = (f"On the influence curve (bottom left) MSE's slope keeps moving as the outliers go further: by "
                f"{r.late[mse]:+z.2f} {span}")
    else:
        text = f"On the influence curve (bottom left) even MSE's slope moves by only {r.late[mse]:+z.3f} {span}"
    flat = [k for k in ROBUST if abs(r.late[r.at[k]]) <= small]
    steep = [k for k in ROBUST if k not in flat]
    if flat:
        text += (f"; {and_list([r.label(k) + chr(39) + 's' for k in flat])} level{'' if len(flat) > 1 else 's'} off "
                 f"(less than {small:.2g} there)")
    if steep:
        text += (f"; {and_list([r.label(k) + chr(39) + 's' for k in steep])} still move{'' if len(steep) > 1 else 's'} "
                 f"({and_list([f'{r.late[r.at[k]]:+z.2f}' for k in steep])}): the outliers' combined pull is not "
                 "capped, and there it is enough to carry the line with them")
    return text + "."


SENTENCES = (moved_sentence, bulk_sentence, share_sentence, pull_sentence, influence_sentence)


def sentences(view: OutlierView) -> list[str]:
    """The paragraph beside the scatter, sentence by sentence, each built from the view's numbers."""
    if int(view.points.outlier.sum()) == 0:
        return ["No point is marked as an outlier, so there is no clean fit to compare with. Add outliers in the "
                "sidebar, click on the scatter, or tick points in the table to see which losses follow them."]
    r = reading(view)
    return [sentence(r) for sentence in SENTENCES]


def explain(view: OutlierView) -> str:
    """One paragraph that quotes the numbers on the page; every claim in it is checked against them."""
    return " ".join(sentences(view))


def caption(view: OutlierView, click: str) -> str:
    """The points, their noise, and what a click does (``click``: a key of CLICK_HINTS)."""
    p = view.points
    noise = f"noise σ = {p.noise:.3g}" + (" (estimated from the data)" if p.noise_source == "estimated" else "")
    return f"{len(p.x)} points, {int(p.outlier.sum())} outliers · {noise} · {CLICK_HINTS[click]}"


def computation(view: OutlierView) -> str:
    """What was computed and how fast: the page's computation details."""
    side = SURFACE_RESOLUTION
    return (f"{len(view.keys)} losses fitted with and without the outliers, {len(view.surfaces)} surfaces "
            f"{side}×{side} and {len(view.sweep_sizes)} outlier sizes: computed in {view.seconds * 1000:.0f} ms")
