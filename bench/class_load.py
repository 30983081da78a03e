"""bench/load.py's class scenario (issue 15): a teacher and N students in one live class.

    python bench/load.py --class [--serve | --app | --url URL --db DB] [--class-students 60] [--lesson NAME]
                         [--class-steps 3] [--check-seconds 10] [--answer-spread 3] [--browsing 30] [--db URL]

The bench starts the class through ``landscape.classroom`` on the server's own database (``--db``; for a server
it starts, a SQLite file in a temporary folder unless given, passed on as ``LANDSCAPE_DB``); the teacher's tab
opens the teacher link, every student's tab the join link, spread over ``--ramp`` seconds, all over the
websocket protocol (``class_tabs``), each keeping the page's periodic checks going as a browser does
(``live.LiveTab``).  Then, after an idle time, for each of ``--class-steps`` steps: every student answers (a
random choice, spread over ``--answer-spread`` seconds), the teacher presses Reveal once the count is complete
(or after 30 s), then Next.

Measured:

- ``answer_to_count``: from a student's answer going out to the first teacher count that includes it.  Which
  answers a count includes is read from the database: the ``n`` answers stored first (by their stored time)
  for a count of ``n``.  Goal p95 < 2 s.
- ``step_to_students`` and ``reveal_to_students``: from the teacher's press going out to each student's page
  showing the new step (its "Step n of m") or the reveal (the step's figure).  Goal p95 < 3 s.
- ``answers_lost``: answers sent minus answers in the database, per step (the database's own count, which
  counts a student once per step).  Goal 0.
- ``check``: over ``--check-seconds`` with nothing but the periodic checks going on (students' and the
  teacher's count), the server's CPU (every process of the target, from /proc) minus its idle CPU over as long
  before the class, divided by the checks sent.  Goal < 5 ms a check.
- ``--browsing N``: the class again, with N other students browsing the other pages as in the plain scenario
  (``levels.run_level``): the class figures beside those of the class alone (the CPU per check is not measured
  then), and the browsers' latencies.

A table, then one JSON line.
"""
from __future__ import annotations

import os
import random
import secrets
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from class_tabs import Failures, Person, Student, Teacher
from common import emit, table
from levels import each_target, run_level, stats, warm_up
from procs import HZ, process_tree, stat

GOALS = {"answer_to_count_p95": 2.0, "step_to_students_p95": 3.0, "reveal_to_students_p95": 3.0,
         "answers_lost": 0, "check_cpu_ms": 5.0}
WAIT = 30.0  # seconds the bench waits for a class event before it goes on (and counts what is missing)
STALL = 10.0  # a tab's thread that has not gone round its loop for this long is reported, with where it is


def add_arguments(p) -> None:
    p.add_argument("--class", dest="klass", action="store_true", help="the live class scenario (issue 15)")
    p.add_argument("--class-students", type=int, default=60, help="--class: students in the class (60)")
    p.add_argument("--lesson", default="confident-and-wrong", help="--class: the lesson the class plays")
    p.add_argument("--class-steps", type=int, default=3, help="--class: steps played (3; at most the lesson's)")
    p.add_argument("--check-seconds", type=float, default=10, help="--class: idle time measuring the checks (10)")
    p.add_argument("--answer-spread", type=float, default=3, help="--class: students answer within this, s (3)")
    p.add_argument("--browsing", type=int, default=0, help="--class: then again with N students browsing")
    p.add_argument("--db", help="--class: the class database (LANDSCAPE_DB of the server); a temporary SQLite "
                               "file for a server the bench starts")


def check_arguments(args, problems: list[str]) -> None:
    if not 1 <= args.class_students <= 1000:
        problems.append("--class-students must be 1 to 1000 (a class's limit)")
    if not 0 <= args.browsing <= 200 or not 1 <= args.class_steps <= 20:
        problems.append("--browsing must be 0 to 200, --class-steps 1 to 20")
    if not 1 <= args.check_seconds <= 600 or not 0 <= args.answer_spread <= 60:
        problems.append("--check-seconds must be 1 to 600, --answer-spread 0 to 60")
    if args.url and not args.db:
        problems.append("--class --url needs --db: the running server's class database")


# ---- one class, from start to end ------------------------------------------------------------------------

class ClassRun:
    """A class of ``n`` students on ``url``, played by the bench."""

    def __init__(self, url: str, db: str, n: int, args, cpu, rng: random.Random, idle_cores: float | None = 0.0):
        from landscape import classroom  # torch and the rest: only when a class is played

        self.url, self.db, self.n, self.args, self.cpu, self.rng = url, db, n, args, cpu, rng
        self.idle_cores = idle_cores
        self.room = classroom.Classroom(db)
        self.started = self.room.start_class(args.lesson, secrets.token_hex(8))
        self.steps = min(args.class_steps, len(self.room.lesson(self.started.class_id).steps))
        self.failures = Failures()
        self.teacher = Teacher(url, self.failures, args.timeout)
        self.students = [Student(url, self.failures, args.timeout) for _ in range(n)]
        self.presses: list[tuple[str, int, float]] = []  # (key, step it led to / revealed, when)
        self.reported: set[Person] = set()  # people whose stalled tab is reported already

    def play(self) -> dict:
        class_id, code, secret = self.started
        began = time.monotonic()
        self.teacher.launch(f"class={class_id}&teacher={secret}")
        for i, s in enumerate(self.students):
            s.launch(f"code={code}", self.args.ramp * i / self.n)
        try:
            joined = self._until(lambda: sum(1 in s.seen_step for s in self.students) == self.n
                                 and self.teacher.joined == self.n, WAIT + self.args.ramp + self.n * 0.5)
            out = {"students": self.n, "lesson": self.args.lesson, "steps": self.steps, "all_joined": joined,
                   "join_seconds": stats([s.seen_step[1] - s.opened_at for s in self.students if 1 in s.seen_step]),
                   "check": self.idle_checks()}
            for step in range(1, self.steps + 1):
                self.play_step(step)
            out.update(self.figures(secret))
        finally:
            for person in [self.teacher, *self.students]:
                person.stopped.set()
            for person in [self.teacher, *self.students]:
                person.stop()
            self._end(secret)
        out["seconds"] = round(time.monotonic() - began, 1)
        out["reconnects"] = sum(p.reconnects for p in [self.teacher, *self.students])
        out["failures"], out["examples"] = dict(self.failures.counts), dict(self.failures.examples)
        return out

    def idle_checks(self) -> dict:
        """Server CPU per periodic check, with nothing else going on (not measured when ``idle_cores`` is None:
        others use the server meanwhile)."""
        if self.idle_cores is None:
            return {"skipped": "other sessions use the server meanwhile", "cpu_ms_per_check": None}
        seconds = self.args.check_seconds
        sent0 = self._checks()
        full0 = sum(len(s.seen_step) for s in self.students)
        cpu0, t0 = self.cpu(), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = self.cpu(), time.monotonic()
        sent1 = self._checks()
        checks = sum(sent1) - sum(sent0)
        busy = cpu1 - cpu0 - self.idle_cores * (t1 - t0)
        return {"seconds": round(t1 - t0, 2), "checks": checks, "student_checks": sent1[0] - sent0[0],
                "teacher_checks": sent1[1] - sent0[1], "server_cpu_s": round(cpu1 - cpu0, 3),
                "idle_cpu_s": round(self.idle_cores * (t1 - t0), 3),
                "cpu_ms_per_check": round(1000 * busy / checks, 2) if checks else None,
                "steps_changed_meanwhile": sum(len(s.seen_step) for s in self.students) - full0}

    def _checks(self) -> tuple[int, int]:
        return sum(s.auto_reruns_sent for s in self.students), self.teacher.auto_reruns_sent

    def play_step(self, step: int) -> None:
        """Everyone answers ``step`` (1-based); the teacher reveals, then moves on."""
        choices = len(self.room.lesson(self.started.class_id).steps[step - 1].choices) or 1
        self._until(lambda: all(step in s.seen_step for s in self.students), WAIT)
        for s in self.students:
            delay = self.rng.uniform(0, self.args.answer_spread)
            choice = self.rng.randrange(choices)
            threading.Timer(delay, s.answer, (step, choice)).start()
        self._until(lambda: self.teacher.answered(step) >= self.n, WAIT + self.args.answer_spread)
        time.sleep(0.5)
        self._press("class_reveal", step)
        self._until(lambda: all(step in s.seen_reveal for s in self.students), WAIT)
        if step < self.steps:
            self._press("class_next", step + 1)

    def _press(self, key: str, step: int) -> None:
        before = len(self.teacher.pressed)
        self.teacher.press_key(key)
        self._until(lambda: len(self.teacher.pressed) > before, 10)
        if len(self.teacher.pressed) > before:
            self.presses.append((key, step, self.teacher.pressed[-1][1]))

    def figures(self, secret: str) -> dict:
        stored = self._stored()
        sent = {step: [(s.sent[step][0], id(s)) for s in self.students if step in s.sent]
                for step in range(1, self.steps + 1)}
        lost = {step: len(sent[step]) - len(stored.get(step, [])) for step in sent}
        db_counts = {step: self.room.counts(self.started.class_id, secret, step - 1).answered for step in sent}
        return {"answers_sent": sum(len(v) for v in sent.values()),
                "answers_stored": sum(len(v) for v in stored.values()),
                "answers_lost": sum(max(0, v) for v in lost.values()), "lost_by_step": lost, "db_counts": db_counts,
                "answers_confirmed": sum(step in s.confirmed for s in self.students for step in sent),
                "answer_to_count": stats(self._answer_latencies(stored)),
                "step_to_students": stats(self._arrivals("class_next", "seen_step")),
                "reveal_to_students": stats(self._arrivals("class_reveal", "seen_reveal")),
                "students_not_following": sum(any(step not in s.seen_step for step in sent) for s in self.students)}

    def _stored(self) -> dict[int, list[tuple[float, str]]]:
        """The database's answers of this class: step (1-based) -> [(stored at, student id)] in stored order."""
        from landscape.classroom import store

        engine = store.connect(store.resolve(self.db))
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.select(store.answers.c.step, store.answers.c.updated_at,
                                              store.answers.c.student_id)
                                    .where(store.answers.c.class_id == self.started.class_id)
                                    .order_by(store.answers.c.updated_at)).all()
        finally:
            engine.dispose()
        out: dict[int, list[tuple[float, str]]] = {}
        for step, at, student in rows:
            out.setdefault(step + 1, []).append((at, student))
        return out

    def _answer_latencies(self, stored: dict) -> list[float]:
        """For each answer sent: the first teacher count that includes it (the answers stored first make a count)
        minus when it went out.  Students are matched to their stored answers by the student id in their link."""
        latencies = []
        for step, rows in stored.items():
            sent = {s.query_param("student"): s.sent[step][0] for s in self.students if step in s.sent}
            readings = [(at, n) for at, shown, n in self.teacher.counts if shown == step]
            for rank, (_, student) in enumerate(rows, 1):
                if student not in sent:
                    continue
                seen = [at for at, n in readings if n >= rank and at >= sent[student]]
                latencies.append(min(seen) - sent[student] if seen else WAIT)
        return latencies

    def _arrivals(self, key: str, seen: str) -> list[float]:
        """For each press of ``key``: when each student's page showed its effect, from the press (a student who
        never saw it enters at the bench's wait: a lower bound)."""
        out = []
        for pressed, step, at in self.presses:
            if pressed == key:
                out.extend(getattr(s, seen).get(step, at + WAIT) - at for s in self.students)
        return out

    def _until(self, condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            self._watch()
            time.sleep(0.05)
        return True

    def _watch(self) -> None:
        """Report, once each, the tabs whose thread is stuck (a bench fault, not the server's)."""
        for person in [self.teacher, *self.students]:
            if person not in self.reported and (where := person.stalled(STALL)) is not None:
                self.reported.add(person)
                self.failures.add("tab stalled", f"{type(person).__name__}: {where}")

    def _end(self, secret: str) -> None:
        from landscape.classroom import Ended

        try:
            self.room.end_class(self.started.class_id, secret)
        except Ended:
            pass
        self.room.close()


def verdicts(result: dict) -> dict:
    """Each figure against its goal (True when it holds)."""
    check = result["check"]["cpu_ms_per_check"]
    return {"answer_to_count_p95": _under(result["answer_to_count"]["p95"], GOALS["answer_to_count_p95"]),
            "step_to_students_p95": _under(result["step_to_students"]["p95"], GOALS["step_to_students_p95"]),
            "reveal_to_students_p95": _under(result["reveal_to_students"]["p95"], GOALS["reveal_to_students_p95"]),
            "answers_lost": result["answers_lost"] == 0 and result["answers_sent"] > 0,
            "check_cpu_ms": _under(check, GOALS["check_cpu_ms"])}


def _under(value, goal) -> bool | None:
    return None if value is None else value < goal


def print_class(name: str, result: dict) -> None:
    check = result["check"]
    print(f"\n== {name} · class of {result['students']} ({result['lesson']}, {result['steps']} steps) in "
          f"{result['seconds']:g} s · answers sent {result['answers_sent']}, stored {result['answers_stored']}, "
          f"lost {result['answers_lost']} · reconnects {result['reconnects']} · failures {result['failures'] or 0}")
    rows = []
    for key, goal in (("answer_to_count", 2.0), ("step_to_students", 3.0), ("reveal_to_students", 3.0),
                      ("join_seconds", None)):
        s = result[key]
        rows.append((key, s["n"], _s(s["p50"]), _s(s["p95"]), _s(s["max"]), f"< {goal:g} s" if goal else "-",
                     {True: "yes", False: "NO", None: "-"}[result["verdicts"].get(key + "_p95")]))
    rows.append(("check: server CPU ms / check", check.get("checks", "-"), "-", _s(check["cpu_ms_per_check"]), "-",
                 "< 5 ms", {True: "yes", False: "NO", None: "-"}[result["verdicts"]["check_cpu_ms"]]))
    rows.append(("answers lost", result["answers_sent"], "-", result["answers_lost"], "-", "0",
                 "yes" if result["verdicts"]["answers_lost"] else "NO"))
    table(rows, ("figure", "n", "p50", "p95", "max", "goal", "holds"))
    if "skipped" not in check:
        print(f"  checks: {check['student_checks']} students' + {check['teacher_checks']} teacher's in "
              f"{check['seconds']:g} s; server CPU {check['server_cpu_s']} s, of which idle {check['idle_cpu_s']} s")
    for kind, texts in result.get("examples", {}).items():
        for text in texts:
            print(f"  {kind}: {text}")


def _s(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


# ---- against a target ------------------------------------------------------------------------------------

def measure(name: str, target, args, db: str, cpu_seconds) -> dict:
    """The class alone, then (``--browsing``) again with other students browsing.  With ``--browsing`` the
    pages they browse are warmed first (``levels.warm_up``), as the plain scenario does before its levels."""
    from landscape.classroom import store

    if args.browsing and not args.no_warmup:
        warm_up(target, args)
    warm(target.url, args, db)
    idle = _idle_cores(cpu_seconds, args.check_seconds)
    out = {"target": name, "url": target.url, "db": store.where(store.resolve(db)), "idle_cores": idle}
    rng = random.Random(f"{args.seed}/class")
    run = ClassRun(target.url, db, args.class_students, args, cpu_seconds, rng, idle)
    out["class"] = run.play()
    out["class"]["verdicts"] = verdicts(out["class"])
    print_class(name, out["class"])
    if args.browsing:
        browsing: dict = {}
        level = threading.Thread(target=lambda: browsing.update(
            run_level(target.url, args.browsing, args.seconds, args, None, "browsing")), daemon=True)
        level.start()
        time.sleep(args.ramp + 5)  # the browsers are on their pages before the class starts
        run = ClassRun(target.url, db, args.class_students, args, cpu_seconds, random.Random(f"{args.seed}/class2"),
                       None)
        out["class_with_browsing"] = run.play()
        out["class_with_browsing"]["verdicts"] = verdicts(out["class_with_browsing"])
        level.join(args.seconds + args.timeout + 60)
        out["browsing"] = browsing
        print_class(f"{name} + {args.browsing} browsing", out["class_with_browsing"])
        for kind in ("first_load", "interaction", "train"):
            s = browsing.get(kind, {})
            pages = ", ".join(f"{page} {kinds[kind]['p95']}" for page, kinds in browsing.get("pages", {}).items()
                              if kind in kinds)
            print(f"  browsing {kind}: n {s.get('n')}, p50 {s.get('p50')} s, p95 {s.get('p95')} s, "
                  f"timeouts {s.get('timeouts')} (p95 by page: {pages})")
    return out


def warm(url: str, args, db: str) -> None:
    """A small class first (not measured): every app process behind a proxy imports the page and draws a step."""
    quick = type(args)(**{**vars(args), "check_seconds": 0.1, "answer_spread": 0.5, "ramp": 0, "class_steps": 1})
    ClassRun(url, db, 4, quick, lambda: 0.0, random.Random(0)).play()


def _idle_cores(cpu_seconds, seconds: float) -> float:
    """The server's CPU in cores with no session (Dask's heartbeats, HAProxy's health checks)."""
    cpu0, t0 = cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return round((cpu_seconds() - cpu0) / (time.monotonic() - t0), 4)


def temporary_db(folder: Path) -> str:
    return f"sqlite:///{folder / 'classes.sqlite3'}"


# ---- the scenario on each target -------------------------------------------------------------------------

def server_cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by the server's processes and their descendants (those alive)."""
    return sum(st[2] for p in process_tree(pids) if (st := stat(p)) is not None) / HZ


def main_class(args, busy: float) -> None:
    """The class scenario on each target; the class database is ``--db`` or a temporary SQLite file.  ``busy``:
    the cores the machine kept busy before the bench started."""
    with tempfile.TemporaryDirectory(prefix="load-class-") as folder:
        args.db = args.db or temporary_db(Path(folder))
        os.environ["LANDSCAPE_DB"] = args.db  # the servers the bench starts read it
        load_at_start = os.getloadavg()
        print(f"load --class: {args.class_students} students, lesson {args.lesson}, {args.class_steps} steps, "
              f"browsing {args.browsing}, seed {args.seed}")
        results = each_target(args, lambda name, target: measure(name, target, args, args.db,
                                                                 lambda: server_cpu_seconds(target.pids)))
        emit({"bench": "load", "scenario": "class", "settings": {
            "class_students": args.class_students, "lesson": args.lesson, "class_steps": args.class_steps,
            "check_seconds": args.check_seconds, "answer_spread": args.answer_spread, "browsing": args.browsing,
            "seconds": args.seconds, "seed": args.seed, "timeout": args.timeout, "ramp": args.ramp,
            "goals": GOALS, "cores": os.cpu_count(), "busy_cores_at_start": busy,
            "load_average_start": load_at_start,
            "load_average_end": os.getloadavg()},
            "targets": results})
