"""Distributions and overlap: KL divergence both ways and Jensen-Shannon fitting a Normal to two modes;
soft Dice and IoU against BCE for a predicted segment."""
import streamlit as st

from landscape import divergence, figures, ui
from landscape.ui import catalogue, exports

url = ui.UrlState("dist")
st.title("Distributions and overlap")


def slider(param, key, step, container=st.sidebar, **kw):
    """A registry parameter as a slider bound to the URL."""
    return url.slider(param.help.capitalize(), key, param.low, param.high, param.default, step=step,
                      container=container, **kw)


with st.sidebar:
    st.subheader("Target p: two modes")
    separation = slider(divergence.SEPARATION, "sep", 0.1)
    share = slider(divergence.SHARE, "share", 0.05)
    width = slider(divergence.WIDTH, "width", 0.05)
    st.subheader("Segment: ground truth and prediction")
    position = slider(divergence.POSITION, "pos", 0.01)
    extent = slider(divergence.EXTENT, "extent", 0.01)
    softness = slider(divergence.SOFTNESS, "soft", 0.001, format="%.3f")
    smooth = url.slider("Smoothing s of Dice and IoU", "smooth", 0.01, 10.0, divergence.SMOOTH.default, step=0.01,
                        help=divergence.SMOOTH.help)
url.report()

st.header("Fitting one Normal to two modes")
st.markdown("Which Normal q = N(μ, σ²) is closest to the two-mode p? It depends on which way round you "
            "measure. Each map below is a divergence over (μ, log σ): every point is one candidate q.")
fit = ui.run_or_stop(catalogue.fit_view, separation, share, width)
st.plotly_chart(figures.divergence_surfaces(fit), key="dist_divergences", config=figures.CONFIG)
st.plotly_chart(figures.densities(fit), key="dist_densities", config=figures.CONFIG)
st.dataframe(fit.table(), hide_index=True, key="dist_minima")
for spec in divergence.DIVERGENCES.values():
    st.markdown(f"**{spec.label}**: {spec.behaviour}.")
    st.latex(spec.formula)
st.markdown(" ".join(divergence.fit_sentences(fit)))

st.header("Overlap losses for a segment")
st.markdown("A model predicts a segment on a line of 200 cells (a one-dimensional image) by its position and "
            "width, with soft edges. Soft Dice and IoU score the overlap with the ground truth; BCE scores "
            "every cell on its own.")
overlap = ui.run_or_stop(catalogue.overlap_view, position, extent, softness, smooth)
st.plotly_chart(figures.overlap_surfaces(overlap), key="dist_overlap", config=figures.CONFIG)
st.plotly_chart(figures.segment_slices(overlap), key="dist_slices", config=figures.CONFIG)
st.markdown(" ".join(divergence.overlap_sentences(overlap)))
url.sync()
exports.tools("distributions")
