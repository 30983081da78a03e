"""bench/load.py --serve: keep the server's logs when a run went wrong.

deploy/serve.py writes every app process's output to ``app<i>.log`` in a folder of its own
(``/tmp/lle-serve-*``, named on its "ready" line as ``logs: <folder>``) and deletes that folder when it stops
cleanly, which is how the bench stops it.  When the run raised, went wrong (exceptions, timeouts, dropped
connections, class failures or lost answers anywhere in its result) or an app log holds a traceback, the app
logs and the supervisor's output (``serve.log``) are copied first to ``/tmp/lle-load-logs-<time>-*/``; the
bench prints "server logs kept in <folder>" and records it as ``logs_kept`` in the target's result.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

TROUBLE = ("exceptions", "timeouts", "dropped", "answers_lost")  # counts in a result that mean something failed


def went_wrong(result) -> bool:
    """Whether a target's result, at any depth, counts a failure (``TROUBLE``) or holds class ``failures``."""
    if isinstance(result, dict):
        return any((key in TROUBLE and type(value) is int and value > 0)  # not a verdict's True
                   or (key == "failures" and bool(value)) or went_wrong(value) for key, value in result.items())
    return isinstance(result, list) and any(went_wrong(v) for v in result)


def app_logs(supervisor_log: Path) -> list[Path]:
    """The app logs in the folder the supervisor's output names (none when it names none)."""
    found = re.search(r"logs: (\S+)", supervisor_log.read_text(errors="replace"))
    return sorted(Path(found[1]).glob("app*.log")) if found else []


def keep_server_logs(target, result: dict | None) -> Path | None:
    """Copies of ``target``'s app logs and supervisor output when the run raised (``result`` None), went wrong,
    or an app log holds a traceback; the folder, or None (nothing wrong, or no server log: not --serve)."""
    log = getattr(target, "log", None)
    try:
        apps = app_logs(Path(log.name)) if log is not None else []
        if not apps or not (result is None or went_wrong(result)
                            or any("Traceback" in f.read_text(errors="replace") for f in apps)):
            return None
        kept = Path(tempfile.mkdtemp(prefix=f"lle-load-logs-{time.strftime('%Y%m%d-%H%M%S')}-"))
        for f in apps:
            shutil.copy2(f, kept / f.name)
        shutil.copy2(log.name, kept / "serve.log")
    except OSError as err:  # the server must still be stopped
        print(f"could not keep the server logs: {err}", flush=True)
        return None
    print(f"server logs kept in {kept} ({', '.join(f.name for f in apps)} and serve.log)", flush=True)
    if result is not None:
        result["logs_kept"] = str(kept)
    return kept
