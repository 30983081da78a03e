"""Optimisers: gradient-descent paths raced on a loss surface, animated, with basins and a learning-rate map."""
import streamlit as st

from landscape import figures, race_choice, ui
from landscape.ui import compute, exports, optimisers
from landscape.ui.charts import cached

url = ui.UrlState("optim")
st.title("Optimisers")

with st.sidebar:
    spec, csv = ui.problem_picker(url)
objective = ui.run_or_stop(compute.build_objective, spec, csv)
with st.sidebar:
    race = optimisers.race_picker(url, objective)
    extras = optimisers.extras_picker(url)
    details = ui.details_switch(url)
url.report()
url.sync()
exports.tools("optimisers")
for note in race.notes:
    st.info(note)

view = ui.run_or_stop(optimisers.race_view, spec, csv, race.entries, race.start, race.steps, race.tol)
for sentence in view.diverged:
    st.warning(sentence, icon=":material/trending_up:")
for note in view.notes:
    st.info(note)

left, right = st.columns(2)
contour = cached(figures.animated_contour, view.surface, view.paths, view.log_scale, view.markers, extras.frame_ms)
url.chart(left, contour, key="chart_contour", on_select=optimisers.start_from_click(url, "chart_contour"),
          selection_mode="points")
if extras.three_d:
    right.plotly_chart(cached(figures.paths_3d, view.surface, view.paths, view.log_scale, view.markers), key="chart_3d",
                       config=figures.CONFIG)
else:  # the loss curves beside the map; the 3D surface is a switch away (see optimisers.extras_picker)
    right.plotly_chart(cached(figures.loss_curves, view.paths, view.floor, height=540), key="chart_curves",
                       config=figures.CONFIG)
st.caption(f"{view.title} · press ▶ Play or drag the step slider; click the map to start there"
           + ("" if extras.three_d else " · the paths on the 3D surface: a switch in the sidebar"))
ui.detail(f"{len(view.paths)} optimisers × {view.steps} steps computed in {view.seconds * 1000:.0f} ms", details)

if extras.three_d:
    left, board = st.columns([11, 10])
    left.plotly_chart(cached(figures.loss_curves, view.paths, view.floor), key="chart_curves", config=figures.CONFIG)
else:
    board = st.container()
board.markdown("**Leaderboard**")
board.dataframe(view.leaderboard, hide_index=True)
board.caption(f"steps to tol: the first step with loss ≤ f* + {race.tol:g}, f* = {view.floor:.6g}"
              if view.floor is not None else "steps to tol: this loss has no known minimum f*")

if extras.swarm_n:
    st.subheader("Swarm: where does each start end?")
    with ui.messages():
        swarm = optimisers.swarm_view(spec, csv, race.entries, race.steps, extras.swarm_n)
        st.plotly_chart(cached(figures.basins, view.surface, swarm.panels, swarm.minima), key="chart_swarm",
                        config=figures.CONFIG)
        if swarm.skipped:
            st.caption(" · ".join(f"{label} runs one start at a time and is left out" for label in swarm.skipped))
        ui.detail(f"{swarm.n}×{swarm.n} starts per optimiser computed in {swarm.seconds * 1000:.0f} ms", details)

if extras.lr_map:
    st.subheader("Learning rate × momentum: where does training diverge?")
    with ui.messages():
        lr_map = optimisers.map_view(spec, csv, race.start, race.steps)
        heat = cached(figures.lr_momentum, lr_map.lrs, lr_map.momenta, lr_map.final, lr_map.floor, lr_map.limit)
        st.plotly_chart(heat, key="chart_map", config=figures.CONFIG)
        st.caption(f"SGD with momentum from the start, {view.steps} steps; crosses mark the runs that diverged")
        ui.detail(f"{lr_map.final.size} settings computed in {lr_map.seconds * 1000:.0f} ms", details)

st.subheader("The update rules")
for label, rule in race_choice.update_rules(race.entries, race.schedule):
    st.markdown(f"**{label}**")
    st.latex(rule)

st.subheader("What you are looking at")
st.markdown(
    """
Each optimiser starts at the same point and takes its steps downhill using the gradient
$g_t = \\nabla f(\\theta_t)$ (of a random mini-batch, if you chose one).  **Gradient descent** follows the
slope exactly and crawls along flat valleys; **momentum** and **Nesterov** build up speed and may overshoot;
**Adagrad**, **RMSprop** and **Adam** divide each coordinate's step by the size of its gradients, so steep and
flat directions move at similar speeds. Adagrad divides by the root of the sum of *all* past squared
gradients, which only grows, so its effective learning rate only shrinks; RMSprop and Adam divide by the root
of a *moving average* of the recent ones (decay β₂), which forgets, so their effective learning rate grows
again when the slope flattens. **L-BFGS** models the curvature and jumps.

*f\\** is the lowest loss known for the problem: at its true minimum (from the literature for a test function,
an exact fit for linear regression) or at the best of many L-BFGS runs.  A path *diverges*
when its loss or parameters stop being finite numbers or run off far beyond the view; it is drawn up to the
last good step.  In the learning-rate map, plain gradient descent on a quadratic is stable only for
$\\eta < 2/\\lambda_{\\max}$, with $\\lambda_{\\max}$ the largest curvature; momentum $\\mu$ widens this to
$\\eta < 2(1+\\mu)/\\lambda_{\\max}$.
"""
)
