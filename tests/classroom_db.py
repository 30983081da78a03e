"""The live class's test rig (test_classroom, test_classroom_limits): a clock the test moves, a real PostgreSQL
(Debian's, started on a free loopback port in a temporary folder, as a non-root user) or LANDSCAPE_TEST_POSTGRES,
and the fixtures that give each test a classroom on a SQLite file and on PostgreSQL.  A test module imports the
fixtures it uses (``address``, ``clock``, ``open_room``, ``room``, and ``postgres`` with them)."""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from appserver import free_port  # noqa: F401 - bench/appserver.py's, re-exported to the tests

from landscape.classroom import Classroom, Limits, store

PACKAGE = Path(__file__).resolve().parent.parent / "landscape" / "classroom"
LESSON = "outliers"  # steps 1 and 3 are choice questions, step 2 a free one
CHOICE, FREE = 0, 1


class Clock:
    """A clock the test moves (rate-limit windows, retention)."""

    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


# ---- PostgreSQL for this module ------------------------------------------------------------------------------

def _pg_program(name: str) -> str:
    found = [p for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}") if os.access(p, os.X_OK)]
    found.sort(key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    path = found[-1] if found else shutil.which(name)
    if not path:
        pytest.fail(f"PostgreSQL's {name} is not installed: `make test` installs Debian's postgresql (make database)")
    return path


class Postgres:
    """A throwaway PostgreSQL server: initdb and pg_ctl as a non-root user (PostgreSQL refuses root), on a free
    loopback port, password-protected, its files and socket in one temporary folder removed at the end."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lle-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
            if user is None:
                pytest.fail("running as root with neither a postgres nor a nobody user to run PostgreSQL as")
            os.chown(self.folder, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
            self.as_user = ["runuser", "-u", user, "--"]
        password = secrets.token_hex(16)
        pwfile = self.folder / "password"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if self.as_user:
            shutil.chown(pwfile, self.as_user[2])
        self._run(_pg_program("initdb"), "-D", str(self.data), "-U", "lle", f"--pwfile={pwfile}", "-A", "scram-sha-256",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        for attempt in range(3):
            self.port = free_port()
            options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            done = subprocess.run([*self.as_user, _pg_program("pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                   "-w", "-t", "30", "-o", options, "start"], capture_output=True, text=True,
                                  cwd=self.folder)
            if done.returncode == 0:
                break
        else:
            log = self.log.read_text() if self.log.exists() else ""
            self.remove()
            pytest.fail(f"PostgreSQL did not start: {done.stdout}{done.stderr}{log[-2000:]}")
        self.url = f"postgresql://lle:{password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            self.remove()
            pytest.fail(f"{' '.join(command[:1])} failed: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        subprocess.run([*self.as_user, _pg_program("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=self.folder)
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def postgres():
    """The server's URL: LANDSCAPE_TEST_POSTGRES when given (its tables are dropped!), else one started here."""
    given = os.environ.get("LANDSCAPE_TEST_POSTGRES")
    if given:
        yield given
        return
    server = Postgres()
    try:
        yield server.url
    finally:
        server.stop()


def drop_tables(address: str) -> None:
    engine = sa.create_engine(store.resolve(address))
    try:
        with engine.begin() as conn:
            found = sa.MetaData()
            found.reflect(conn)
            found.drop_all(conn)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def address(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    url = request.getfixturevalue("postgres")
    drop_tables(url)
    return url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def open_room(address, clock):
    made = []

    def make(**limits) -> Classroom:
        room = Classroom(address, Limits(**limits), clock)
        made.append(room)
        return room

    yield make
    for room in made:
        room.close()


@pytest.fixture
def room(open_room) -> Classroom:
    return open_room()


def start_class(room: Classroom, lesson=LESSON, client: str = ""):
    return room.start_class(lesson, client)


def join_students(room: Classroom, code: str, n: int, prefix: str = "s") -> list[str]:
    return [room.join(code, f"{prefix}{i}").student_id for i in range(n)]
