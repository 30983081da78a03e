#!/usr/bin/env python3
"""``make serve``: the app for a class, on every core, in the foreground.

One command starts, in this order, and stops on SIGTERM, SIGINT (Ctrl-C) or SIGHUP, in reverse order:

1. a Dask distributed scheduler and local worker processes on loopback (``--dask-workers`` workers x
   1 thread x 1 torch thread, never more than the cores), or none when ``--dask`` names a running
   scheduler (checked with a TCP connect first) or ``--dask none``;
2. ``--apps`` Streamlit processes of ``app.py`` on free loopback ports, each given the scheduler's
   address in ``LANDSCAPE_DASK``, one ``cookieSecret`` shared by all of them
   (``STREAMLIT_SERVER_COOKIE_SECRET``; generated per run unless already set) and no post-run
   ``gc.collect()`` (``STREAMLIT_RUNNER_POST_SCRIPT_GC=false``: 170 ms of GIL per run with torch);
3. HAProxy (Debian's package) on ``--address:--port`` with ``deploy/haproxy.cfg``, the same file
   that deploy/compose.yaml uses: websocket upgrade, long tunnel timeouts, active health checks
   of every app's ``/_stcore/health`` and cookie-sticky sessions (cookie ``lle_app``).

It prints ``ready`` only when every app answers through the proxy under its own sticky cookie.
Bad input (a port in use, no HAProxy, an unreachable scheduler, a count that is not a positive
number) is refused before anything starts, with a message and exit status 2; anything that fails
while starting stops what was started, with the failed part's log, and exit status 1.

While serving: an app process that dies is reported and restarted on its port (HAProxy's health
check takes it out meanwhile and brings it back; its students reconnect to another app with a new
session); more than 3 restarts of one app within 5 minutes, or the death of the proxy, the
scheduler or the workers, stops everything with exit status 1.  Every child runs in its own
process group, which is what the stop signals (SIGTERM, then SIGKILL after 10 s), so no grandchild
(Dask's worker processes) is left behind; each child also gets SIGTERM if this supervisor is
killed outright (``PR_SET_PDEATHSIG``).  Logs go to a temporary folder that is removed after a
clean stop and kept (and named) after a failure.
"""
from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from children import (ROOT, BadInput, Child, check_port_free, connects, cores, count,  # deploy/children.py
                      dask_address, find_proxy, free_port, group_members, http_get, listen_address, port_number)

PROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
MAX_APPS = 16              # the servers deploy/haproxy.cfg lists
COOKIE = "lle_app"         # the sticky cookie HAProxy inserts (deploy/haproxy.cfg)
STOP_GRACE = 10.0          # seconds between SIGTERM and SIGKILL
RESTARTS = (3, 300.0)      # at most 3 restarts of one app within 300 s
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
ARENAS = 2                 # glibc heaps per process from its start (landscape.runtime.ARENAS: memory after a class)
# Dask's own records, which grew with every class in the scheduler and workers (bench/load.py --waves):
# - the statistical profiler, off: it samples a worker's task every 10 ms and keeps each second's call tree
#   for 1,000 s (25-50 kB a busy second of training, ~5 MB a wave), and the sampling takes the task's GIL;
# - the logs kept for debugging, 100 entries instead of 1,000: among them the last messages to each worker,
#   every task with its arguments.
DASK_SETTINGS = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
                 "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": "100"}
FORCE_AFTER = 1.0          # a second stop signal this long after the first: kill at once (not `make`'s echo)


class Failed(Exception):
    """Something started failed (exit status 1); everything is stopped."""


class Interrupted(Exception):
    """A stop signal arrived."""


def say(text: str) -> None:
    print(f"serve: {text}", flush=True)


# ---- the supervisor ----------------------------------------------------------------------------

@dataclass
class Options:
    apps: int
    port: int
    address: str
    family: int
    dask: str | None            # None: local scheduler and workers; "none": no Dask
    dask_workers: int
    proxy: str
    start_timeout: float


def parse(argv: list[str]) -> Options:
    p = argparse.ArgumentParser(prog="deploy/serve.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--apps", help=f"app processes (default: one per core, at most {MAX_APPS})")
    p.add_argument("--port", default="8501", help="the port students connect to (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="where to listen (0.0.0.0: every interface)")
    p.add_argument("--dask", help="a running scheduler (tcp://host:8786): no local one; 'none': no Dask")
    p.add_argument("--dask-workers", help="local Dask worker processes, 1 thread each (default: one per core)")
    p.add_argument("--proxy", default=os.environ.get("HAPROXY"), help="the haproxy executable")
    p.add_argument("--start-timeout", type=float, default=120.0, help="seconds for each part to start")
    a = p.parse_args(argv)

    n_cores = cores()
    apps = count(a.apps, "APPS", min(n_cores, MAX_APPS))
    if apps > MAX_APPS:
        raise BadInput(f"APPS={apps}: at most {MAX_APPS} app processes on one machine"
                       f" (deploy/haproxy.cfg lists {MAX_APPS}); for more, add machines")
    workers = count(a.dask_workers, "DASK_WORKERS", n_cores)
    if workers > n_cores:
        raise BadInput(f"DASK_WORKERS={workers}: more than the {n_cores} cores of this machine"
                       f" (each worker runs 1 thread of 1 torch thread)")
    port = port_number(a.port)
    family, host = listen_address(a.address, port)
    proxy = find_proxy(a.proxy)
    dask = a.dask.strip() if a.dask else None
    if dask and dask.lower() in ("none", "off", "no"):
        dask = "none"
    elif dask:
        dask = dask_address(dask)
    elif importlib.util.find_spec("distributed") is None:
        raise BadInput("Dask distributed is not installed in this Python: `make serve` installs it"
                       " (pip install -e '.[serve]'); or DASK=none to compute in the app processes")
    check_port_free(family, host, port)
    return Options(apps, port, host, family, dask, workers, proxy, a.start_timeout)


class Supervisor:
    def __init__(self, opts: Options):
        self.opts = opts
        self.children: list[Child] = []
        self.signals: list[tuple[int, float]] = []  # (signal, time.monotonic())
        self.run_dir: Path | None = None
        self.scheduler = ""

    # -- signals --
    def on_signal(self, signum: int, _frame) -> None:
        self.signals.append((signum, time.monotonic()))

    def check_signal(self) -> None:
        if self.signals:
            raise Interrupted(signal.Signals(self.signals[0][0]).name)

    def forced(self) -> bool:
        """A second stop signal, not the copy `make` forwards with the first: stop waiting, kill."""
        return any(t - self.signals[0][1] > FORCE_AFTER for _, t in self.signals[1:])

    # -- waiting --
    def wait(self, ready: Callable[[], bool], what: str, watch: list[Child], timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.opts.start_timeout)
        while True:
            self.check_signal()
            for child in watch:
                code = child.exited()
                if code is not None:
                    raise Failed(f"{child.name} exited with status {code} while {what}:\n{child.tail()}")
            if ready():
                return
            if time.monotonic() > deadline:
                tails = "\n".join(f"  {c.name}:\n{c.tail()}" for c in watch)
                raise Failed(f"timed out after {timeout or self.opts.start_timeout:g} s {what}\n{tails}")
            time.sleep(0.2)

    # -- starting --
    def spawn(self, name: str, kind: str, argv: list[str], env: dict[str, str], port: int | None = None) -> Child:
        assert self.run_dir is not None
        child = Child(name, kind, argv, env, self.run_dir / f"{name}.log", port)
        child.start()
        self.children.append(child)
        return child

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        env["MALLOC_ARENA_MAX"] = str(ARENAS)
        return env

    def start(self) -> None:
        o = self.opts
        self.run_dir = Path(tempfile.mkdtemp(prefix="lle-serve-"))
        py = sys.executable
        secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)

        # 1. Dask
        waiting_for_workers: Child | None = None
        if o.dask is None:
            port = free_port()
            self.scheduler = f"tcp://127.0.0.1:{port}"
            sched = self.spawn("dask-scheduler", "scheduler",
                               [py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                "--port", str(port), "--no-dashboard",
                                "--preload", str(ROOT / "landscape" / "scheduler_setup.py")],
                               self.base_env() | DASK_SETTINGS, port)
            self.wait(lambda: connects("127.0.0.1", port), "starting the Dask scheduler", [sched])
            env = self.base_env() | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                                     "OPENBLAS_NUM_THREADS": "1", "LANDSCAPE_THREADS": "1"} | DASK_SETTINGS
            workers = self.spawn("dask-workers", "workers",
                                 [py, "-m", "distributed.cli.dask_worker", self.scheduler,
                                  "--host", "127.0.0.1", "--nworkers", str(o.dask_workers), "--nthreads", "1",
                                  "--no-dashboard", "--death-timeout", "60", "--name", "worker",
                                  "--preload", str(ROOT / "landscape" / "worker_role.py"),
                                  "--local-directory", str(self.run_dir / "dask")], env)
            waiting_for_workers = self.spawn(
                "dask-wait", "helper",
                [py, "-c", "import sys; from distributed import Client; c = Client(sys.argv[1], timeout='30s');"
                 " c.wait_for_workers(int(sys.argv[2]), timeout=float(sys.argv[3])); c.close()",
                 self.scheduler, str(o.dask_workers), str(o.start_timeout)], self.base_env())
            say(f"Dask scheduler {self.scheduler} (pid {sched.pid}), {o.dask_workers} local workers x 1 thread"
                f" (pid {workers.pid})")
        elif o.dask != "none":
            self.scheduler = o.dask
            say(f"Dask scheduler {self.scheduler} (given, reachable)")

        # 2. the apps
        app_env = self.base_env() | {"STREAMLIT_SERVER_COOKIE_SECRET": secret,
                                     "STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"}
        if self.scheduler:
            app_env["LANDSCAPE_DASK"] = self.scheduler
        else:
            app_env.pop("LANDSCAPE_DASK", None)
        apps = []
        for i in range(1, o.apps + 1):
            port = free_port()
            apps.append(self.spawn(f"app{i}", "app",
                                   [py, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                                    "--server.port", str(port), "--server.headless", "true"],
                                   app_env | {"LANDSCAPE_APP": f"app{i}"}, port))
        watch = [c for c in self.children if c.kind in ("scheduler", "workers", "app")]
        if waiting_for_workers is not None:
            helper = waiting_for_workers
            self.wait(lambda: helper.exited() is not None, f"waiting for {o.dask_workers} Dask workers", watch)
            if helper.exited() != 0:
                raise Failed(f"the Dask workers did not join the scheduler:\n{helper.tail()}\n"
                             f"  dask-workers:\n{self.child('dask-workers').tail()}")
            self.children.remove(helper)
        for app in apps:
            self.wait(lambda app=app: http_get(f"http://127.0.0.1:{app.port}/_stcore/health")[0] == 200,
                      f"starting {app.name}", watch)
            say(f"{app.name} http://127.0.0.1:{app.port} (pid {app.pid}) ready")

        # 3. the proxy
        bind = f"{o.address}:{o.port}" if o.family == socket.AF_INET else f"[{o.address}]:{o.port}"
        env = self.base_env() | {"LLE_BIND": bind}
        env = {k: v for k, v in env.items() if not k.startswith("LLE_APP_") and k != "LLE_RESOLVER"}
        env |= {f"LLE_APP_{i}": f"127.0.0.1:{app.port}" for i, app in enumerate(apps, 1)}
        check = subprocess.run([o.proxy, "-c", "-q", "-f", str(PROXY_CONFIG)], env=env, capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            raise Failed(f"{o.proxy} rejects {PROXY_CONFIG} (HAProxy >= 2.4 is needed):\n"
                         f"{(check.stdout + check.stderr).strip()}")
        proxy = self.spawn("haproxy", "proxy", [o.proxy, "-db", "-f", str(PROXY_CONFIG)], env)
        probe = self.probe_host()
        base = f"http://{probe}:{o.port}"
        self.wait(lambda: http_get(base + "/_stcore/health")[0] == 200, "starting HAProxy", watch + [proxy])
        for app in apps:  # every app answers through the proxy under its own sticky cookie
            self.wait(lambda app=app: http_get(base + "/_stcore/health", f"{COOKIE}={app.name}")[1]
                      .get("x-upstream") == app.name, f"reaching {app.name} through HAProxy", watch + [proxy])
        say(f"HAProxy (pid {proxy.pid}) -> {len(apps)} app{'s' if len(apps) > 1 else ''}, sticky cookie {COOKIE}, health checks every 2 s")
        shown = "every address of this machine" if ipaddress.ip_address(o.address).is_unspecified else ""
        say(f"ready: http://{probe if shown else _url_host(o.address)}:{o.port}/"
            + (f" ({shown})" if shown else "") + f"  logs: {self.run_dir}  Ctrl-C stops everything")

    def probe_host(self) -> str:
        a = ipaddress.ip_address(self.opts.address)
        if a.is_unspecified:
            return "127.0.0.1" if a.version == 4 else "[::1]"
        return _url_host(self.opts.address)

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    # -- serving --
    def serve(self) -> None:
        while True:
            self.check_signal()
            for child in self.children:
                code = child.exited()
                if code is not None and child.kind == "app":
                    self.restart(child, code)
                elif code is not None:
                    raise Failed(f"{child.name} (pid {child.pid}) exited with status {code}:\n{child.tail()}")
                elif child.waiting and http_get(f"http://127.0.0.1:{child.port}/_stcore/health",
                                                timeout=0.5)[0] == 200:
                    child.waiting = False
                    say(f"{child.name} (pid {child.pid}) is back")
            time.sleep(0.25)

    def restart(self, child: Child, code: int) -> None:
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < RESTARTS[1]] + [now]
        reason = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        if len(child.restarts) > RESTARTS[0]:
            raise Failed(f"{child.name} {reason}, its {len(child.restarts)}th end within {RESTARTS[1]:g} s:"
                         f" giving up\n{child.tail()}")
        self.kill_group(child, signal.SIGKILL)  # anything it left in its group
        say(f"{child.name} (pid {child.pid}) {reason}; restarting it on port {child.port}"
            f" (its students get a new session on another app)\n{child.tail(5)}")
        child.start()
        child.waiting = True

    # -- stopping --
    def kill_group(self, child: Child, sig: int) -> None:
        if child.proc is None:
            return
        try:
            os.killpg(child.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        """Stop every child, proxy first and scheduler last: SIGTERM to its group, SIGKILL after the grace."""
        for kinds in (("proxy", "helper"), ("app",), ("workers",), ("scheduler",)):
            group = [c for c in self.children if c.kind in kinds and c.proc is not None]
            for c in group:
                self.kill_group(c, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE
            while time.monotonic() < deadline and not self.forced():
                if all(c.exited() is not None and not group_members(c.proc.pid) for c in group):
                    break
                time.sleep(0.1)
            for c in group:
                if c.exited() is None or group_members(c.proc.pid):
                    say(f"{c.name} (pid {c.pid}) did not stop within {STOP_GRACE:g} s: killing it")
                    self.kill_group(c, signal.SIGKILL)
                    c.proc.wait()


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def main(argv: list[str] | None = None) -> int:
    sup: Supervisor | None = None
    signals: list[tuple[int, float]] = []
    for s in SIGNALS:  # a signal during the checks is seen too
        signal.signal(s, lambda signum, _f: signals.append((signum, time.monotonic())))
    try:
        opts = parse(sys.argv[1:] if argv is None else argv)
        if signals:
            return 0
        sup = Supervisor(opts)
        sup.signals = signals
        for s in SIGNALS:
            signal.signal(s, sup.on_signal)
        sup.start()
        sup.serve()
    except BadInput as err:
        print(f"serve: {err}", file=sys.stderr, flush=True)
        return 2
    except Interrupted as why:
        say(f"{why}: stopping everything")
        code = 0
    except Failed as err:
        print(f"serve: {err}", file=sys.stderr, flush=True)
        code = 1
    except BaseException:
        code = 1
        if sup is not None:
            sup.stop()
        raise
    assert sup is not None
    sup.stop()
    if sup.run_dir is not None:
        if code == 0:
            shutil.rmtree(sup.run_dir, ignore_errors=True)
        else:
            print(f"serve: logs kept in {sup.run_dir}", file=sys.stderr, flush=True)
    say("stopped" if code == 0 else "stopped after a failure")
    return code


if __name__ == "__main__":
    sys.exit(main())
