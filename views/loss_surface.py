"""Loss surface: a rotatable 3D surface and its contour map over two parameters."""
import streamlit as st

from landscape import figures, ui
from landscape.ui import compute

url = ui.UrlState("surface")
st.title("Loss surface")

with st.sidebar:
    spec_json, csv = ui.problem_picker(url)
objective = ui.run_or_stop(compute.build_objective, spec_json, csv)
with st.sidebar:
    x_range, y_range, n = ui.view_picker(url, objective.view, objective.names)
    scale = url.radio("Colour scale", "scale", ["auto", "linear", "log"], horizontal=True)
    arrows = url.checkbox("Show the downhill direction", "arrows")
url.report()

view = ui.run_or_stop(compute.surface_view, spec_json, csv, x_range, y_range, n, arrows)
log = view.log_scale if scale == "auto" else scale == "log"
left, right = st.columns(2)
left.plotly_chart(figures.surface_3d(view.surface, log, view.markers), key="surface_3d")
right.plotly_chart(figures.contour(view.surface, log, view.markers, arrows=view.arrows), key="surface_contour")

x, y, z = view.surface.minimum
st.caption(f"{view.title} · grid minimum {z:.6g} at ({x:.4g}, {y:.4g}) · {n}×{n} grid computed in "
           f"{view.surface.seconds * 1000:.1f} ms by the {view.surface.method} path")

if view.parts:
    st.subheader("Regularisation: data loss + penalty = total")
    st.plotly_chart(figures.contour_row(view.parts, view.part_markers, log), key="surface_parts")
    st.markdown(compute.penalty_sentence(view))

spec = compute.describe(spec_json)
st.subheader("What you are looking at")
st.latex(spec["formula"])
st.markdown(spec["text"])
url.sync()
