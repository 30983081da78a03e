"""Reading a Plotly figure in the figure tests: plotted arrays as float32, traces by name, axis titles,
every font size, and the markers of a label (``tests/test_figures.py`` and its ``figure_cases_*``)."""
from __future__ import annotations

import numpy as np
from apptest import floats

from landscape.figures import style


def same(drawn, computed) -> None:
    """The plotted array is exactly the compute output as float32."""
    np.testing.assert_array_equal(floats(drawn), np.asarray(computed, dtype=np.float32))


def kinds(fig) -> list[str]:
    return [t.type for t in fig.data]


def named(fig, name: str):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def titles(fig) -> dict[str, str]:
    """Every axis title in the layout: ``{"xaxis": ..., "scene.zaxis": ..., "ternary.aaxis": ...}``."""
    layout, out = fig.layout.to_plotly_json(), {}
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            out[key] = axis.get("title", {}).get("text")
        elif key.startswith(("scene", "ternary")):
            out |= {f"{key}.{k}": a.get("title", {}).get("text") for k, a in axis.items() if k.endswith("axis")}
    return {k: v for k, v in out.items() if v}


def font_sizes(node, path: str = ""):
    """(where, size) of every visible font size set anywhere in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value \
                    and value.get("color") != "rgba(0,0,0,0)":  # the animation slider's hidden step labels
                yield f"{path}.{key}", value["size"]
            yield from font_sizes(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from font_sizes(value, f"{path}[{i}]")


def assert_readable(fig) -> None:
    """Text of at least MIN_TEXT px everywhere, set on every axis (Streamlit's theme greys ticks to 12 px)."""
    assert fig.layout.font.size >= style.MIN_TEXT
    small = [(where, size) for where, size in font_sizes(fig.to_plotly_json()) if size < style.MIN_TEXT]
    assert not small, small
    layout = fig.layout.to_plotly_json()
    axes = [a for k, a in layout.items() if k.startswith(("xaxis", "yaxis"))]
    axes += [a for k, s in layout.items() if k.startswith(("scene", "ternary")) for n, a in s.items()
             if n.endswith("axis")]
    assert all(a.get("tickfont", {}).get("size", 0) >= style.MIN_TEXT for a in axes), axes


def marker_points(fig, label: str) -> np.ndarray:
    """(K, 2) positions of every marker trace called ``label``."""
    found = [np.stack([floats(t.x), floats(t.y)], -1) for t in fig.data if t.name == label and "markers" in t.mode]
    assert found, f"no {label!r} marker"
    return np.concatenate(found)
