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
import ctypes
import errno
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
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


class BadInput(Exception):
    """Refused before anything started (exit status 2)."""


class Failed(Exception):
    """Something started failed (exit status 1); everything is stopped."""


class Interrupted(Exception):
    """A stop signal arrived."""


def say(text: str) -> None:
    print(f"serve: {text}", flush=True)


# ---- input -------------------------------------------------------------------------------------

def cores() -> int:
    return len(os.sched_getaffinity(0))


def count(text: str | None, what: str, default: int) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip().lstrip("+"):
        raise BadInput(f"{what}={text!r}: must be a positive whole number")
    return value


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise BadInput(f"PORT={text!r}: must be a whole number from 1 to 65535")
    return port


def listen_address(address: str, port: int) -> tuple[int, str]:
    """(family, numeric address) for ``address``; BadInput when it cannot be listened on."""
    try:
        infos = socket.getaddrinfo(address or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise BadInput(f"ADDRESS={address!r}: not an address of this machine ({err.strerror})") from None
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr[0]


def check_port_free(family: int, host: str, port: int) -> None:
    """Bind and listen as the proxy will (SO_REUSEADDR): a listener already there makes this fail."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen(1)
        except OSError as err:
            where = f"{host}:{port}" if family == socket.AF_INET else f"[{host}]:{port}"
            if err.errno == errno.EADDRINUSE:
                raise BadInput(f"port {port} is in use on {host} (another `make serve` or `make app`?"
                               f" `ss -ltnp 'sport = :{port}'` shows what listens there); choose another"
                               f" with PORT=...") from None
            if err.errno == errno.EACCES:
                raise BadInput(f"cannot listen on {where}: permission denied (ports below 1024 need root"
                               f" or CAP_NET_BIND_SERVICE)") from None
            if err.errno == errno.EADDRNOTAVAIL:
                raise BadInput(f"ADDRESS={host!r} is not an address of this machine") from None
            raise BadInput(f"cannot listen on {where}: {err.strerror}") from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_proxy(given: str | None) -> str:
    if given:
        path = shutil.which(given)
        if not path:
            raise BadInput(f"HAPROXY={given!r}: no such executable; `make serve` installs Debian's haproxy")
        return path
    for candidate in (shutil.which("haproxy"), "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BadInput("HAProxy is not installed (looked on PATH and in /usr/sbin): `make serve` installs"
                   " Debian's haproxy with apt-get; or set HAPROXY=/path/to/haproxy")


def dask_address(text: str, timeout: float = 3.0) -> str:
    """A running scheduler's address, normalised to ``tcp://host:port``, after a TCP connect to it."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in ("tcp", "tls"):
        raise BadInput(f"DASK={text!r}: give a scheduler address like tcp://host:8786")
    parsed = urllib.parse.urlsplit(f"//{rest}")
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        host, port = None, None
    if not host or not port or parsed.path:
        raise BadInput(f"DASK={text!r}: give a scheduler address like tcp://host:8786")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as err:
        reason = "no answer" if isinstance(err, TimeoutError) else (err.strerror or str(err))
        raise BadInput(f"cannot reach the Dask scheduler at {scheme}://{host}:{port} ({reason} within"
                       f" {timeout:g} s); start it first, or leave DASK unset for local workers") from None
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"{scheme}://{netloc}"


# ---- children ----------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _in_child() -> None:
    """Runs in each child between fork and exec: end with the supervisor, even if it is killed."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    kind: str  # "scheduler", "workers", "app", "proxy", "helper"
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    proc: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)
    waiting: bool = False  # restarted, not yet healthy again

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_in_child)

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else -1

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").rstrip().splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join("    " + line for line in text)


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies excluded)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def http_get(url: str, cookie: str | None = None, timeout: float = 2.0) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, {}
    except OSError:
        return 0, {}


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
            self.wait(lambda: _connects("127.0.0.1", port), "starting the Dask scheduler", [sched])
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


def _connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


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
