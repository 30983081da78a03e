"""What a person waits for: a key press on the main control of every page until the page shows the new
result, in headless Chromium (software WebGL) at a projector's 1280x720, one user, one app process.

    python bench/ui_latency.py [--runs 8] [--pages outliers,optimisers] [--config runner.postScriptGC=false]

Each page is opened once (its first run is not timed), then the main control's slider gets ``--runs`` key
presses (ArrowRight, a new value each time, as a person stepping through values does); each press waits
until the page has been quiet for ``QUIET`` seconds.  Per press, measured in the page with
``performance.now()``:

- ``server``: from the key press to the last bytes the server sent for it, timed by a TCP relay
  between the browser and the server (the page's own message handler, and Chromium's DevTools frame
  events too, run on the page's main thread and wait while it draws): the script's run, the post-run GC
  and the transfer;
- ``shown``: from the key down to the last thing the page did for it: a DOM change in the main area, a
  Plotly ``afterplot``, the end of a long task (drawing, WebGL) or of a frame that came late;
- ``browser`` = shown - server: what the browser spent drawing after the server was done.

The table gives the median of each; the last line is one JSON object with every figure.
``--config name=value`` passes a Streamlit option to the server (e.g. to compare the post-run GC).
"""
from __future__ import annotations

import argparse
import os
import select
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, table  # noqa: E402
from conftest import CHROMIUM_FLAGS, Server, chromium_path  # noqa: E402
from e2e import open_page  # noqa: E402

VIEWPORT = {"width": 1280, "height": 720}
QUIET = 1.5  # seconds without any activity that end a measurement
TIMEOUT = 60.0

# page title, URL path, slider key (UrlState: "<page>_<name>"), what it is, charts drawn on the page
PAGES = [
    ("Loss surface", "loss_surface", "surface_res", "resolution", 2),
    ("Outliers", "outliers", "outliers_count", "outlier count", 5),
    ("Loss functions", "loss_functions", "gallery_span", "range of r", 2),
    ("Classification", "classification", "classify_pos_weight", "pos_weight", 5),
    ("Distributions", "distributions", "dist_sep", "separation", 4),
    ("Optimisers", "optimisers", "optim_b", "Rosenbrock b", 2),
    ("Neural landscape", "neural_landscape", "nn_res", "plane resolution", 3),
    ("Overfitting", "overfitting", "fit_degree", "degree drawn", 4),
]

# Installed before the app's own scripts: time stamps of key presses and websocket messages.
PROBE = """
(() => {
  const lat = window.__lat = {t0: 0, ws: 0, dom: 0, plot: 0, long: 0, frame: 0, messages: 0};
  const Original = window.WebSocket;
  class Timed extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { lat.ws = performance.now(); lat.messages += 1; });
    }
  }
  window.WebSocket = Timed;
  document.addEventListener('keydown', () => { lat.t0 = performance.now(); }, true);
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) lat.long = Math.max(lat.long, e.startTime + e.duration);
  }).observe({type: 'longtask', buffered: false});
})();
"""

# After the page is open: DOM changes in the main area and every chart's afterplot.
WATCH = """
() => {
  const lat = window.__lat;
  const main = document.querySelector('[data-testid="stMain"]');
  new MutationObserver(() => { lat.dom = performance.now(); })
    .observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
  const hook = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (!gd.__timed && gd.on) { gd.on('plotly_afterplot', () => { lat.plot = performance.now(); }); gd.__timed = true; }
    }
  };
  hook();
  setInterval(hook, 50);
}
"""


class Relay:
    """A TCP relay on a free loopback port in front of ``port``; ``sent`` holds the ``time.monotonic()`` of
    every chunk the server sent to the browser."""

    def __init__(self, port: int):
        self.upstream = port
        self.sent: list[float] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        with client, server:
            while True:
                ready, _, _ = select.select([client, server], [], [])
                for source in ready:
                    chunk = source.recv(1 << 16)
                    if not chunk:
                        return
                    if source is server:
                        self.sent.append(time.monotonic())
                    (client if source is server else server).sendall(chunk)

    def close(self) -> None:
        self.listener.close()


def press(page, key: str, frames: list[float]) -> dict:
    """One key press on the slider ``key``; the times in seconds once the page has been quiet.
    ``frames``: when the server sent each chunk (``Relay.sent``)."""
    slider = page.locator(f".st-key-{key} input[type=range]")
    slider.focus()
    page.evaluate("() => { const l = window.__lat; l.t0 = 0; l.messages = 0; }")
    frames.clear()
    pressed = time.monotonic()
    page.keyboard.press("ArrowRight")
    deadline = pressed + TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(0.1)
        lat = page.evaluate("() => ({...window.__lat, now: performance.now()})")
        last = max(lat["ws"], lat["dom"], lat["plot"], lat["long"], lat["frame"])
        if lat["t0"] and frames and lat["now"] - last > QUIET * 1000 and time.monotonic() - frames[-1] > QUIET:
            return {"server": frames[-1] - pressed, "shown": (last - lat["t0"]) / 1000}
    raise TimeoutError(f"{key}: the page did not settle in {TIMEOUT:.0f} s")


def measure(browser, relay: Relay, path: str, key: str, runs: int, charts: int) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(PROBE)
    frames = relay.sent
    try:
        open_page(page, f"{relay.url}/{path}", plots=charts)
        page.evaluate(WATCH)
        press(page, key, frames)  # the first press may compile or warm caches: not counted
        times = [press(page, key, frames) for _ in range(runs)]
    finally:
        context.close()
    server = statistics.median(t["server"] for t in times)
    shown = statistics.median(t["shown"] for t in times)
    return {"server_s": server, "shown_s": shown, "browser_s": shown - server,
            "shown_max_s": max(t["shown"] for t in times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--pages", default="", help="comma-separated URL paths (default: every page)")
    parser.add_argument("--config", action="append", default=[], help="a Streamlit option, name=value")
    args = parser.parse_args()
    wanted = set(filter(None, args.pages.split(",")))
    pages = [p for p in PAGES if not wanted or p[1] in wanted]
    for option in args.config:  # Streamlit reads STREAMLIT_<SECTION>_<OPTION> from the environment
        name, _, value = option.partition("=")
        section, _, key = name.partition(".")
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
        os.environ[f"STREAMLIT_{section.upper()}_{snake.upper()}"] = value

    from playwright.sync_api import sync_playwright

    server = Server()
    relay = Relay(server.port)
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            for title, path, key, what, charts in pages:
                results[path] = measure(browser, relay, path, key, args.runs, charts) | {"control": what}
            browser.close()
    finally:
        relay.close()
        server.stop()
    print(f"Key press on each page's main control until the page shows the result: median of {args.runs}, "
          f"headless Chromium (software WebGL) at {VIEWPORT['width']}x{VIEWPORT['height']}, one user"
          + (f", {' '.join(args.config)}" if args.config else "") + "\n")
    table([(title, what, f"{results[path]['shown_s']:.2f}", f"{results[path]['server_s']:.2f}",
            f"{results[path]['browser_s']:.2f}", f"{results[path]['shown_max_s']:.2f}")
           for title, path, _, what, _ in pages],
          ("page", "control", "shown s", "server s", "browser s", "slowest s"))
    emit({"runs": args.runs, "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}", "config": args.config,
          **{f"{path}_{k}": v for path, r in results.items() for k, v in r.items() if k != "control"}})


if __name__ == "__main__":
    main()
