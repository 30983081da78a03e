"""The pieces of ``make serve`` below its supervisor (deploy/serve.py): checking the input, and the child processes.

Input: the counts, the port and address to listen on (free, allowed), the HAProxy executable and a
running Dask scheduler are checked before anything starts; each check raises ``BadInput`` with the
message the user sees (exit status 2).
Children: ``Child`` starts one process in its own process group, with its output in a log file, ended
with the supervisor even if that is killed outright (``PR_SET_PDEATHSIG``); ``group_members`` lists
what is left of a group (what stopping waits for); ``free_port`` picks a loopback port for a child;
``http_get`` and ``connects`` probe a child's port.
"""
from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BadInput(Exception):
    """Refused before anything started (exit status 2)."""


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


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
