"""Plotly figure builders, one module per topic. No streamlit here; arrays go as float32.

pandas is imported here, before any figure can be built: Plotly's validators look it up in
``sys.modules`` without importing it (``get_module("pandas", should_load=False)``), so while another
thread of the server is still importing pandas (a first ``st.dataframe``), a figure built meanwhile finds
the half-initialised module and raises AttributeError ("partially initialized module 'pandas' has no
attribute 'Series'"): seen on a freshly started class server under load (bench/load.py --class).
"""
import pandas  # noqa: F401 - fully imported before any figure is built (see above)
from landscape.figures.style import CONFIG, readable
from landscape.figures.surface import (COLORSCALE, Marker, contour, contour_row, descent_arrows, f32, log_height,
                                       surface_3d)
from landscape.figures.classification import (binary_surface, confusion_matrix, decision_boundary, simplex,
                                              softmax_surface)
from landscape.figures.distributions import densities, divergence_surfaces, overlap_surfaces, segment_slices
from landscape.figures.losses import confidence_curve, curve_colors, gallery_curves
from landscape.figures.neural import fitted_curves, plane_figures, train_val_curves
from landscape.figures.outliers import Line, fit_scatter, influence, minimiser_shift, outlier_shares, psi_curves
from landscape.figures.sweeps import basins, lr_momentum
from landscape.figures.trajectories import animated_contour, loss_curves, paths_3d

__all__ = ["CONFIG", "COLORSCALE", "readable", "Marker", "animated_contour", "basins", "binary_surface",
           "confidence_curve", "curve_colors", "confusion_matrix", "contour", "contour_row", "decision_boundary", "densities", "descent_arrows",
           "divergence_surfaces", "f32", "gallery_curves", "log_height", "loss_curves", "lr_momentum",
           "overlap_surfaces", "paths_3d", "segment_slices", "simplex", "softmax_surface", "surface_3d",
           "Line", "fit_scatter", "influence", "minimiser_shift", "outlier_shares", "psi_curves",
           "fitted_curves", "plane_figures", "train_val_curves"]
