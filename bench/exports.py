"""Exports for slides and offline rooms (issue 14, item 4), for each page's default view:

* each page's main figure as one standalone HTML file (plotly.js embedded): time and size (goal < 1 s, < 5 MiB:
  plotly.js alone is 4.82 MB, so the limit is read as 5 x 2^20 bytes);
* the numbers behind each page's main figure (CSV or NPZ): time and size (goal < 1 s);
* the optimiser race (default, 300 steps) as an animated GIF: time, frames and size (goal < 3 s);
* a whole lesson as one offline HTML file: time with its compute cached (as a page has it) and from cold.

Times are the export alone, from the view the page has already computed (the best of three); the figure's own
build is shown beside it.  Prints a table, then as its last line one JSON object with every figure.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import best_time, emit, table  # noqa: E402

from landscape import export, lessons  # noqa: E402
from landscape.figures import export as fx  # noqa: E402
from landscape.figures.steps import step_figure  # noqa: E402
from landscape.lessons import links  # noqa: E402
from landscape.lessons.compute import Memo  # noqa: E402

LESSON = "learning-rate-limit"
MB = 1e6


def main() -> None:
    torch.set_num_threads(1)
    memo = Memo(entries=64)
    rows, results = [], {}
    for page, spec in links.PAGES.items():
        inputs = links.check(page, {}).inputs
        figure = spec.figures[0]
        start = time.perf_counter()
        fig = step_figure(page, figure, inputs, memo)  # computes the view once (cold)
        built = time.perf_counter() - start
        html = fx.figure_html(fig, f"{spec.title}: {figure}")
        html_s = best_time(lambda: fx.figure_html(fig, figure))
        data = export.figure_data(page, figure, inputs, memo)
        data_s = best_time(lambda: export.figure_data(page, figure, inputs, memo))
        size = len(html.encode("utf-8"))
        rows.append((f"{page}: {figure} as HTML", f"{html_s:.3f}", f"{size / MB:.2f} MB", "< 1 s, < 5 MiB",
                     f"view + figure {built:.2f} s"))
        rows.append((f"{page}: {figure} as {data.filename.rsplit('.', 1)[1].upper()}", f"{data_s:.4f}",
                     f"{len(data.content) / 1e3:.1f} kB", "< 1 s", ""))
        results |= {f"{page}_html_s": html_s, f"{page}_html_bytes": size, f"{page}_data_s": data_s,
                    f"{page}_data_bytes": len(data.content), f"{page}_view_and_figure_s": built}
    race = links.check("optimisers", {}).inputs
    gif = fx.step_gif(race, memo)
    gif_s = best_time(lambda: fx.step_gif(race, memo))
    frames = Image.open(io.BytesIO(gif)).n_frames
    rows.append((f"optimisers: race as GIF ({race['steps']} steps, {frames} frames)", f"{gif_s:.3f}",
                 f"{len(gif) / MB:.2f} MB", "< 3 s", ""))
    lesson = lessons.get(LESSON)
    cold_memo = Memo(entries=64)
    start = time.perf_counter()
    page = fx.lesson_html(lesson, cold_memo)
    cold = time.perf_counter() - start
    warm = best_time(lambda: fx.lesson_html(lesson, cold_memo))
    rows.append((f"lesson {LESSON} ({len(lesson.steps)} steps) as HTML, compute cached", f"{warm:.3f}",
                 f"{len(page.encode()) / MB:.2f} MB", "< 1 s", f"from cold {cold:.2f} s"))
    results |= {"race_gif_s": gif_s, "race_gif_frames": frames, "race_gif_bytes": len(gif),
                "race_steps": int(race["steps"]), "lesson_html_s": warm, "lesson_html_cold_s": cold,
                "lesson_html_bytes": len(page.encode()), "lesson_steps": len(lesson.steps),
                "html_limit_bytes": fx.MAX_HTML_BYTES, "torch_threads": torch.get_num_threads()}
    print(f"Exports of each page's default view (the export alone; best of 3), torch threads = "
          f"{torch.get_num_threads()}\n")
    table(rows, ("export", "seconds", "size", "goal", "note"))
    html_times = [results[f"{p}_html_s"] for p in links.PAGES]
    sizes = [results[f"{p}_html_bytes"] for p in links.PAGES]
    print(f"\nstandalone HTML: slowest {max(html_times):.3f} s, largest {max(sizes) / MB:.2f} MB "
          f"({max(sizes) / 2**20:.2f} MiB; limit {fx.MAX_HTML_BYTES / 2**20:.0f} MiB, plotly.js alone "
          f"{len(fx._plotly_js()) / MB:.2f} MB)")
    emit(results)


if __name__ == "__main__":
    main()
