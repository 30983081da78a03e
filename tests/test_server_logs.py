"""bench/load.py --serve keeps the server's logs when a run went wrong (bench/server_logs.py): deploy/serve.py
deletes its log folder when it stops, so the app logs and the supervisor's output are copied out first."""
from __future__ import annotations

import tempfile
from types import SimpleNamespace

import pytest
from server_logs import keep_server_logs, went_wrong

CLEAN_LEVEL = {"students": 2, "exceptions": 0, "timeouts": 0, "dropped": 0, "error_alerts": 3,
               "pages": {"outliers": {"first_load": {"timeouts": 0, "runs_with_exceptions": 0}}}}
CLEAN_CLASS = {"class": {"failures": {}, "answers_lost": 0, "check": {"checks": 40},
                         "verdicts": {"answers_lost": True, "check_cpu_ms": True}}}  # True: the goal holds


@pytest.fixture
def serve_target(tmp_path, monkeypatch):
    """A --serve target as bench/targets.py makes it: its supervisor's output names the apps' log folder.  The
    copies go to the test's own folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "lle-serve-x"
    folder.mkdir()
    (folder / "app0.log").write_text("app0 started\n")
    (folder / "app1.log").write_text("app1 started\n")
    (folder / "haproxy.log").write_text("not an app\n")
    log = tmp_path / "load-serve.log"
    log.write_text(f"serve: ready: http://127.0.0.1:1234/  logs: {folder}  Ctrl-C stops everything\n")
    return SimpleNamespace(log=SimpleNamespace(name=str(log))), folder


def test_what_counts_as_a_run_that_went_wrong():
    assert not went_wrong({"levels": [CLEAN_LEVEL]}) and not went_wrong(CLEAN_CLASS)  # error alerts: refusals
    assert went_wrong({"levels": [CLEAN_LEVEL, {**CLEAN_LEVEL, "exceptions": 1}]})
    assert went_wrong({"waves": {"levels": [{**CLEAN_LEVEL, "timeouts": 2}]}})
    assert went_wrong({"class": {**CLEAN_CLASS["class"], "failures": {"exception": 1}}})
    assert went_wrong({"class_with_browsing": {"answers_lost": 1}})


def test_logs_are_kept_when_the_run_went_wrong_or_raised(serve_target, capsys):
    target, folder = serve_target
    result = {"levels": [{**CLEAN_LEVEL, "exceptions": 2}]}
    kept = keep_server_logs(target, result)
    assert sorted(p.name for p in kept.iterdir()) == ["app0.log", "app1.log", "serve.log"]
    assert (kept / "app1.log").read_text() == "app1 started\n" and result["logs_kept"] == str(kept)
    assert kept.name.startswith("lle-load-logs-") and f"server logs kept in {kept}" in capsys.readouterr().out
    raised = keep_server_logs(target, None)  # the run raised: no result
    assert raised is not None and raised != kept and raised.parent == folder.parent


def test_logs_are_kept_when_an_app_log_holds_a_traceback(serve_target):
    target, folder = serve_target
    assert keep_server_logs(target, {"levels": [CLEAN_LEVEL]}) is None
    (folder / "app1.log").write_text("Traceback (most recent call last):\n  ...\nAttributeError: x\n")
    kept = keep_server_logs(target, {"levels": [CLEAN_LEVEL]})
    assert "AttributeError" in (kept / "app1.log").read_text()


def test_nothing_is_kept_for_a_target_without_a_supervisor_log(tmp_path):
    assert keep_server_logs(SimpleNamespace(url="http://127.0.0.1:1"), None) is None  # --app, --url
    log = tmp_path / "load-serve.log"
    log.write_text("serve: failed before ready\n")
    assert keep_server_logs(SimpleNamespace(log=SimpleNamespace(name=str(log))), None) is None
