"""What the teacher reads from a class's answers: the distribution of one step's answers, and the CSV of all."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timezone
from typing import Iterable

from landscape.classroom.model import Distribution
from landscape.classroom.tokens import csv_cell
from landscape.lessons import Lesson

COLUMNS = ["step", "question", "student", "answer", "correct", "answered_at"]


def distribution(lesson: Lesson, step: int, given: Iterable[tuple[str, int]], top: int = 8) -> Distribution:
    """``given``: (answer text, how many).  A choice question: its choices in order with their counts (zeros
    included).  A free question: the ``top`` commonest answers, grouped ignoring case and spacing, each shown
    in its commonest spelling; the rest are counted in ``other``."""
    given = list(given)
    total = sum(n for _, n in given)
    question = lesson.steps[step]
    if question.kind == "choice":
        counts = dict(given)
        return Distribution(step, total, tuple((c, counts.get(c, 0)) for c in question.choices))
    groups: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    for text, n in sorted(given):  # ties go to the first spelling in code-point order, on any database
        key = " ".join(text.split()).casefold()
        groups[key] += n
        spelling.setdefault(key, Counter())[text] += n
    items = tuple((spelling[key].most_common(1)[0][0], n) for key, n in groups.most_common(max(0, int(top))))
    return Distribution(step, total, items, total - sum(n for _, n in items))


def answers_csv(lesson: Lesson, rows: Iterable[tuple[int, int, str, float]]) -> str:
    """``rows``: (0-based step, student number, answer, answered at) in order.  Steps are written 1-based, times
    in UTC (ISO 8601); a text cell starting with = + - or @ gets a leading apostrophe (tokens.csv_cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for k, number, text, at in rows:
        step = lesson.steps[k]
        correct = "" if step.kind != "choice" else ("yes" if text == step.choices[step.answer] else "no")
        when = datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")
        writer.writerow([k + 1, csv_cell(step.question), number, csv_cell(text), correct, when])
    return out.getvalue()
