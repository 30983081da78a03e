"""Lessons and exports keep the layering: the lesson registry, its compute and the CSV / NPZ exports are compute
modules (no streamlit, no plotly); the step figures and the HTML / GIF exports are figure modules (no streamlit)."""
import ast
import subprocess
import sys

COMPUTE = ["landscape.lessons", "landscape.lessons.links", "landscape.lessons.quotes", "landscape.lessons.compute",
           "landscape.export"]
FIGURES = ["landscape.figures.steps", "landscape.figures.export"]


def _loaded(modules: list[str], banned: tuple[str, ...]) -> list[str]:
    code = ("import importlib, sys\n"
            f"for m in {modules!r}:\n"
            "    importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {banned!r}))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return ast.literal_eval(out)


def test_lessons_and_data_exports_load_neither_streamlit_nor_plotly():
    assert _loaded(COMPUTE, ("streamlit", "plotly")) == []


def test_figure_exports_do_not_load_streamlit():
    assert _loaded(FIGURES, ("streamlit",)) == []
