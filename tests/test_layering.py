"""Dependencies point one way: views -> landscape.ui -> landscape.figures -> landscape (compute).

The module lists are derived from the package itself (pkgutil), so a new module cannot escape:
compute modules never load streamlit or plotly, figures never load streamlit, the UI never imports
torch itself, and no two modules of landscape import each other, directly or in a cycle.
"""
import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import landscape

ROOT = Path(landscape.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages([str(ROOT)], "landscape."))
FIGURES = [m for m in MODULES if m.startswith("landscape.figures")]
UI = [m for m in MODULES if m.startswith("landscape.ui")]
COMPUTE = ["landscape"] + [m for m in MODULES if m not in FIGURES + UI]


def _source(module: str) -> Path:
    parts = module.split(".")[1:]
    package = ROOT.joinpath(*parts, "__init__.py")
    return package if package.exists() else ROOT.joinpath(*parts[:-1], parts[-1] + ".py")


def _imports(module: str) -> set[str]:
    """Modules of landscape that ``module`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(_source(module).read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in MODULES and m != module}


def _loads(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    code = ("import importlib, json, sys\n"
            f"for m in {modules!r}:\n"
            "    importlib.import_module(m)\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))\n")
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def test_the_lists_are_derived_and_complete():
    assert {"landscape.grid", "landscape.budget", "landscape.ui.state", "landscape.figures.surface"} <= set(MODULES)
    assert len(COMPUTE) + len(FIGURES) + len(UI) == len(MODULES) + 1


def test_compute_modules_do_not_import_streamlit_or_plotly():
    assert _loads(COMPUTE, ("streamlit", "plotly")) == []


def test_figures_do_not_import_streamlit():
    assert _loads(FIGURES, ("streamlit",)) == []


def test_the_ui_never_imports_torch_itself():
    for module in UI:
        names = {n.split(".")[0] for n in _static_imports(module)}
        assert "torch" not in names, module


def _static_imports(module: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(_source(module).read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_import_cycle_between_modules_of_landscape():
    graph = {m: _imports(m) - {"landscape"} for m in MODULES}
    done, path = set(), []

    def visit(m: str) -> None:
        assert m not in path, " -> ".join(path[path.index(m):] + [m])
        if m in done:
            return
        path.append(m)
        for n in graph[m]:
            if not n.startswith(m + "."):  # a package importing its own modules is no cycle
                visit(n)
        path.pop()
        done.add(m)

    for m in MODULES:
        visit(m)


def test_pandas_is_fully_imported_before_any_figure_is_built():
    """Plotly reads pandas from sys.modules without importing it: a half-imported pandas (another thread
    importing it) made a figure raise on a loaded class server.  Importing the figures imports pandas."""
    code = ("import sys; assert 'pandas' not in sys.modules; import landscape.figures; "
            "assert hasattr(sys.modules.get('pandas'), 'Series')")
    out = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
