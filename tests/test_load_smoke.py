"""bench/load.py in small: two simulated students for 10 s against the test server (issue 13, item 4).

Seed 7 sends the first student to the Neural landscape page (a training visit: the form's Train button)
and the second to Outliers, so the training path of the bench runs too; short thoughts (0.2-0.5 s) leave
time for it on a busy machine (each page is opened once before the 10 s, by the bench's warm-up).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from class_tabs import Failures, Person
from procs import busy_cores

ROOT = Path(__file__).resolve().parent.parent
LEVEL_KEYS = {"students", "seconds", "elapsed", "visits", "runs", "runs_per_s", "timeouts", "dropped",
              "client_failures", "exceptions", "error_alerts", "first_load", "interaction", "train", "pages",
              "processes", "cpu_cores_mean", "cpu_cores_peak", "client_cpu_cores"}
STATS_KEYS = {"n", "p50", "p95", "max", "timeouts", "runs_with_exceptions", "runs_with_errors"}


@pytest.mark.timeout(150)
def test_two_students_for_ten_seconds(server):
    out = subprocess.run(
        [sys.executable, "bench/load.py", "--url", server.url, "--pids", str(server.proc.pid), "--students", "2",
         "--seconds", "10", "--seed", "7", "--think", "0.2,0.5", "--sample", "0.5", "--settle", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=140, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert "first_load" in out.stdout and "all pages" in out.stdout  # the table came before the JSON
    result = json.loads(lines[-1])
    assert result["bench"] == "load" and result["settings"]["students"] == [2]
    assert 0 <= result["settings"]["busy_cores_at_start"] <= result["settings"]["cores"]
    (target,) = result["targets"]
    assert target["target"] == "url" and target["pids"] == [server.proc.pid]
    (level,) = target["levels"]
    assert LEVEL_KEYS <= set(level), LEVEL_KEYS - set(level)
    for kind in ("first_load", "interaction", "train"):
        assert STATS_KEYS <= set(level[kind])
    assert level["timeouts"] == level["exceptions"] == level["dropped"] == level["client_failures"] == 0, (
        level.get("examples"))
    assert level["first_load"]["n"] == level["visits"] >= 2
    assert level["interaction"]["n"] >= 1 and level["runs_per_s"] > 0
    assert set(level["pages"]) == {"loss_surface", "optimisers", "outliers", "neural_landscape"}
    neural = level["pages"]["neural_landscape"]
    assert neural["first_load"]["n"] >= 1
    if neural["first_load"]["max"] < 8:  # else the 10 s were over before Train (a cold server on a busy machine)
        assert neural["train"]["n"] >= 1 and level["train"]["n"] == neural["train"]["n"]
    server_process = level["processes"][str(server.proc.pid)]
    assert server_process["rss_mb_peak"] >= server_process["rss_mb_start"] > 50
    assert level["cpu_cores_mean"] > 0


@pytest.mark.timeout(150)
def test_two_waves_measure_memory_after_each_wave_and_after_each_idle_time(server):
    """bench/load.py --waves in small: each process's RSS at the end of each wave and after the idle time
    that follows it, and the growth of both from the first wave to the last (issue 13's memory goal)."""
    out = subprocess.run(
        [sys.executable, "bench/load.py", "--url", server.url, "--pids", str(server.proc.pid), "--waves", "2",
         "--wave-students", "1", "--seconds", "3", "--idle", "1", "--seed", "7", "--think", "0.2,0.5",
         "--sample", "0.5", "--settle", "2", "--no-warmup"],
        cwd=ROOT, capture_output=True, text=True, timeout=140, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "idle after each wave MB" in out.stdout
    waves = json.loads(out.stdout.strip().splitlines()[-1])["targets"][0]["waves"]
    assert len(waves["levels"]) == len(waves["rss_after_wave"]) == len(waves["rss_idle_after_wave"]) == 2
    server_process = waves["processes"][str(server.proc.pid)]
    assert len(server_process["after_wave_mb"]) == len(server_process["idle_after_wave_mb"]) == 2
    assert server_process["idle_growth_first_to_last_wave_mb"] == round(
        server_process["idle_after_wave_mb"][1] - server_process["idle_after_wave_mb"][0], 1)
    assert server_process["idle_mb"] == server_process["idle_after_wave_mb"][-1]


@pytest.mark.timeout(300)
def test_a_small_live_class_loses_no_answer_and_every_student_follows():
    """bench/load.py --class in small: a teacher and four students over the protocol, two steps, on a server the
    bench starts with a class database of its own; the students' periodic checks are driven as a browser does."""
    out = subprocess.run(
        [sys.executable, "bench/load.py", "--class", "--app", "--class-students", "4", "--class-steps", "2",
         "--check-seconds", "3", "--answer-spread", "1", "--ramp", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "answer_to_count" in out.stdout and "answers lost" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["bench"] == "load" and result["scenario"] == "class"
    (target,) = result["targets"]
    lesson = target["class"]
    assert lesson["all_joined"] and lesson["failures"] == {}, lesson["examples"]
    assert lesson["answers_sent"] == 4 * 2 == lesson["answers_stored"] and lesson["answers_lost"] == 0
    assert lesson["db_counts"] == {"1": 4, "2": 4}
    assert lesson["students_not_following"] == 0
    assert lesson["step_to_students"]["n"] == 4 and lesson["reveal_to_students"]["n"] == 4 * 2
    assert lesson["answer_to_count"]["n"] == 8
    check = lesson["check"]
    assert check["student_checks"] > 0 and check["teacher_checks"] > 0 and check["steps_changed_meanwhile"] == 0


@pytest.mark.timeout(150)
def test_run_cost_measures_a_first_load_and_an_interaction(server):
    """bench/run_cost.py in small: one visit of the Loss surface page with one change, CPU-seconds of each."""
    out = subprocess.run(
        [sys.executable, "bench/run_cost.py", "--url", server.url, "--pid", str(server.proc.pid),
         "--pages", "loss_surface", "--visits", "1", "--interactions", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=140, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "CPU s/run mean" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    page = result["pages"]["loss_surface"]
    assert page["first_load"]["n"] == 1 and page["interaction"]["n"] == 1
    assert 0 < result["mix"]["first_load"] and 0 < result["mix"]["interaction"]


def test_a_stuck_tab_says_where_it_is():
    """A tab whose thread stops going round its loop is reported with where it waits (``Person.stalled``), so a
    student who "stopped following" because the bench's own tab was stuck is told from one the server left."""
    person, release = Person("http://127.0.0.1:9", Failures()), threading.Event()
    person.thread = threading.Thread(target=release.wait, daemon=True)
    person.thread.start()
    try:
        person.looped_at = time.monotonic()
        assert person.stalled(10) is None
        person.looped_at = time.monotonic() - 11
        assert "wait (threading.py" in person.stalled(10)
        person.stopped.set()
        assert person.stalled(10) is None
    finally:
        release.set()


def test_busy_cores_sees_a_process_spinning():
    """What the bench says about the machine before it starts: a process spinning on one core is at least half a
    core busy (more, if anything else runs meanwhile), and the machine never more than all its cores."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        assert 0.5 <= busy_cores(0.5) <= os.cpu_count()
    finally:
        spinner.kill()
        spinner.wait()
