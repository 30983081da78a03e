"""Seeded synthetic data sets, outlier injection, and validated CSV loading.

Every generator takes ``seed`` and returns float64 numpy arrays; the same arguments
always give the same data.  Regression sets return ``(x (N,), y (N,))``;
classification sets return ``(X (N, 2), y (N,))`` with labels 0, 1 (, 2).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from landscape import budget
from landscape.checks import lookup
from landscape.types import InputError

MAX_CSV_BYTES = 2 * 1024 * 1024  # keep in step with server.maxUploadSize


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(int(seed))


# ---- regression ---------------------------------------------------------------------------

def line(n: int = 100, slope: float = 2.0, intercept: float = 1.0, noise: float = 1.0,
         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``y = slope * x + intercept + noise * N(0, 1)`` with x uniform on [-3, 3]."""
    rng = _rng(seed)
    x = rng.uniform(-3.0, 3.0, n)
    return x, slope * x + intercept + noise * rng.standard_normal(n)


def add_outliers(x: np.ndarray, y: np.ndarray, count: int, size: float, noise: float = 1.0,
                 leverage: bool = False, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Push ``count`` points up by ``size`` noise standard deviations: ``y_i += size * noise``.

    With ``leverage`` the chosen points are the ones with the largest x (the high-x end of the
    data, where a point pulls the slope hardest); otherwise ``seed`` draws them at random.  At
    least two points stay clean, so that a fit to the clean points exists.  Returns
    ``(x, y, is_outlier)``.
    """
    n = len(x)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 0 <= count <= n - 2:
        raise InputError(f"outlier count must be a whole number between 0 and {n - 2} "
                         f"(at least two points stay clean), got {count!r}")
    if not all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in (size, noise)):
        raise InputError(f"outlier size and noise must be finite numbers, got {size!r} and {noise!r}")
    idx = np.argsort(x)[n - count:] if leverage else _rng(seed + 1).choice(n, count, replace=False)
    y = y.copy()
    y[idx] += size * noise
    flags = np.zeros(n, dtype=bool)
    flags[idx] = True
    return x.copy(), y, flags


def sine(n: int = 100, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``y = sin(2 x) + noise * N(0, 1)`` on [-3, 3]: a curve a line cannot fit."""
    rng = _rng(seed)
    x = rng.uniform(-3.0, 3.0, n)
    return x, np.sin(2.0 * x) + noise * rng.standard_normal(n)


# ---- classification -------------------------------------------------------------------------

def blobs(n: int = 200, separation: float = 2.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds at ``±separation/2 * (1, 1) / sqrt(2)``, unit variance."""
    rng = _rng(seed)
    y = (np.arange(n) % 2).astype(np.float64)
    centre = separation / 2.0 / math.sqrt(2.0) * (2.0 * y[:, None] - 1.0)
    return centre + rng.standard_normal((n, 2)), y


def moons(n: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, centred on the origin."""
    rng = _rng(seed)
    y = (np.arange(n) % 2).astype(np.float64)
    t = rng.uniform(0.0, math.pi, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)])
    return X - [0.5, 0.25] + noise * rng.standard_normal((n, 2)), y


def circles(n: int = 200, noise: float = 0.1, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An inner circle (label 1) inside an outer one: no line through the origin separates them."""
    rng = _rng(seed)
    y = (np.arange(n) % 2).astype(np.float64)
    t = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.where(y == 1, factor, 1.0)[:, None]
    return radius * np.c_[np.cos(t), np.sin(t)] + noise * rng.standard_normal((n, 2)), y


def imbalanced(n: int = 200, positive_share: float = 0.1, separation: float = 2.0,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Blobs where only ``positive_share`` of the points are positive."""
    rng = _rng(seed)
    y = (rng.uniform(size=n) < positive_share).astype(np.float64)
    centre = separation / 2.0 / math.sqrt(2.0) * (2.0 * y[:, None] - 1.0)
    return centre + rng.standard_normal((n, 2)), y


def three_blobs(n: int = 300, separation: float = 2.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds at the corners of a triangle, labels 0, 1, 2."""
    rng = _rng(seed)
    y = np.arange(n) % 3
    angle = 2.0 * math.pi * y / 3.0 + math.pi / 2.0
    centre = separation * np.c_[np.cos(angle), np.sin(angle)]
    return centre + rng.standard_normal((n, 2)), y.astype(np.int64)


def spirals(n: int = 200, noise: float = 0.1, turns: float = 1.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals: a hard problem for a small network."""
    rng = _rng(seed)
    y = (np.arange(n) % 2).astype(np.float64)
    t = np.sqrt(rng.uniform(size=n)) * turns * 2.0 * math.pi
    sign = 2.0 * y - 1.0
    X = sign[:, None] * np.c_[t * np.cos(t), t * np.sin(t)] / (turns * 2.0 * math.pi) * 2.0
    return X + noise * rng.standard_normal((n, 2)), y


@dataclass(frozen=True)
class DataSpec:
    name: str
    kind: str  # "regression" | "binary" | "multiclass"
    make: Callable[..., tuple[np.ndarray, np.ndarray]]
    label: str


REGISTRY: dict[str, DataSpec] = {s.name: s for s in (
    DataSpec("line", "regression", line, "line with noise"),
    DataSpec("sine", "regression", sine, "sine curve"),
    DataSpec("blobs", "binary", blobs, "two blobs"),
    DataSpec("moons", "binary", moons, "moons"),
    DataSpec("circles", "binary", circles, "circles"),
    DataSpec("imbalanced", "binary", imbalanced, "imbalanced blobs (10 % positive)"),
    DataSpec("spirals", "binary", spirals, "spirals"),
    DataSpec("three_blobs", "multiclass", three_blobs, "three blobs"),
)}


def names(kind: str | None = None) -> list[str]:
    return [n for n, s in REGISTRY.items() if kind is None or s.kind == kind]


def make(name: str, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """A registered data set by name: ``make("moons", n=300, seed=1)``."""
    spec = lookup(REGISTRY, name, "data set")
    n, limit = kwargs.get("n"), budget.current().points
    if n is not None and not 2 <= int(n) <= limit:
        raise InputError(f"number of points must be between 2 and {limit:,}, got {n}")
    return spec.make(**kwargs)


# ---- CSV ----------------------------------------------------------------------------------------

def load_csv(content: bytes | str, max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read two numeric columns ``x, y`` (a header row is optional) and validate them.

    Reads row by row and stops at the first problem, so a file is refused as soon as it passes
    ``max_rows`` rows of points (default: the point limit of the budget in force).  Raises
    InputError with a message a person can act on for: too large, too many rows, empty, not two
    columns, text in a number cell, a cell too long or a file the CSV reader refuses, NaN or
    infinity, fewer than two rows, constant x.
    """
    limit = budget.current().points if max_rows is None else int(max_rows)
    reader = csv.reader(io.StringIO(_text(content), newline=""))
    values: list[tuple[float, float]] = []
    seen = False
    for line, row in _numbered(reader):
        if reader.line_num > 2 * limit + 1:  # blank rows are skipped, but not without end
            raise InputError(f"the CSV has more than {2 * limit + 1:,} lines, most of them empty; "
                             f"the limit is {limit:,} rows of points")
        if not any(c.strip() for c in row):
            continue
        if not seen:
            seen = True
            if not _is_number(row[0]):
                continue  # a header row
        if len(values) == limit:
            raise InputError(f"the CSV has more than {limit:,} rows of points; the limit is {limit:,}: "
                             f"use a sample of the data")
        if len(row) < 2:
            raise InputError(f"row {line}: expected two columns x, y, found {len(row)}")
        try:
            point = float(row[0]), float(row[1])
        except ValueError:
            raise InputError(f"row {line}: {_cell(row[0])}, {_cell(row[1])} is not a pair of numbers") from None
        if not all(map(math.isfinite, point)):
            raise InputError(f"row {line}: {_cell(row[0])}, {_cell(row[1])} is not a pair of finite numbers "
                             "(NaN or infinity); every x and y must be a number")
        values.append(point)
    if not seen:
        raise InputError("the CSV is empty: it needs two columns, x and y")
    return check_xy(*np.asarray(values, dtype=np.float64).reshape(-1, 2).T)


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """``(first line, row)`` for each row of a csv reader (a quoted cell can span lines); a row the csv
    module refuses (a cell over its field size limit, ...) is an InputError naming its first line."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InputError(f"row {line}: {_csv_problem(err)}") from None
        yield line, row


def _text(content: bytes | str) -> str:
    """The file as text: at most MAX_CSV_BYTES, UTF-8 (a byte-order mark is dropped)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise InputError(f"expected the file's bytes or text, got {type(content).__name__}")
    if len(content) > MAX_CSV_BYTES:
        raise InputError(f"the file is {len(content) / 2**20:.1f} MB; the limit is {MAX_CSV_BYTES // 2**20} MB")
    try:
        return bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text; save it as CSV") from None


CELL_SHOWN = 20  # characters of a bad cell quoted in a message


def _cell(text: str) -> str:
    return repr(text if len(text) <= CELL_SHOWN else text[:CELL_SHOWN] + "…")


def _csv_problem(err: csv.Error) -> str:
    """What the csv module's refusal means for a person."""
    if "field limit" in str(err):
        return (f"a cell has more than {csv.field_size_limit():,} characters; "
                f"expected two columns of numbers, x and y")
    return f"not a readable CSV file ({err}); expected two columns of numbers, x and y"


def check_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate regression data from any source (CSV, edited table, URL)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise InputError("x and y must be two columns of the same length")
    if len(x) < 2:
        raise InputError(f"need at least two points to fit a line, got {len(x)}")
    budget.check_points(len(x), "the data")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("the data contains NaN or infinite values; every x and y must be a finite number")
    if np.ptp(x) == 0:
        raise InputError("all x values are equal, so the slope is undefined")
    if max(np.abs(x).max(), np.abs(y).max()) > 1e6:
        raise InputError("values larger than 1e6 in size; rescale the data")
    return x, y


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
