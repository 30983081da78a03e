"""`make serve` (deploy/serve.py) refuses bad input before anything starts (a message, exit status 2), stops
what it started when a part fails late, and its deployment kit (compose, HAProxy config, Dockerfile) holds
together without a docker engine."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from serving import DEPLOY, ROOT, Served, cmdline, free_port, haproxy, tagged


# ---- bad input: a message, a non-zero exit, nothing started ----------------------------------------

def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


BAD = [
    pytest.param(["--apps", "0"], {}, "APPS='0': must be a positive whole number", id="apps-zero"),
    pytest.param(["--apps", "-3"], {}, "APPS='-3': must be a positive whole number", id="apps-negative"),
    pytest.param(["--apps", "two"], {}, "APPS='two': must be a positive whole number", id="apps-text"),
    pytest.param(["--apps", "1.5"], {}, "APPS='1.5': must be a positive whole number", id="apps-fraction"),
    pytest.param(["--apps", "17"], {}, "APPS=17: at most 16 app processes", id="apps-too-many"),
    pytest.param(["--dask-workers", "99"], {}, "DASK_WORKERS=99: more than the", id="workers-over-cores"),
    pytest.param(["--port", "http"], {}, "PORT='http': must be a whole number", id="port-text"),
    pytest.param(["--address", "no-such-host.invalid"], {}, "ADDRESS='no-such-host.invalid': not an address",
                 id="address-unknown"),
    pytest.param([], {"HAPROXY": "/nonexistent/haproxy"}, "HAPROXY='/nonexistent/haproxy': no such executable",
                 id="proxy-missing"),
    pytest.param(["--dask", "tcp://127.0.0.1:{closed}"], {},
                 r"cannot reach the Dask scheduler at tcp://127.0.0.1:{closed} \(Connection refused", id="dask-down"),
    pytest.param(["--dask", "http://example"], {}, "DASK='http://example': give a scheduler address like",
                 id="dask-not-an-address"),
    pytest.param(["--port", "{busy}"], {}, r"port {busy} is in use on 127.0.0.1", id="port-in-use"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args,env,message", BAD)
def test_bad_input_is_refused_before_anything_starts(args, env, message):
    haproxy()
    with _listener() as busy:
        ports = {"busy": busy.getsockname()[1], "closed": free_port()}
        args = [a.format(**ports) for a in args]
        port = None if "--port" in args else free_port()
        s = Served(*args, port=port, env=env)
        try:
            started = time.monotonic()
            assert s.finish(30) == 2, s.output
            assert time.monotonic() - started < 15
            assert re.search("serve: " + message.format(**ports), s.output), s.output
            assert "Traceback" not in s.output and "ready" not in s.output
            assert tagged(s.tag) == []
        finally:
            s.cleanup()


@pytest.mark.timeout(120)
def test_a_part_that_fails_late_stops_what_was_started(tmp_path):
    """The proxy's port is taken between the check and HAProxy's start (here: a HAProxy that cannot
    bind): the app that was already running is stopped too, the proxy's words are shown, status 1."""
    fake = tmp_path / "haproxy"
    fake.write_text(f'#!/bin/sh\n[ "$1" = -c ] && exec {haproxy()} "$@"\n'
                    'echo "[ALERT] (1) : Binding [deploy/haproxy.cfg:46] for frontend class: cannot bind socket"\n'
                    "exit 1\n")
    fake.chmod(0o755)
    s = Served("--apps", "1", "--dask", "none", env={"HAPROXY": str(fake)})
    try:
        s.wait_for(r"app1 http://127\.0\.0\.1:\d+ \(pid \d+\) ready", 60)
        assert s.finish(60) == 1, s.output
        assert "haproxy exited with status 1 while starting HAProxy" in s.output
        assert "cannot bind socket" in s.output and "serve: ready" not in s.output
        assert tagged(s.tag) == [], {pid: cmdline(pid) for pid in tagged(s.tag)}
        kept = re.search(r"logs kept in (\S+)", s.output)
        assert kept and Path(kept[1], "app1.log").exists()
        shutil.rmtree(kept[1], ignore_errors=True)
    finally:
        s.cleanup()


# ---- the deployment kit (no docker engine here: what can be checked without one) --------------------

def test_compose_file_uses_the_one_proxy_config_and_shares_one_cookie_secret():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    apps = sorted(name for name in services if re.fullmatch(r"app\d+", name))
    assert len(apps) >= 2 and {"proxy", "scheduler", "workers"} <= set(services)
    proxy = services["proxy"]
    assert any(v.startswith("./haproxy.cfg:") for v in proxy["volumes"])
    assert {proxy["environment"][f"LLE_APP_{i}"] for i in range(1, len(apps) + 1)} == {f"{a}:8501" for a in apps}
    secrets_ = {services[a]["environment"]["STREAMLIT_SERVER_COOKIE_SECRET"] for a in apps}
    assert len(secrets_) == 1 and "LLE_COOKIE_SECRET:?" in secrets_.pop()  # required, never a default
    for a in apps:
        env = services[a]["environment"]
        assert env["LANDSCAPE_DASK"] == "tcp://scheduler:8786" and env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false"
    assert "--nthreads 1" in " ".join(services["workers"]["command"])
    dask_settings = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False", "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": "100"}
    for part in ("scheduler", "workers"):  # as make serve (its DASK_SETTINGS)
        assert services[part]["environment"].items() >= dask_settings.items()
    assert "/app/landscape/scheduler_setup.py" in services["scheduler"]["command"]


def test_the_proxy_config_is_valid_for_make_serve_and_for_compose():
    base = {k: v for k, v in os.environ.items() if not k.startswith("LLE_")}
    for env in ({"LLE_BIND": "127.0.0.1:8501", "LLE_APP_1": "127.0.0.1:9001", "LLE_APP_2": "127.0.0.1:9002"},
                {"LLE_BIND": ":8080", "LLE_APP_1": "app1:8501", "LLE_APP_2": "app2:8501", "LLE_APP_3": "app3:8501",
                 "LLE_RESOLVER": "127.0.0.11:53"}):
        check = subprocess.run([haproxy(), "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=base | env,
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr


def test_dockerfile_class_config_and_streamlit_floor():
    docker = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", docker, re.M)
    users = re.findall(r"^USER (\S+)", docker, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*/_stcore/health", docker, re.M | re.S)
    assert docker.index("torch") < docker.index('".[serve]"')  # CPU torch first, then the app
    config = tomllib.loads((DEPLOY / "config.toml").read_text())
    server = config["server"]
    assert server["enableXsrfProtection"] and server["maxUploadSize"] <= 5 and server["allowedHosts"]
    assert "cookieSecret" not in server  # every replica gets the same one from its environment
    assert config["client"]["toolbarMode"] == "viewer" and config["browser"]["gatherUsageStats"] is False
    assert config["runner"]["postScriptGC"] is False
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = next(d for d in project["dependencies"] if d.startswith("streamlit"))
    m = re.search(r">=\s*(\d+)\.(\d+)", floor)
    assert m and (int(m[1]), int(m[2])) >= (1, 54), floor
    assert any(d.startswith("distributed") for d in project["optional-dependencies"]["serve"])
