"""Plotly figure builders, one module per topic. No streamlit here; arrays go as float32."""
from landscape.figures.surface import (COLORSCALE, Marker, contour, contour_row, descent_arrows, f32, log_height,
                                       surface_3d)

__all__ = ["COLORSCALE", "Marker", "contour", "contour_row", "descent_arrows", "f32", "log_height", "surface_3d"]
