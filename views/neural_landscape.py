"""Neural landscape: train a small network, then look at its loss landscape through slices and curvature."""
import streamlit as st

from landscape import figures, neural_words, slices, ui
from landscape.neural import SMALL_BATCH, final_loss
from landscape.ui import exports, neural
from landscape.ui.charts import cached

url = ui.UrlState("nn")
st.title("Neural-network landscape")
settings = neural.training_form(url)
SLICE = st.sidebar.container()  # the slice's own controls, under the training form
details = ui.details_switch(url)
url.report()

run = ui.run_or_stop(neural.train, settings)
if run is None:  # stopped: the message and a "Run again" button are shown
    url.sync()
    st.stop()
for card, (label, value) in zip(st.columns(6), neural_words.summary(run).items()):
    card.metric(label, value)


def show_history() -> None:
    """How training went: the loss curves, what was trained."""
    st.plotly_chart(cached(figures.train_val_curves, run.epochs, run.train_loss, run.val_loss, "epoch", height=300),
                    key="chart_nn_history", config=figures.CONFIG)
    st.caption(neural_words.describe(run))
    ui.detail(f"Trained in {run.seconds:.2f} s", details)


if run.diverged_at is not None:
    st.error(neural_words.diverged_message(run), icon=":material/trending_up:")
    show_history()
    url.sync()
    st.stop()
SLICE.subheader("Slice")


def show_plane(settings: str) -> None:
    """Two random directions through the trained weights: contour and 3D surface."""
    part = url.radio("Loss on", "part", list(neural.PARTS), horizontal=True, format_func=neural.PARTS.get,
                     container=SLICE)
    resolution = url.slider("Resolution", "res", 11, slices.MAX_RESOLUTION, 41, container=SLICE)
    span = url.slider("Half-width (in direction lengths)", "span", 0.1, 5.0, 1.0, step=0.1, container=SLICE)
    norm = url.selectbox("Direction normalisation", "norm", list(slices.NORMALISATIONS), container=SLICE)
    seed = url.number("Direction seed", "dseed", 0, 10_000, 0, container=SLICE)
    log = url.checkbox("Log height: log10(1 + loss − min)", "log", True, container=SLICE)
    with ui.messages():
        timed = neural.random_plane(settings, resolution, span, norm, seed)
        surf = getattr(timed.value, part)
        flat, tall = cached(figures.plane_figures, surf, final_loss(run, part), log)
        left, right = st.columns(2)
        left.plotly_chart(flat, key="chart_nn_plane_contour", config=figures.CONFIG)
        right.plotly_chart(tall, key="chart_nn_plane_3d", config=figures.CONFIG)
        st.caption(f"{neural.PARTS[part]} loss L(θ* + a·d₁ + b·d₂) on a {resolution}×{resolution} grid "
                   f"(training and validation together) · d₁, d₂ Gaussian, {norm}-normalised, biases zero, "
                   f"seed {seed}")
        ui.detail(f"Grid computed in {timed.seconds * 1000:.0f} ms · page total with training: "
                  f"{run.seconds + timed.seconds:.2f} s", details)


def show_pca(settings: str) -> None:
    """The plane of the training path's two main directions, with the path projected onto it."""
    part = url.radio("Loss on", "part", list(neural.PARTS), horizontal=True, format_func=neural.PARTS.get,
                     container=SLICE)
    resolution = url.slider("Resolution", "res", 11, slices.MAX_RESOLUTION, 41, container=SLICE)
    log = url.checkbox("Log height: log10(1 + loss − min)", "log", True, container=SLICE)
    with ui.messages():
        timed = neural.pca_plane(settings, resolution)
        view = timed.value
        surf = getattr(view.plane, part)
        flat, tall = cached(figures.plane_figures, surf, final_loss(run, part), log, view.coords,
                            view.path_loss[part])
        left, right = st.columns(2)
        left.plotly_chart(flat, key="chart_nn_pca_contour", config=figures.CONFIG)
        right.plotly_chart(tall, key="chart_nn_pca_3d", config=figures.CONFIG)
        first, second = view.explained
        st.caption(f"Explained variance: PC 1 holds {first:.1%} of the path's movement, PC 2 {second:.1%} "
                   f"({first + second:.1%} together; the rest is off this plane) · {len(view.coords)} recorded "
                   f"points · {resolution}×{resolution} grid")
        ui.detail(f"Grid computed in {timed.seconds * 1000:.0f} ms", details)


def show_interpolation(settings: str) -> None:
    """The straight line from the initial to the trained weights, and beyond."""
    log = url.checkbox("Log scale", "log", True, container=SLICE)
    with ui.messages():
        timed = neural.interpolation(settings)
        line = timed.value
        st.plotly_chart(cached(figures.train_val_curves, line.alphas, line.train_loss, line.val_loss,
                               "α:  θ(α) = (1 − α)·θ₀ + α·θ*", log_y=log,
                               marks={"initial θ₀": 0.0, "trained θ*": 1.0}, height=420),
                        key="chart_nn_interpolation", config=figures.CONFIG)
        st.caption(f"{len(line.alphas)} points on the line, training and validation")
        ui.detail(f"Computed in {timed.seconds * 1000:.0f} ms", details)


def show_curvature(settings: str) -> None:
    """Hessian read-outs at the trained weights; a small-batch and a large-batch minimum side by side."""
    with ui.messages():
        timed = neural.curvature_view(settings)
        view = timed.value
        cards = st.columns(len(view.eigenvalues) + 1)
        for i, (card, value) in enumerate(zip(cards, view.eigenvalues), start=1):
            card.metric(f"λ{'₁₂₃₄₅₆₇₈₉'[i - 1]} (top eigenvalue {i})", f"{value:.4g}")
        cards[-1].metric("trace of H (Hutchinson)", f"{view.trace.estimate:.4g} ± {view.trace.std_error:.2g}",
                         help="± one standard error of the estimate")
        st.caption(f"Hessian H of the training loss at θ*: top eigenvalues by Lanczos, the trace from "
                   f"{view.trace.probes} random ±1 probes")
        ui.detail(f"Computed in {timed.seconds * 1000:.0f} ms", details)
    st.markdown(f"**Sharpness: a small-batch (batch {SMALL_BATCH}) and a large-batch (the whole training "
                "set) minimum**, the same network and epochs from the same initial weights")
    with ui.messages():
        compared = neural.sharpness(settings)
        if compared is not None:
            st.dataframe(compared.rows, hide_index=True)
            st.plotly_chart(cached(figures.neural.lines, compared.alphas, compared.slices, "t: distance along the "
                                   "top eigenvector u₁ of each minimum", "rise of the training loss "
                                   "L(θ + t·u₁) − L(θ)"), key="chart_nn_sharpness", config=figures.CONFIG)
            st.caption(" ".join(neural_words.sharpness_sentences(compared)))


VIEWS = {"plane": show_plane, "pca": show_pca, "interpolation": show_interpolation, "curvature": show_curvature}

# Not an st.fragment: Streamlit queues a fragment's reruns behind its running one, so a Stop pressed in
# a fragment could not interrupt it.  Every view control changes the figures anyway, and a figure whose
# inputs did not change is sent byte-identical, so the 3D camera stays where it was.
view = url.radio("The landscape around the trained weights", "view", list(neural.VIEWS), horizontal=True,
                 format_func=neural.VIEWS.get)
VIEWS[view](settings)
url.report()

st.subheader("How training went")
show_history()

st.subheader("What a slice can and cannot show")
st.markdown(
    neural_words.dimensions(run) + """ Every picture here is a **slice**: the loss along one line (1D) or over
one flat plane (2D) through weight space, with all other directions held fixed. Along the slice it is exact;
about everything off the slice it says nothing.

**What a slice can show**: how the loss changes along the directions you chose; whether the trained
weights sit in a wide basin or a narrow one *along those directions*; whether the straight line from the
initial to the trained weights runs downhill all the way (it often does: training need not cross a barrier
on that line, although the real path is not straight); where the validation surface lies beside the
training surface: the gap between them is what the network does not carry over to new points.

**What it cannot show**: a dip that looks like a local minimum may be a saddle, going down in a direction
the slice leaves out. A hill the path seems to cross in the PCA plane may be gone round in other
dimensions, and the path's drawn losses are those of its projection onto the plane, not the losses the
network actually had. Random directions in many dimensions are nearly perpendicular to the few sharp ones,
so a random plane tends to look smooth and bowl-shaped even where the sharpest curvature (λ₁ in the
curvature view) is large. A slice cannot count minima or say whether one is the best.

**Why filter normalisation**: with ReLU-like units, scaling one layer's weights up and the next one down
changes nothing the network computes but changes how steep the surface looks. Scaling each random
direction, unit by unit, to the size of that unit's weights (Li et al. 2018) makes the picture independent
of that rescaling, so that the sharpness of two networks can be compared. The same holds for the
curvature numbers: they depend on how the weights are scaled, which is why the comparison of a
small-batch and a large-batch minimum trains the same network from the same start.
"""
)
url.sync()
exports.tools("neural_landscape")
