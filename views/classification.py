"""Classification: logistic-regression loss surfaces, the decision boundary, the price of a false negative,
and a three-class softmax with a temperature."""
import json

import streamlit as st

from landscape import classify, data, figures, losses, ui
from landscape.ui import catalogue, exports

url = ui.UrlState("classify")
st.title("Classification")

with st.sidebar:
    st.subheader("Two classes")
    dataset = url.selectbox("Data", "data", data.names("binary"), "blobs", format_func=lambda n: data.REGISTRY[n].label)
    n = url.slider("Points", "n", 50, 1000, 200, step=10)
    seed = url.number("Seed", "seed", 0, 10_000, 0)
    loss = url.selectbox("Loss", "loss", list(classify.BINARY_LOSSES), format_func=lambda n: losses.spec(n).title)
    params = ui.param_sliders(url, classify.tunable(loss), step=0.01)
    style = url.radio("Surface as", "surf", list(figures.classification.SURFACE_STYLES), horizontal=True)
pos_weight = url.slider("Cost of a false negative (pos_weight): how much more a missed positive costs than a "
                        "false alarm", "pos_weight", classify.POS_WEIGHT.low, classify.POS_WEIGHT.high,
                        classify.POS_WEIGHT.default, step=0.05, help=classify.POS_WEIGHT.help)
url.report()

view = ui.run_or_stop(catalogue.binary_view, dataset, n, seed, loss, json.dumps(params), pos_weight)
left, right = st.columns(2)
left.plotly_chart(figures.binary_surface(view, style), key="classify_surface", config=figures.CONFIG)
right.plotly_chart(figures.decision_boundary(view), key="classify_boundary", config=figures.CONFIG)
st.caption(f"{view.title}: the loss over the two weights (w₁, w₂), at the minimiser's bias b = "
           f"{view.fit.theta[2]:.3g}. Minimiser w = ({view.fit.theta[0]:.3g}, {view.fit.theta[1]:.3g}); "
           f"at weight 1 it was ({view.plain.theta[0]:.3g}, {view.plain.theta[1]:.3g}), b = {view.plain.theta[2]:.3g}.")
if view.note:
    st.info(view.note)

matrix, numbers = st.columns([2, 3])
matrix.plotly_chart(figures.confusion_matrix(view.fit.metrics), key="classify_confusion", config=figures.CONFIG)
with numbers:
    fit, plain = view.fit.metrics, view.plain.metrics
    cards = st.columns(3)
    for card, (label, now, before) in zip(cards, (("Precision", fit.precision, plain.precision),
                                                  ("Recall", fit.recall, plain.recall),
                                                  ("Accuracy", fit.accuracy, plain.accuracy))):
        change = classify.percentage_points(now, before)
        card.metric(label, "—" if now is None else f"{now:.1%}", None if change is None else f"{change} vs weight 1",
                    help="change in percentage points (pp) against the fit at false-negative weight 1")
    st.markdown(" ".join([
        "**Precision**: of the points the line calls positive, the share that are. **Recall**: of the positive "
        "points, the share it finds.", *classify.weight_sentences(view),
        "Missed positives are ringed in the plot."]))

st.header("Three classes: softmax cross-entropy")
st.markdown("A linear model gives each class a score z_c = w_c·x + b_c; softmax turns the three scores into "
            "probabilities. Nine parameters: pick two to see the loss over them, the other seven stay at the fit.")
controls = st.columns(4)
px = url.selectbox("Parameter on x", "px", list(classify.SOFTMAX_PARAMS), "wA1", container=controls[0])
py = url.selectbox("Parameter on y", "py", list(classify.SOFTMAX_PARAMS), "wB1", container=controls[1])
temperature = url.slider("Temperature T", "T", classify.TEMPERATURE.low, classify.TEMPERATURE.high,
                         classify.TEMPERATURE.default, step=0.05, container=controls[2], help=classify.TEMPERATURE.help)
smoothing = ui.param_sliders(url, losses.spec("cross_entropy").params, container=controls[3], step=0.01)
moves = st.columns(2)
dx, dy = (url.slider(f"Move {name} from the fit by", key, classify.OFFSET.low, classify.OFFSET.high,
                     classify.OFFSET.default, step=0.1, container=col, help=classify.OFFSET.help)
          for name, key, col in ((px, "dx", moves[0]), (py, "dy", moves[1])))
url.report()
with ui.messages():
    soft = catalogue.softmax_view(seed, (px, py), temperature, smoothing["label_smoothing"], (dx, dy))
    left, right = st.columns(2)
    left.plotly_chart(figures.softmax_surface(soft), key="classify_softmax", config=figures.CONFIG)
    right.plotly_chart(figures.simplex(soft), key="classify_simplex", config=figures.CONFIG)
    st.caption(f"Mean cross-entropy at the pink point {soft.loss:.4g} (at the fit {soft.loss_at_fit:.4g}), "
               f"accuracy {soft.accuracy:.1%}, temperature {soft.temperature:g}.")
st.markdown(
    "Each dot in the triangle is one point of the data placed by its three predicted probabilities: a corner "
    "means certain, the centre means a shrug. Raising the temperature divides every score by T, so the "
    "predictions drift toward the centre and the loss surface flattens; lowering it pushes them into the "
    "corners, and the confident mistakes then dominate the loss. Moving a parameter of class c away from the "
    "fit changes c's score for every point (by the offset times the point's feature, or by the offset itself "
    "for a bias), so every dot slides toward or away from c's corner, not only the dots of class c.")
url.sync()
exports.tools("classification")
