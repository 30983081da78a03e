"""Each page's worst allowed request and cheapest refused one, sized with the cost model (for
``bench/worst_case.py``).

How the worst request of a page is found: every control at its costliest allowed value (sliders and number
boxes at their limits, every optimiser, the largest swarm and map, arrows on, a penalty so that the parts are
drawn too), uploads of a CSV at the point limit, and the costliest custom formula (``bench/limit_inputs.py``).
Then the one control that the budget binds is sized with the cost model itself (``landscape.grid.cost``, and
for the rest the estimate each library function charges, read by ``charges.estimate``): the largest value for
which every charge that one run of the page makes, added up, fits ``budget.SERVER`` (``charges.together``),
since ``landscape.budget`` counts one app run as one request.  Each page lists the charges of its run: Loss
surface the surface, its data-loss and penalty parts, three exact fits, the arrows and (past 81 points a side)
the 3D chart's grid; Outliers the noise scale, every loss fitted without and with the outliers, the sweep and
the three surfaces; Optimisers the surface and its 3D grid, two exact fits, the race, the swarms of every
elementwise optimiser (one charge) and the map; Neural landscape the training and, on the curvature view, the
eigenvalues and trace and the sharpness comparison's two trainings, each measured, or the plane; Overfitting its
one training.  The refused request is the next value of that control (or, on a page no budget binds, a value
just over a control's limit sent over the websocket, or a formula one node over its limit); where it is asked
after the worst one with part of the work cached (Optimisers' one more step), only what it computes anew counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from charges import allowed, estimate, largest, together, total
from limit_inputs import POINTS, csv_bytes, repeated, upload_points
from scenarios import Scenario, changing, opening, q, uploading

from landscape import budget, capacity, curvature, data, grid, influence, losses, nn, optim, problems
from landscape import fit, race, slices, surface
from landscape import outliers as outlier_core
from landscape.outlier_choice import EXTRA_LOSSES, LossChoice, OutlierData, shown_losses


def loss_surface(formula: str, x, y) -> Scenario:
    obj = problems.linear_regression(x, y, losses.custom(formula), l2=5.0)
    fit = estimate(optim.minimize, obj)

    def pieces(n: int) -> dict[str, budget.Cost | None]:
        """What one run of the page charges (``surface.view``): the surface, the exact fit (its true minimum),
        the data loss and penalty parts, the fits without and with the penalty, the arrows, and past
        ``surface.MESH_3D`` points a side the 3D chart's own grid."""
        out = {"grid (total)": grid.cost(obj, n), "exact fit": fit,
               "grid (data loss)": grid.cost(obj.part("data"), n), "grid (penalty)": grid.cost(obj.part("penalty"), n),
               "exact fits without and with the penalty": fit * 2 if fit else None,
               f"arrows {surface.ARROWS}x{surface.ARROWS}": grid.gradient_cost(obj, surface.ARROWS ** 2)}
        if n > surface.MESH_3D:
            out[f"3D grid {surface.MESH_3D}"] = grid.cost(obj, surface.MESH_3D)
        return out

    n = largest(11, 301, lambda k: together(pieces(k).values()))
    query = q(family="regression", data="upload a CSV", loss="custom", formula=formula, l2=5, arrows=1, res=n)
    worst = uploading("/loss_surface", query, "CSV with columns x, y", csv_bytes(POINTS))
    sc = Scenario("loss_surface", "Loss surface",
                  f"upload {POINTS:,} rows, formula {len(formula)} chars, l2=5, arrows, resolution {n}", worst,
                  estimate_worst=_seconds(pieces(n)))
    if n < 301:
        sc.refused_text = f"resolution {n + 1} (one more)"
        sc.refused = changing("Resolution (points per side)", n + 1)
        sc.estimate_refused = _seconds(pieces(n + 1))
    else:
        sc.refused_text = f"upload {POINTS + 1:,} rows (one over the point limit)"
        sc.refused = uploading("/loss_surface", query, "CSV with columns x, y", csv_bytes(POINTS + 1))
        sc.fresh_session_for_refused = True
    return sc


def _seconds(costs: dict[str, budget.Cost | None]) -> dict[str, float]:
    """Each charge's estimated seconds (NaN: refused before it charges)."""
    return {k: (c.seconds if c else float("nan")) for k, c in costs.items()}


def outliers_page(formula: str) -> Scenario:
    chosen = outlier_core.loss_set(LossChoice(formula=formula, shown=shown_losses(EXTRA_LOSSES)))  # every loss
    items = chosen.items
    spec = OutlierData(source="csv", count=50, size=30.0)

    def fits(x, y) -> budget.Cost | None:
        """Every loss fitted to ``x, y`` (one charge each), summed; None if one is refused."""
        return total(estimate(fit.fit_lines, x, y, item) for item in items)

    def pieces(n: int) -> dict[str, budget.Cost | None]:
        """What one run of the page charges (``landscape.outliers``): the noise scale (an MAE fit of the upload),
        every loss fitted without and with the outliers, the influence sweep (charged as a whole, then each
        loss's batched fit) and the surfaces of MSE, MAE and Huber."""
        p = outlier_core.points(spec, upload_points(n), "")
        sizes = np.linspace(min(0.0, p.size), max(influence.SWEEP_SIZES[-1], p.size), outlier_core.SWEEP_STEPS)
        ys = p.y + np.outer((sizes - p.size) * p.noise, p.outlier)
        surfaces = [grid.cost(problems.linear_regression(p.x, p.y, items[chosen.keys.index(name)]),
                              outlier_core.SURFACE_RESOLUTION) for name in outlier_core.SURFACE_LOSSES]
        return {"noise scale (MAE fit)": estimate(fit.fit_lines, p.x, p.y, "mae"),
                "fits without the outliers": fits(p.x[~p.outlier], p.y[~p.outlier]), "fits with them": fits(p.x, p.y),
                "sweep": estimate(influence.outlier_sweep, p.x, p.y, p.outlier, sizes, p.size, p.noise, items,
                                  clean=np.zeros((len(items), 2))),
                "sweep fits": fits(p.x, ys), "surfaces": total(surfaces)}

    n = largest(100, POINTS, lambda k: together(pieces(k).values())) or 100
    query = q(data="csv", count=50, size=30, also=",".join(EXTRA_LOSSES), formula=formula)
    sc = Scenario("outliers", "Outliers",
                  f"upload {n:,} rows, 50 outliers of size 30, every loss, formula {len(formula)} chars",
                  uploading("/outliers", query, "CSV with columns x, y", csv_bytes(n)), estimate_worst=_seconds(pieces(n)),
                  fresh_session_for_refused=True)
    refused_n = n + 1 if n < POINTS else POINTS + 1
    sc.refused_text = f"upload {refused_n:,} rows" + (" (over the point limit)" if refused_n > POINTS else "")
    sc.refused = uploading("/outliers", query, "CSV with columns x, y", csv_bytes(refused_n))
    if refused_n <= POINTS:
        sc.estimate_refused = _seconds(pieces(refused_n))
    return sc


def loss_functions(formula: str) -> Scenario:
    query = q(kind="regression", show_r="mse,mae,huber,log_cosh,quantile", formula_r=formula, span=10, at=10,
              delta=10, tau=0.99, classes=10, label_smoothing=0.5)
    sc = Scenario("loss_functions", "Loss functions",
                  f"every regression loss, formula {len(formula)} chars, span 10, 10 classes",
                  opening("/loss_functions", query))
    # The text box stops at 200 characters (Streamlit cuts what is sent to that): one node over the limit
    # (ten terms of 9 nodes, 9 additions, and "+r"), 12 levels deep (the limit is 30)
    sc.refused_text = "a formula of 101 nodes (the limit is 100)"
    sc.refused = changing("Your own loss in r", repeated("r*r*r*r*r", 10) + "+r")
    return sc


def classification() -> Scenario:
    query = q(data="spirals", n=1000, loss="focal", surf="3D", pos_weight=20, T=0.1, dx=6, dy=6, gamma=5,
              label_smoothing=0.5)
    sc = Scenario("classification", "Classification", "spirals, 1,000 points, focal, 3D, pos_weight 20, T 0.1",
                  opening("/classification", query))
    sc.refused_text = "Points 1,010 sent over the websocket (the slider stops at 1,000)"
    sc.refused = changing("Points", None, raw={"double_array_value": [1010.0]})
    return sc


def distributions() -> Scenario:
    query = q(sep=8, share=0.05, width=0.3, pos=0.9, extent=0.4, soft=0.002, smooth=0.01)
    sc = Scenario("distributions", "Distributions and overlap", "every slider at an end",
                  opening("/distributions", query))
    sc.refused_text = "smoothing 11 sent over the websocket (the slider stops at 10)"
    sc.refused = changing("Smoothing s of Dice and IoU", None, raw={"double_array_value": [11.0]})
    return sc


def optimisers(formula: str) -> Scenario:
    names = optim.names()
    elementwise = [name for name in names if optim.spec(name).elementwise]

    objectives = {}
    for n in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, POINTS):
        x, y = data.line(n=n, seed=0)
        obj = problems.linear_regression(x, y, losses.custom(formula))
        objectives[n] = (obj, optim.default_start(obj))

    def cached(n: int) -> dict[str, budget.Cost | None]:
        """What a run charges once per problem (then cached): the surface under the race (``race.RESOLUTION``
        points a side, and its 3D chart's own ``surface.MESH_3D`` grid), the exact fit of its true minimum and
        that of the race's reference minimum (two caches)."""
        obj, _ = objectives[n]
        fit = estimate(optim.minimize, obj)
        return {f"surface {race.RESOLUTION}": grid.cost(obj, race.RESOLUTION),
                f"3D grid {surface.MESH_3D}": grid.cost(obj, surface.MESH_3D),
                "exact fits (surface, reference)": fit * 2 if fit else None}

    def per_steps(n: int, steps: int) -> dict[str, budget.Cost | None]:
        """What a run charges for ``steps``: the race, every elementwise optimiser's swarm (one charge), the map."""
        obj, start = objectives[n]
        return {"race": estimate(optim.race, obj, {name: {} for name in names}, start=start, steps=steps),
                "map": estimate(optim.lr_momentum_map, obj, start=start, steps=steps),
                "swarms": estimate(optim.swarms, obj, {name: {} for name in elementwise}, n=40, steps=steps)}

    def pieces(n: int, steps: int) -> dict[str, budget.Cost | None]:
        return cached(n) | per_steps(n, steps)

    best = None
    for n in objectives:
        if not together(cached(n).values()):
            continue
        steps = largest(1, optim.MAX_STEPS, lambda k: together(pieces(n, k).values()))
        # one more step, asked next with the surface and fits cached, must be refused on what it computes anew
        if steps is None or steps == optim.MAX_STEPS or together(per_steps(n, steps + 1).values()):
            continue
        total = sum(c.seconds for c in pieces(n, steps).values())
        if best is None or total > best[0]:
            best = (total, n, steps)
    _, n, steps = best
    query = q(family="regression", n=n, loss="custom", formula=formula, opt=",".join(names), steps=steps,
              swarm=1, swarm_n=40, map=1)
    est = _seconds(pieces(n, steps))
    sc = Scenario("optimisers", "Optimisers",
                  f"{n:,} points, formula {len(formula)} chars, all {len(names)} optimisers, {steps} steps, "
                  f"swarm 40x40, lr x momentum map", opening("/optimisers", query), estimate_worst=est)
    sc.refused_text = f"{steps + 1} steps (one more)"
    sc.refused = changing("Steps", steps + 1)
    sc.estimate_refused = _seconds(per_steps(n, steps + 1))
    return sc


def _neural_run(split, widths) -> nn.Run:
    with budget.limits(budget.NOTEBOOK):
        return nn.train(split, widths=widths, batch_size=len(split.X_train), epochs=1)


def _view_costs(view: str, run: nn.Run, training: budget.Cost | None) -> tuple[dict[str, budget.Cost | None],
                                                                               int | None] | None:
    """What ``view`` charges after the training: on the curvature view the eigenvalues and trace, and the
    sharpness comparison's (each of its two minima measured); on the plane view the plane, at the largest
    resolution that fits together with ``training`` (the least the page trains), and that resolution.  None
    when they do not fit."""
    if view == "curvature":
        costs = {"eigenvalues": estimate(curvature.top_eigenvalues, run, k=3),
                 "trace": estimate(curvature.trace, run, probes=64),
                 "sharpness eigenvalue (x2)": estimate(curvature.top_eigenvalues, run, k=1),
                 "sharpness trace (x2)": estimate(curvature.trace, run, probes=32)}
        if not all(costs.values()):
            return None
        costs["sharpness eigenvalue (x2)"] *= 2
        costs["sharpness trace (x2)"] *= 2
        return costs, None
    dirs = slices.random_directions(run.spec, run.theta, seed=0, norm="filter")

    def plane(r: int) -> budget.Cost | None:
        return estimate(slices.plane, run, dirs, (-5.0, 5.0), (-5.0, 5.0), r)

    resolution = largest(11, slices.MAX_RESOLUTION, lambda r: together([training, plane(r)]))
    return None if resolution is None else ({"plane": plane(resolution)}, resolution)


def _training_costs(view: str, split, widths, batch: int, epochs: int) -> dict[str, budget.Cost | None]:
    """The trainings the page runs: the one shown, and on the curvature view the sharpness comparison's two."""
    n_train = len(split.X_train)
    kw = {"widths": widths, "epochs": epochs}
    out = {"training": estimate(nn.train, split, batch_size=batch, **kw)}
    if view == "curvature":
        out["sharpness training, batch 16"] = estimate(nn.train, split, batch_size=min(16, n_train), **kw)
        out["sharpness training, full batch"] = estimate(nn.train, split, batch_size=n_train, **kw)
    return out


def _neural_candidates(view: str):
    """For every data size, widths and batch size that fit: (total estimated seconds, n, widths, batch, the
    most epochs for which the trainings and the view's charges fit the budget together, plane resolution, the
    charges, those of one more epoch)."""
    for n in (5000, 2500, 1000, 400):
        for width_text in ("128, 128, 128, 128", "128, 128", "32, 32", "8"):
            widths = nn.parse_widths(width_text)
            split = nn.split("spirals", n, 0.15, seed=0)
            n_train = len(split.X_train)
            run = _neural_run(split, widths)
            for batch in (1, 4, 16, 64, 256, 1024, n_train):
                if batch > n_train:
                    continue
                least = total(_training_costs(view, split, widths, batch, 1).values())
                if least is None:
                    continue
                found = _view_costs(view, run, least)
                if found is None:
                    continue
                fixed, resolution = found
                epochs = largest(1, nn.MAX_EPOCHS, lambda e: together(
                    (_training_costs(view, split, widths, batch, e) | fixed).values()))
                if epochs is None:
                    continue
                costs = _training_costs(view, split, widths, batch, epochs) | fixed
                refused = _training_costs(view, split, widths, batch, epochs + 1) | fixed
                yield sum(c.seconds for c in costs.values()), n, width_text, batch, epochs, resolution, costs, refused


def neural(view: str) -> Scenario:
    """Training sized to the budget, then ``view``: "curvature" (eigenvalues, trace, and the sharpness
    comparison: two more trainings) or "plane" (a random plane at the largest resolution allowed)."""
    _, n, width_text, batch, epochs, resolution, costs, refused = max(_neural_candidates(view), key=lambda c: c[0])
    base = dict(data="spirals", n=n, widths=width_text, act="tanh", opt="adam", batch=batch, seed=0)
    query = q(**base, epochs=epochs, view=view, res=resolution, span=5 if view == "plane" else None)
    what = (f"spirals, {n:,} points, widths {width_text}, batch {batch}, {epochs} epochs, "
            + ("curvature view (+ sharpness: 2 more trainings)" if view == "curvature" else
               f"random plane {resolution}x{resolution}"))
    sc = Scenario(f"neural_{view}", f"Neural landscape ({view})", what,
                  opening("/neural_landscape", query), estimate_worst=_seconds(costs),
                  estimate_refused=_seconds(refused), fresh_session_for_refused=True)
    sc.refused_text = f"{epochs + 1} epochs (one more)"
    sc.refused = opening("/neural_landscape", q(**base, epochs=epochs + 1, view=view, res=resolution,
                                                span=5 if view == "plane" else None))
    return sc


def overfitting() -> Scenario:
    best = None
    n = capacity.MAX_TRAIN
    split = capacity.curve_split(n, 1.0, 0)

    def cost(layers: int, width: int, epochs: int):
        return estimate(capacity.train_network, split, 1.0, (width,) * layers, epochs, 0.01, 5.0, seed=0)

    for layers in range(1, nn.MAX_DEPTH + 1):
        for width in (nn.MAX_WIDTH, 64, 16):
            epochs = largest(1, nn.MAX_EPOCHS, lambda e: allowed(cost(layers, width, e)))
            if epochs is None:
                continue
            c = cost(layers, width, epochs)
            if best is None or c.seconds > best[0]:
                best = (c.seconds, layers, width, epochs)
    _, layers, width, epochs = best
    query = q(noise=1, n=n, l2=5, degree=20, width=width, layers=layers, epochs=epochs, lr=0.01)
    sc = Scenario("overfitting", "Overfitting", f"{n:,} points, {layers} x {width} units, {epochs} epochs, l2 5",
                  opening("/overfitting", query), estimate_worst={"training": cost(layers, width, epochs).seconds})
    if epochs < nn.MAX_EPOCHS:
        sc.refused_text = f"{epochs + 1} epochs (one more)"
        sc.refused = changing("Epochs (full batch)", epochs + 1)
        refused = cost(layers, width, epochs + 1)
        sc.estimate_refused = {"training": refused.seconds if refused else float("nan")}
    return sc


def home() -> Scenario:
    return Scenario("home", "Home", "open the page", opening("/", ""))


@dataclass(frozen=True)
class AtLimits:
    """The inputs the requests use: ``formula`` the costliest formula, ``convex`` the costliest one with a best
    line, ``x, y`` the points of a CSV at the point limit."""

    formula: str
    convex: str
    x: np.ndarray
    y: np.ndarray


BUILDERS: dict[str, Callable[[AtLimits], Scenario]] = {  # what ``--pages`` chooses from
    "home": lambda i: home(), "loss_surface": lambda i: loss_surface(i.formula, i.x, i.y),
    "outliers": lambda i: outliers_page(i.convex), "loss_functions": lambda i: loss_functions(i.formula),
    "classification": lambda i: classification(), "distributions": lambda i: distributions(),
    "optimisers": lambda i: optimisers(i.formula), "neural_curvature": lambda i: neural("curvature"),
    "neural_plane": lambda i: neural("plane"), "overfitting": lambda i: overfitting()}
