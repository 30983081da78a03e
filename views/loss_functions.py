"""Loss functions: every built-in loss as a curve over its residual or margin, beside its slope."""
import json

import streamlit as st

from landscape import curves, figures, grammar, losses, ui
from landscape.ui import catalogue, exports

url = ui.UrlState("gallery")
st.title("Loss functions")
st.markdown("A loss turns one mistake into one number. Its **shape** decides which mistakes a model "
            "fixes first, and its **slope** is all that gradient descent ever feels.")

with st.sidebar:
    kind = url.radio("Task", "kind", list(curves.AXES), format_func=lambda k: curves.AXES[k].title, horizontal=True)
    axis = curves.AXES[kind]
    titles = {n: losses.spec(n).title for n in curves.choices(kind)}
    chosen = url.multiselect("Losses to compare", f"show_{axis.variable}", curves.choices(kind), axis.defaults,
                             format_func=titles.get)
    params = {name: ui.param_sliders(url, losses.spec(name).params, step=0.01) for name in chosen}
    formula = url.text(f"Your own loss in {axis.variable}", f"formula_{axis.variable}", "",
                       placeholder=f"e.g. {grammar.VARIABLES[kind].example}",
                       help=f"A formula in the {axis.label} with + - * / **, numbers and functions such as abs, "
                            "sqrt, exp, log, log1p, tanh, sigmoid, softplus, minimum, maximum, where and clip.")
    span = url.slider(f"Range of {axis.variable}", "span", curves.SPAN.low, curves.SPAN.high, curves.SPAN.default,
                      step=0.5, help=curves.SPAN.help)
    at = url.slider(f"Read off at {axis.variable} =", "at", curves.AT.low, curves.AT.high, curves.AT.default,
                    step=0.1, help=curves.AT.help)
url.report()

g = ui.run_or_stop(catalogue.gallery, kind, json.dumps(params), formula, span, at)
if g.refused:
    st.error(f"Your formula was not drawn: {g.refused}", icon="⚠️")
st.plotly_chart(figures.gallery_curves(g), key="gallery_curves", config=figures.CONFIG)

st.dataframe({"loss": [c.label for c in g.drawn], f"ℓ({g.variable} = {g.at:g})": [c.at_value for c in g.drawn],
              f"slope at {g.variable} = {g.at:g}": [c.at_slope for c in g.drawn]}, hide_index=True,
             key="gallery_readout")

st.subheader("What each one is for")
colors = figures.curve_colors(g)
columns = st.columns(min(3, max(1, len(g.curves))))
for k, c in enumerate(g.curves):
    with columns[k % len(columns)]:
        st.markdown(f"<span style='color:{colors[k]}'>●</span> **{c.label}**", unsafe_allow_html=True)
        st.latex(c.formula)
        st.markdown(f"{c.description}  \n*Use it when* {c.use_when}.")
if not g.curves:
    st.info("Choose at least one loss in the sidebar, or type your own formula.")
st.caption(" ".join([
    "Regression losses are drawn against the residual r = y − ŷ (positive: the prediction is too low). "
    "Classification losses are drawn against the margin m: positive when the score is on the right side of "
    "the boundary, larger when it is more confidently right.",
    *curves.reference_sentences(g), *filter(None, [curves.scale_sentence(g)])]))

st.header("Confident and wrong")
st.markdown("Cross-entropy looks at the probability the model gives the **true** class. A hesitant mistake "
            "costs little; a confident one costs without limit.")
left, right = st.columns(2)
with left:
    smoothing = ui.param_sliders(url, losses.spec("cross_entropy").params, step=0.01)
with right:
    classes = url.slider("Number of classes C", "classes", int(curves.CLASSES.low), int(curves.CLASSES.high),
                         int(curves.CLASSES.default), help=curves.CLASSES.help)
url.report()
c = ui.run_or_stop(catalogue.confidence, smoothing["label_smoothing"], classes)
st.plotly_chart(figures.confidence_curve(c), key="gallery_confidence", config=figures.CONFIG)
st.markdown(" ".join(c.sentences(0.01)))
url.sync()
exports.tools("loss_functions")
