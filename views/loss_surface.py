"""Loss surface: a rotatable 3D surface and its contour map over two parameters, and the data it is built from
with the model of the point picked on the map."""
import streamlit as st

from landscape import figures, problems, ui
from landscape.figures import models
from landscape.surface import loss_at, penalty_sentence
from landscape.ui import compute, exports, surface
from landscape.ui.charts import cached

MAP = "surface_contour"

url = ui.UrlState("surface")
st.title("Loss surface")

with st.sidebar:
    spec, csv = ui.problem_picker(url)
objective = ui.run_or_stop(compute.build_objective, spec, csv)
with st.sidebar:
    x_range, y_range, n = ui.view_picker(url, objective.view, objective.names)
    scale = url.radio("Colour scale", "scale", ["auto", "linear", "log"], horizontal=True)
    arrows = url.checkbox("Show the downhill direction", "arrows")
    details = ui.details_switch(url)
kind, model = spec.family, problems.family(spec.family).model
pick = surface.picked(url, spec) if model else None
url.report()

view = ui.run_or_stop(compute.surface_view, spec, csv, x_range, y_range, n, arrows)
log = view.log_scale if scale == "auto" else scale == "log"
x, y, z = view.surface.minimum
if view.points is None:  # a test function: no data, no model
    left, right = st.columns(2)
    left.plotly_chart(cached(figures.surface_3d, view.mesh, log, view.mesh_markers, height=540, show_scale=False),
                      key="surface_3d", config=figures.CONFIG)
    right.plotly_chart(cached(figures.contour, view.surface, log, view.markers, arrows=view.arrows, height=540),
                       key=MAP, config=figures.CONFIG)
    st.caption(f"{view.title} · grid minimum {z:.6g} at ({x:.4g}, {y:.4g})")
else:
    best = next(((m.x, m.y) for m in view.markers if m.label == "true minimum"), (x, y))
    theta = pick or best
    marker = figures.Marker(*theta, 0.0, f"the {model} drawn below", "star", models.PICK_COLOR)
    left, right = st.columns(2)
    left.plotly_chart(cached(figures.surface_3d, view.mesh, log, view.mesh_markers, height=560, show_scale=False),
                      key="surface_3d", config=figures.CONFIG)
    flat = cached(models.clickable_map, view.surface, log, view.markers + (marker,), view.arrows, kind)
    url.chart(right, flat, key=MAP, on_select=surface.on_pick(url, MAP), selection_mode="points")
    right.plotly_chart(cached(models.model_on_data, view.points, kind, theta, best, loss_at(objective, theta),
                              objective.names), key="surface_model", config=figures.CONFIG)
    true = " · × the true minimum" if any(m.label == "true minimum" for m in view.markers) else ""
    st.caption(f"{view.title} · ○ grid minimum {z:.6g} at ({x:.4g}, {y:.4g}){true} · each point of the map is one "
               f"{model}: hover over the map to read it, click to draw it over the data (★; dashed: the {model} "
               "of the minimum)")
ui.detail(f"{n}×{n} grid computed in {view.surface.seconds * 1000:.1f} ms by the {view.surface.method} path; the 3D "
          f"surface is drawn from {len(view.mesh.x)}×{len(view.mesh.y)} points", details)

if view.parts:
    st.subheader("Regularisation: data loss + penalty = total")
    st.plotly_chart(cached(figures.contour_row, view.parts, view.part_markers, log), key="surface_parts",
                    config=figures.CONFIG)
    st.markdown(penalty_sentence(view))

words = problems.describe(spec)
st.subheader("What you are looking at")
st.latex(words["formula"])
st.markdown(words["text"])
url.sync()
exports.tools("loss_surface")
