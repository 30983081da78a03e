"""Outliers: how far outliers pull MSE's line, MAE's and Huber's, and when leverage pulls them all."""
import streamlit as st

from landscape import figures, outlier_words, ui
from landscape.ui import exports, outliers
from landscape.ui.charts import cached

CLICKABLE = "outliers_scatter"

url = ui.UrlState("outliers")
st.title("Outlier sensitivity")
st.markdown(outlier_words.HEADER)

choice = outliers.choose(url)
details = ui.details_switch(url)
url.report()
url.sync()
exports.tools("outliers")

points = ui.run_or_stop(outliers.points, choice.spec, choice.csv, choice.pts)
if points.ignored:
    st.info(f"{points.ignored} of your edits are of points that no longer exist; they are skipped.")
if table_problem := outliers.table_problem(url):
    st.error(f"That edit was not applied: {table_problem}", icon="⚠️")

view = outliers.compute(choice)
lines, ghost = outliers.lines(view)
left, right = st.columns([3, 2])
scatter = cached(figures.fit_scatter, points.x, points.y, points.outlier, lines, ghost,
                 outliers.picked_row(url, points))
url.chart(left, scatter, key=CLICKABLE, on_select=outliers.on_click(url, CLICKABLE, choice.click, points.origin),
          selection_mode="points", rows=len(points.x))
left.caption(outlier_words.caption(view, choice.click))
ui.detail(outlier_words.computation(view), details, left)
right.markdown(outlier_words.explain(view))
right.dataframe(outlier_words.summary(view), hide_index=True)
# The editor is made only while the expander is open (a tenth of a rerun's CPU); one label, so it stays open
table = st.expander("The points as a table: edit x, y or the outlier flag, add or delete rows",
                    key="outliers_table_open", on_change="rerun")
if table.open:
    outliers.points_table(url, points, table)

st.subheader("Where each minimum moves")
st.plotly_chart(cached(figures.minimiser_shift, view.surfaces, view.markers), key="outliers_surfaces",
                config=figures.CONFIG)
st.caption("Each map is the loss of every line (slope w, intercept b) on the points above. The circle is the best "
           "line without the outliers, the cross the best line with them; the arrow is how far the outliers moved it.")

st.subheader("Who carries the loss")
st.plotly_chart(cached(figures.outlier_shares, view.keys, view.labels, points.x, view.shares, points.outlier),
                key="outliers_shares", config=figures.CONFIG)

st.subheader("How hard an outlier pulls")
left, right = st.columns(2)
left.plotly_chart(cached(figures.influence, view.keys, view.labels, view.sweep_sizes, view.sweep_slopes, view.size,
                         ghost.w), key="outliers_influence", config=figures.CONFIG)
left.caption("The influence curve: every outlier moved up or down together, and every loss fitted again.")
right.plotly_chart(cached(figures.psi_curves, view.keys, view.labels, view.r, view.psi, view.outlier_residual,
                          view.psi_limit), key="outliers_psi", config=figures.CONFIG)
right.caption("ψ(r), the slope of each loss: the force with which a point with residual r pulls on the line.")
