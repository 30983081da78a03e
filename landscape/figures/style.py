"""How every figure reads on a projector at 1280x720: one layout pass that each builder ends with.

- Text at least ``TEXT`` px (tick labels, legends, colour bars, annotations) and axis titles at
  ``TITLE`` px, in dark ink.  Streamlit's Plotly theme sets tick labels to 12 px grey through its
  template, so the sizes are set on every axis, not only through ``layout.font``.
- Plotly's toolbar (the modebar) floats over the top right corner of the figure: every figure keeps
  a top margin of at least ``MODEBAR`` px, and legends go below the plot, anchored to the bottom of
  the figure (Plotly then makes room for them), or on the right under that band.
- 3D scenes keep their axis labels inside the canvas: the camera stands further back than Plotly's
  default and the scene leaves a margin.

``readable(fig)`` is the one place for this; builders choose only where the legend goes.
``CONFIG`` is the Plotly config the pages pass with every chart (see its comments).
"""
from __future__ import annotations

import plotly.graph_objects as go

TEXT = 15  # px: tick labels, legends, colour bars, annotations (never below MIN_TEXT)
MIN_TEXT = 14  # px: what a projector at the back of a room still shows
TITLE = 16  # px: axis and subplot titles
INK = "#262730"  # Streamlit's text colour; its chart theme greys axis text to #808495
MODEBAR = 38  # px at the top of every figure kept for Plotly's toolbar
LEGENDS = ("below", "right", "inside", "none")
CORNERS = {"left": 0.01, "right": 0.99, "top": 0.99, "bottom": 0.01}

# Plotly draws WebGL (3D) at twice the canvas size by default (``plotGlPixelRatio`` 2): four times the
# pixels, which a machine without a GPU renders in software on every change.  One pixel per pixel
# is what a projector shows.
# The camera button of every chart saves a PNG at slide size: laid out at 960 x 540 and drawn at twice that,
# 1920 x 1080, so its text is as large on a slide as on the projector.
SLIDE_PNG = {"format": "png", "width": 960, "height": 540, "scale": 2, "filename": "loss-landscape"}
CONFIG = {"displaylogo": False, "plotGlPixelRatio": 1, "toImageButtonOptions": SLIDE_PNG}


def _font(size: int = TEXT, color: str = INK) -> dict:
    return dict(size=size, color=color)


def _axis(axis=None) -> dict:
    """Tick labels and title of an axis at projector sizes (a larger size the builder set is kept)."""
    size = getattr(getattr(axis, "tickfont", None), "size", None) or 0
    return dict(tickfont=_font(max(size, TEXT)), title_font=_font(TITLE))


def readable(fig: go.Figure, legend: str = "below", top: int | None = None,
             corner: tuple[str, str] = ("left", "top")) -> go.Figure:
    """``fig`` with projector-sized text, its legend placed (``LEGENDS``) and room for the toolbar.

    ``top``: a top margin larger than the toolbar's (for titles or annotations above the plot).
    ``corner``: where an ``"inside"`` legend sits in the plot, e.g. ``("right", "bottom")``."""
    if legend not in LEGENDS:
        raise ValueError(f"legend must be one of {LEGENDS}, got {legend!r}")
    margin = fig.layout.margin
    fig.update_layout(font=_font(), hoverlabel=dict(font_size=TEXT),
                      margin=dict(t=max(top or 0, MODEBAR, margin.t or 0), l=max(margin.l or 0, 10),
                                  r=max(margin.r or 0, 10), b=max(margin.b or 0, 10)))
    if legend == "below":
        fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom", yref="container",
                                      font=_font()))
    elif legend == "inside":
        (x, y) = corner
        fig.update_layout(legend=dict(orientation="v", x=CORNERS[x], xanchor=x, y=CORNERS[y], yanchor=y,
                                      yref="paper", bgcolor="rgba(255,255,255,0.85)", font=_font()))
    elif legend == "right":
        fig.update_layout(legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top", yref="paper",
                                      font=_font()))
    else:
        fig.update_layout(showlegend=False)
    fig.for_each_xaxis(lambda a: a.update(**_axis(a)))
    fig.for_each_yaxis(lambda a: a.update(**_axis(a)))
    for axis in ("xaxis", "yaxis", "zaxis"):
        fig.update_scenes({axis: _axis()})
    for axis in ("aaxis", "baxis", "caxis"):
        fig.update_ternaries({axis: _axis()})
    fig.update_traces(colorbar=dict(tickfont=_font(), title_font=_font()),
                      selector=lambda t: "colorbar" in t and getattr(t, "showscale", None) is not False)
    fig.for_each_annotation(lambda a: a.update(font=dict(size=max(a.font.size or TITLE, MIN_TEXT),
                                                         color=a.font.color or INK)))
    for menu in fig.layout.updatemenus:
        menu.font = _font()
    for slider in fig.layout.sliders:
        if slider.currentvalue.font.size is not None:
            slider.currentvalue.font = _font()
    if fig.layout.title.text:
        fig.update_layout(title_font=_font(TITLE + 2))
    return fig


def scene_room(fig: go.Figure, distance: float = 1.3) -> go.Figure:
    """Move every 3D camera ``distance`` times further from the centre: the axis labels, which WebGL
    draws inside the canvas, then stay inside it."""
    def back(scene):
        eye = scene.camera.eye
        if eye.x is not None:
            scene.camera.eye = dict(x=eye.x * distance, y=eye.y * distance, z=eye.z * distance)
    fig.for_each_scene(back)
    return fig
