"""Dependencies point one way: the compute modules never load streamlit or plotly."""
import subprocess
import sys

COMPUTE = ["landscape", "landscape.data", "landscape.losses", "landscape.problems", "landscape.grid",
           "landscape.types", "landscape.optim", "landscape.fit", "landscape.expr", "landscape.nn",
           "landscape.curvature", "landscape.curves", "landscape.classify", "landscape.divergence", "landscape.runtime",
           "landscape.capacity"]


def test_compute_modules_do_not_import_streamlit_or_plotly():
    code = ("import importlib, sys\n"
            f"for m in {COMPUTE!r}:\n"
            "    importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_do_not_import_streamlit():
    code = "import sys, landscape.figures; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
