"""Small MLPs on toy data: seeded training with a recorded path, directions, 1D and 2D slices.

A network's parameters live in one flat float64 vector ``theta (P,)``, layer by layer
``[W1 (h1, d), b1 (h1,), W2 (h2, h1), b2, ...]`` (torch.nn.Linear's order), so a training
path is a matrix ``(R, P)``, a direction a vector ``(P,)`` and a slice an affine map
``theta(a, b) = theta* + a d1 + b d2``.  The methods are the research ones:

* directions with filter normalisation (Li et al. 2018): for every output unit i of a
  layer, ``d_i <- d_i ||w_i|| / ||d_i||``; 1-D parameters (biases) get zero by default;
* linear interpolation ``theta(alpha) = (1 - alpha) theta_a + alpha theta_b`` (Goodfellow et al. 2015);
* PCA of the path ``theta_i - theta_final`` (Li et al.), the path projected onto it.

Precision: training, interpolation oracles and curvature run in float64.  Slices evaluate
in float32 by default (``dtype=``): a figure is float32 anyway and the batched plane runs
about twice as fast; float32 and float64 planes agree to ~1e-6 relative.

Losses are mean data losses (landscape.losses: bce, cross_entropy, mse); the training
weight decay is not part of a slice.
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from landscape import budget, losses
from landscape import data as datasets
from landscape.budget import Cost
from landscape.grid import check_range
from landscape.types import DTYPE, InputError, Surface

Tensor = torch.Tensor

# Bounds: the largest allowed requests took 3-9 s on one core of this machine (training at
# the step, cost and path limits; a 20x20 float32 plane of a 2-128x4-1 net on 5,000 points),
# leaving room for a shared, busy CPU under the 60 s promise.
MAX_DEPTH, MAX_WIDTH = 4, 128
MIN_POINTS, MAX_POINTS = 20, 5_000
MAX_EPOCHS, MAX_STEPS = 5_000, 20_000
MAX_PATH_FLOATS = 5_000_000  # recorded path: records x parameters (40 MB of float64)
MAX_RESOLUTION, MAX_COORDINATE = 201, 100.0
MAX_PARAM, MAX_LOSS = 1e5, 1e8  # beyond these a run counts as diverged
REDUCE = "use fewer points, a smaller network, fewer epochs or a lower resolution"
CHUNK_ELEMENTS = 1 << 19  # batched slice: activations per layer buffer (2 MiB of float32, allocated once)


# ---- checks --------------------------------------------------------------------------------

def check_int(value: object, name: str, lo: int, hi: int) -> int:
    try:
        v = int(value)  # type: ignore[arg-type]  (int("7") is fine, int("7.5") raises)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if isinstance(value, bool) or isinstance(value, float) and v != value:
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if not lo <= v <= hi:
        raise InputError(f"{name} must be between {lo:,} and {hi:,}, got {value!r}")
    return v


def check_float(value: object, name: str, lo: float, hi: float) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return v


def check_choice(value: object, name: str, registry: Mapping[str, object]) -> str:
    if value not in registry:
        raise InputError(f"unknown {name} {value!r}; choose one of {', '.join(registry)}")
    return str(value)


# ---- activations and tasks ------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """``act(z) = scale_out * kernel(scale_in * z) + shift``.

    ``fn`` is the differentiable form (training, curvature).  The batched slice folds the
    affine parts into the weights and runs only the in-place ``kernel_``: ``tanh(z) =
    2 sigmoid(2z) - 1`` because torch.sigmoid is ~8x faster than torch.tanh on this CPU.
    """

    fn: Callable[[Tensor], Tensor]
    kernel_: Callable[[Tensor], Tensor]
    scale_in: float = 1.0
    scale_out: float = 1.0
    shift: float = 0.0


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(torch.tanh, torch.sigmoid_, 2.0, 2.0, -1.0),
    "relu": Activation(torch.relu, torch.relu_),
    "leaky_relu": Activation(F.leaky_relu, F.leaky_relu_),
    "sigmoid": Activation(torch.sigmoid, torch.sigmoid_),
    "gelu": Activation(F.gelu, lambda z: torch.ops.aten.gelu.out(z, out=z)),
    "silu": Activation(F.silu, lambda z: F.silu(z, inplace=True)),
}


@dataclass(frozen=True)
class Task:
    """How outputs ``(..., N, C)`` meet labels ``(N,)``: a per-sample loss and a score."""

    loss: Callable[[Tensor, Tensor], Tensor]  # (..., N, C), (N,) -> (..., N)
    metric: Callable[[Tensor, Tensor], Tensor]  # (..., N, C), (N,) -> (...,)
    metric_name: str


def _r2(out: Tensor, y: Tensor) -> Tensor:
    """Coefficient of determination ``1 - mean (y - f)^2 / var y``."""
    return 1.0 - ((out[..., 0] - y) ** 2).mean(-1) / y.var(unbiased=False).clamp_min(1e-12)


TASKS: dict[str, Task] = {
    "binary": Task(lambda out, y: losses.bce(out[..., 0], y),
                   lambda out, y: ((out[..., 0] > 0) == (y > 0.5)).to(out.dtype).mean(-1), "accuracy"),
    "multiclass": Task(losses.cross_entropy,
                       lambda out, y: (out.argmax(-1) == y).to(out.dtype).mean(-1), "accuracy"),
    "regression": Task(lambda out, y: losses.mse(y - out[..., 0]), _r2, "R²"),
}


# ---- data -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    """A data set cut into training and validation parts: ``X (n, d)``, ``y (n,)``."""

    name: str
    kind: str  # a TASKS key
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_val.max())) + 1 if self.kind == "multiclass" else 1

    def tensors(self, part: str, dtype: torch.dtype = DTYPE) -> tuple[Tensor, Tensor]:
        X, y = (self.X_train, self.y_train) if part == "train" else (self.X_val, self.y_val)
        labels = torch.long if self.kind == "multiclass" else dtype
        return torch.as_tensor(X, dtype=dtype), torch.as_tensor(y, dtype=labels)


def split(name: str = "moons", n: int = 400, noise: float | None = None, val_share: float = 0.25,
          seed: int = 0) -> Split:
    """``data.make(name, n=n, noise=noise, seed=seed)`` cut at random into train / validation."""
    check_choice(name, "data set", datasets.REGISTRY)
    n = check_int(n, "number of points", MIN_POINTS, MAX_POINTS)
    kwargs = {"n": n, "seed": check_int(seed, "seed", 0, 2**31 - 1)}
    if noise is not None:
        if "noise" not in inspect.signature(datasets.REGISTRY[name].make).parameters:
            raise InputError(f"the {name} data set has no noise setting")
        kwargs["noise"] = check_float(noise, "noise", 0.0, 2.0)
    X, y = datasets.make(name, **kwargs)
    return split_arrays(X, y, datasets.REGISTRY[name].kind, val_share, seed, name)


def split_arrays(X: np.ndarray, y: np.ndarray, kind: str, val_share: float = 0.25, seed: int = 0,
                 name: str = "custom") -> Split:
    """Shuffle ``(X (n, d) or x (n,), y (n,))`` with ``seed`` and hold out ``val_share`` of it."""
    check_choice(kind, "task", TASKS)
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    y = np.asarray(y, dtype=np.int64 if kind == "multiclass" else np.float64)
    n = check_int(len(X), "number of points", MIN_POINTS, MAX_POINTS)
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise InputError("the data contains NaN or infinite values")
    n_val = round(n * check_float(val_share, "validation share", 0.1, 0.5))
    order = np.random.default_rng(seed).permutation(n)
    tr, va = order[n_val:], order[:n_val]
    return Split(name, kind, X[tr], y[tr], X[va], y[va])


# ---- the model ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MLP:
    """``h_0 = x``, ``h_l = act(W_l h_{l-1} + b_l)``, output ``W_L h_{L-1} + b_L`` (no activation)."""

    in_dim: int
    widths: tuple[int, ...]
    out_dim: int
    activation: str

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.in_dim, *self.widths, self.out_dim)

    @property
    def shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        return [((o, i), (o,)) for i, o in zip(self.dims[:-1], self.dims[1:])]

    @property
    def size(self) -> int:
        return sum(o * i + o for (o, i), _ in self.shapes)

    @property
    def macs(self) -> int:
        """Multiply-adds of one forward pass per sample."""
        return sum(o * i for (o, i), _ in self.shapes)

    def unflatten(self, theta: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Views ``[(W_l (..., out, in), b_l (..., out))]`` into ``theta (..., P)``."""
        layers, start = [], 0
        for (o, i), _ in self.shapes:
            W = theta[..., start:start + o * i].unflatten(-1, (o, i))
            layers.append((W, theta[..., start + o * i:start + o * i + o]))
            start += o * i + o
        return layers

    def init(self, generator: torch.Generator) -> Tensor:
        """torch.nn.Linear's initialisation, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, from ``generator``."""
        parts = [(torch.rand(math.prod(s), generator=generator, dtype=DTYPE) * 2.0 - 1.0) / math.sqrt(w[1])
                 for w, b in self.shapes for s in (w, b)]
        return torch.cat(parts)


def mlp(in_dim: int, widths: tuple[int, ...] | list[int], out_dim: int = 1, activation: str = "tanh") -> MLP:
    """A validated MLP spec: 1 to MAX_DEPTH hidden layers of 1 to MAX_WIDTH units."""
    widths = tuple(widths) if isinstance(widths, (tuple, list)) else (widths,)
    if not 1 <= len(widths) <= MAX_DEPTH:
        raise InputError(f"the network needs 1 to {MAX_DEPTH} hidden layers, got {len(widths)}")
    widths = tuple(check_int(w, "layer width", 1, MAX_WIDTH) for w in widths)
    return MLP(check_int(in_dim, "input dimension", 1, 16), widths, check_int(out_dim, "outputs", 1, 16),
               check_choice(activation, "activation", ACTIVATIONS))


def parse_widths(text: str) -> tuple[int, ...]:
    """Hidden-layer widths typed as text, ``"32, 32"`` or ``"64 16"``: 1 to MAX_DEPTH whole numbers
    of 1 to MAX_WIDTH."""
    parts = str(text).replace(",", " ").split()
    if not parts or len(parts) > MAX_DEPTH:
        raise InputError(f"give 1 to {MAX_DEPTH} hidden-layer widths separated by commas, e.g. 32, 32; got {text!r}")
    return tuple(check_int(p, "layer width", 1, MAX_WIDTH) for p in parts)


def forward(spec: MLP, theta: Tensor, X: Tensor) -> Tensor:
    """Outputs ``(N, C)`` of the network with parameters ``theta (P,)`` on inputs ``X (N, d)``."""
    act = ACTIVATIONS[spec.activation].fn
    layers = spec.unflatten(theta)
    h = X
    for W, b in layers[:-1]:
        h = act(h @ W.T + b)  # (N, h_l)
    W, b = layers[-1]
    return h @ W.T + b  # (N, C)


def loss_fn(spec: MLP, data: Split, part: str = "train") -> Callable[[Tensor], Tensor]:
    """``theta -> mean loss`` on one part of the data (float64, differentiable)."""
    X, y = data.tensors(part)
    task = TASKS[data.kind]
    return lambda theta: task.loss(forward(spec, theta, X), y).mean()


# ---- training ----------------------------------------------------------------------------------

OPTIMIZERS: dict[str, Callable[[Tensor, float, float], torch.optim.Optimizer]] = {
    "sgd": lambda p, lr, wd: torch.optim.SGD([p], lr=lr, weight_decay=wd),
    "momentum": lambda p, lr, wd: torch.optim.SGD([p], lr=lr, momentum=0.9, weight_decay=wd),
    "adam": lambda p, lr, wd: torch.optim.Adam([p], lr=lr, weight_decay=wd),
}


@dataclass(frozen=True)
class Run:
    """A training run.  ``path[r]`` are the parameters after ``steps[r]`` updates; the
    histories are measured on the full train and validation parts at the same records.
    The run stops at ``diverged_at`` (first step with a non-finite or huge loss or parameter)
    or when cancelled; it never records a non-finite value.  ``theta = path[-1]``."""

    spec: MLP
    data: Split
    hparams: Mapping[str, object]
    theta0: np.ndarray  # (P,)
    path: np.ndarray  # (R, P)
    steps: np.ndarray  # (R,)
    train_loss: np.ndarray  # (R,)
    val_loss: np.ndarray  # (R,)
    train_metric: np.ndarray  # (R,) accuracy, or R² for regression
    val_metric: np.ndarray  # (R,)
    batch_loss: np.ndarray  # (S,) the mini-batch loss of every update
    steps_per_epoch: int
    diverged_at: int | None
    cancelled: bool
    seconds: float

    @property
    def theta(self) -> np.ndarray:
        return self.path[-1]

    @property
    def epochs(self) -> np.ndarray:
        return self.steps / self.steps_per_epoch

    @property
    def metric_name(self) -> str:
        return TASKS[self.data.kind].metric_name


def train(data: Split, widths=(32, 32), activation: str = "tanh", optimizer: str = "adam", lr: float = 0.01,
          weight_decay: float = 0.0, batch_size: int = 32, epochs: int = 100, record_every: int | None = None,
          seed: int = 0, on_progress: Callable[[float], bool] | None = None) -> Run:
    """Train an MLP on ``data.X_train`` with mini-batches reshuffled every epoch, all from ``seed``.

    Records the parameters and the full train / validation loss and metric every
    ``record_every`` updates (default: about 200 records) and after the last update.
    ``on_progress(fraction)`` is called at every record; returning False cancels.
    """
    task = TASKS[data.kind]
    spec = mlp(data.X_train.shape[1], widths, data.n_classes if data.kind == "multiclass" else 1, activation)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    lr = check_float(lr, "learning rate", 1e-6, 1e6)
    weight_decay = check_float(weight_decay, "weight decay", 0.0, 10.0)
    n = len(data.X_train)
    batch_size = check_int(batch_size, "batch size", 1, n)
    epochs = check_int(epochs, "epochs", 1, MAX_EPOCHS)
    per_epoch = math.ceil(n / batch_size)
    total = epochs * per_epoch
    if total > MAX_STEPS:
        raise InputError(f"{epochs} epochs of {per_epoch} batches are {total:,} steps; the limit is {MAX_STEPS:,}")
    target = max(2, min(200, MAX_PATH_FLOATS // spec.size - 2))  # default: about 200 records
    every = check_int(record_every if record_every is not None else math.ceil(total / target), "record every", 1, total)
    records = total // every + 2
    if records * spec.size > MAX_PATH_FLOATS:
        raise InputError(f"recording {records:,} times {spec.size:,} parameters is too much; record less often")
    n_all = n + len(data.X_val)
    macs = total * 3 * batch_size * spec.macs + records * n_all * spec.macs  # a backward pass costs two forwards
    budget.charge(Cost(total * budget.STEP_SECONDS + macs / budget.MACS_PER_SECOND, records * spec.size * 8.0),
                  "this training run", REDUCE)

    start = time.perf_counter()
    gen = torch.Generator().manual_seed(check_int(seed, "seed", 0, 2**31 - 1))
    (X, y), (Xv, yv) = data.tensors("train"), data.tensors("val")
    theta0 = spec.init(gen)
    theta = theta0.clone().requires_grad_(True)
    opt = OPTIMIZERS[optimizer](theta, lr, weight_decay)
    rows: list[tuple[float, ...]] = []  # (step, train loss, val loss, train metric, val metric)
    path: list[Tensor] = []
    batch_loss: list[float] = []

    def record(step: int) -> bool:
        """Append the state after ``step`` updates; False if it is not finite."""
        with torch.no_grad():
            out, out_v = forward(spec, theta, X), forward(spec, theta, Xv)
            row = (step, task.loss(out, y).mean().item(), task.loss(out_v, yv).mean().item(),
                   task.metric(out, y).item(), task.metric(out_v, yv).item())
        if not all(math.isfinite(v) and abs(v) <= MAX_LOSS for v in row):
            return False
        rows.append(row)
        path.append(theta.detach().clone())
        return True

    record(0)  # the initialisation is finite by construction
    step, diverged_at, cancelled = 0, None, False
    while step < total and diverged_at is None and not cancelled:
        for idx in torch.randperm(n, generator=gen).split(batch_size):
            budget.checkpoint()
            loss = task.loss(forward(spec, theta, X[idx]), y[idx]).mean()
            if not (torch.isfinite(loss) and loss <= MAX_LOSS):
                diverged_at = step
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            batch_loss.append(loss.item())
            if not (torch.isfinite(theta).all() and theta.abs().max() <= MAX_PARAM):
                diverged_at = step
                break
            if step % every == 0 or step == total:
                if not record(step):
                    diverged_at = step
                    break
                if on_progress is not None and on_progress(step / total) is False:
                    cancelled = True
                    break

    table = np.array(rows, dtype=np.float64)  # (R, 5)
    hparams = dict(widths=spec.widths, activation=activation, optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                   batch_size=batch_size, epochs=epochs, record_every=every, seed=seed)
    return Run(spec, data, hparams, theta0.numpy(), torch.stack(path).numpy(), table[:, 0].astype(np.int64),
               table[:, 1], table[:, 2], table[:, 3], table[:, 4], np.array(batch_loss), per_epoch,
               diverged_at, cancelled, time.perf_counter() - start)


# ---- directions ----------------------------------------------------------------------------------

def _rows(t: Tensor) -> Tensor:
    return t.reshape(len(t), -1)  # a weight (out, in) has one row per output unit; a bias one per entry


def _filter(d: Tensor, w: Tensor) -> Tensor:
    scale = _rows(w).norm(dim=1) / _rows(d).norm(dim=1).clamp_min(1e-30)  # (rows,)
    return d * scale.view(-1, *[1] * (d.dim() - 1))


NORMALISATIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {  # (direction, weight) -> direction
    "filter": _filter,
    "layer": lambda d, w: d * (w.norm() / d.norm().clamp_min(1e-30)),
    "none": lambda d, w: d,
}


def random_directions(spec: MLP, theta: np.ndarray, k: int = 2, seed: int = 0, norm: str = "filter",
                      bias: bool = False, orthogonal: bool = False) -> np.ndarray:
    """``k`` Gaussian directions ``(k, P)`` normalised against ``theta`` per row ("filter"),
    per parameter tensor ("layer") or not at all ("none"); bias entries zero unless ``bias``.

    ``orthogonal``: Gram-Schmidt on the flat vectors, ``d_i <- d_i - sum_{j<i} (d_i . u_j) u_j``,
    each then rescaled to its former length (so rows no longer have exactly the filter norms).
    """
    check_choice(norm, "normalisation", NORMALISATIONS)
    k = check_int(k, "number of directions", 1, 8)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", 0, 2**31 - 1))
    theta = torch.as_tensor(theta, dtype=DTYPE)
    dirs = torch.randn(k, spec.size, generator=gen, dtype=DTYPE)  # (k, P)
    for d in dirs:
        for (W, b), (dW, db) in zip(spec.unflatten(theta), spec.unflatten(d)):
            dW.copy_(NORMALISATIONS[norm](dW, W))
            db.copy_(NORMALISATIONS[norm](db, b) if bias else torch.zeros_like(db))
    if orthogonal:
        for i in range(1, k):
            length = dirs[i].norm()
            for u in dirs[:i] / dirs[:i].norm(dim=1, keepdim=True):
                dirs[i] -= (dirs[i] @ u) * u
            dirs[i] *= length / dirs[i].norm().clamp_min(1e-30)
    return dirs.numpy()


@dataclass(frozen=True)
class PathPCA:
    """Principal directions of a training path relative to its end point (Li et al. 2018)."""

    directions: np.ndarray  # (k, P), orthonormal
    coords: np.ndarray  # (R, k): (theta_r - theta_final) . direction; the end point is at 0
    explained: np.ndarray  # (k,) share of the path's variance along each direction

    def view(self, margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
        """Ranges of the first two coordinates around the path and the origin, padded by ``margin``."""
        lo, hi = np.minimum(self.coords.min(0), 0.0), np.maximum(self.coords.max(0), 0.0)
        pad = margin * np.maximum(hi - lo, 1e-3)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def pca(run: Run, k: int = 2) -> PathPCA:
    """SVD of the centred matrix ``M = [theta_r - theta_final]`` (as sklearn's PCA in Li et al.):
    directions are the top right singular vectors, ``explained = s_i^2 / sum s^2``; signs are
    chosen so that the start of the path has non-negative coordinates."""
    k = check_int(k, "number of PCA directions", 1, 8)
    if len(run.path) < k + 1:
        raise InputError(f"the path has {len(run.path)} recorded points; PCA with {k} directions needs {k + 1}")
    M = torch.as_tensor(run.path - run.theta, dtype=DTYPE)  # (R, P)
    _, s, Vh = torch.linalg.svd(M - M.mean(0), full_matrices=False)
    if s[0] <= 1e-12 * max(1.0, float(M.abs().max())):
        raise InputError("the training path does not move, so it has no principal directions")
    coords = M @ Vh[:k].T  # (R, k)
    sign = torch.where(coords[0] < 0, -1.0, 1.0).to(DTYPE)
    return PathPCA((Vh[:k] * sign[:, None]).numpy(), (coords * sign).numpy(), (s[:k] ** 2 / (s**2).sum()).numpy())


# ---- evaluation at many parameter points -------------------------------------------------------------

def _batched(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """Loss at ``theta_g = centre + C_g D`` for every row g, chunk by chunk, as batched matmuls.

    Activations are kept transposed, ``(B, width, N)``, in buffers allocated once.  With
    ``act(z) = so k(si z) + sh`` the hidden state is ``g_l = k(si z_l)`` and each layer reads
    ``W' = si so W``, ``b' = si (b + sh W 1)`` so that only the in-place kernel touches ``(B, width, N)``.
    """
    act = ACTIVATIONS[spec.activation]
    N, widths = len(X), spec.dims[1:]
    B = max(1, CHUNK_ELEMENTS // (N * max(widths)))
    XT = X.T.contiguous()  # (d, N)
    thetas = torch.empty(B, spec.size, dtype=X.dtype)  # (B, P)
    bufs = [torch.empty(B, w, N, dtype=X.dtype) for w in widths]  # (B, w_l, N)
    last = len(widths) - 1
    for start in range(0, len(C), B):
        budget.checkpoint()
        b = min(B, len(C) - start)
        th = torch.addmm(centre, C[start:start + b], D, out=thetas[:b])  # (b, P)
        h = XT.expand(b, *XT.shape)  # (b, d, N)
        for l, ((W, bias), buf) in enumerate(zip(spec.unflatten(th), bufs)):  # W (b, out, in), bias (b, out)
            so, sh = (1.0, 0.0) if l == 0 else (act.scale_out, act.shift)
            si = 1.0 if l == last else act.scale_in
            bias.add_(W.sum(-1), alpha=sh).mul_(si)
            W.mul_(si * so)
            h = torch.baddbmm(bias.unsqueeze(-1), W, h, out=buf[:b])  # (b, out, N)
            if l < last:
                act.kernel_(h)
        out[start:start + b] = task.loss(h.transpose(1, 2), y.expand(b, -1)).mean(-1)  # (b, N, C) -> (b,)


def _vmapped(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """The same with ``torch.func.vmap`` over the network's forward pass (one chunk at a time)."""
    B = max(1, CHUNK_ELEMENTS // (len(X) * max(spec.dims[1:])))
    point_loss = torch.func.vmap(lambda theta: task.loss(forward(spec, theta, X), y).mean())
    for start in range(0, len(C), B):
        budget.checkpoint()
        out[start:start + B] = point_loss(torch.addmm(centre, C[start:start + B], D))


def _looped(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """One forward pass per point: the oracle, and the baseline of bench/nn_plane.py."""
    for g, c in enumerate(C):
        out[g] = task.loss(forward(spec, centre + c @ D, X), y).mean()


METHODS = {"batched": _batched, "vmap": _vmapped, "loop": _looped}


def losses_at(spec: MLP, data: Split, part: str, centre, directions, coeffs, method: str = "batched",
              dtype: torch.dtype = torch.float32) -> np.ndarray:
    """Mean loss on ``data``'s ``part`` at ``centre + coeffs @ directions``: ``(G,)`` for ``coeffs (G, K)``."""
    check_choice(method, "evaluation method", METHODS)
    X, y = data.tensors(part, dtype)
    centre, D, C = (torch.as_tensor(np.asarray(a), dtype=dtype) for a in (centre, directions, coeffs))
    out = torch.empty(len(C), dtype=dtype)
    with torch.no_grad():
        METHODS[method](spec, TASKS[data.kind], centre, D.reshape(-1, spec.size), C.reshape(len(C), -1), X, y, out)
    return out.numpy().astype(np.float64)


def _check_slice(run: Run, points: int, *vectors) -> None:
    for v in vectors:
        if np.shape(v)[-1] != run.spec.size or not np.isfinite(v).all():
            raise InputError(f"parameter vectors must be {run.spec.size} finite numbers")
    n_all = len(run.data.X_train) + len(run.data.X_val)
    budget.charge(Cost(points * n_all * run.spec.macs / budget.SLICE_MACS_PER_SECOND, 2.0 * CHUNK_ELEMENTS * 4),
                  "this slice", REDUCE)


def _axis(bounds, resolution: int, name: str) -> np.ndarray:
    lo, hi = check_range(bounds, name)
    if max(abs(lo), abs(hi)) > MAX_COORDINATE:
        raise InputError(f"{name}: keep the range within ±{MAX_COORDINATE:g}")
    return np.linspace(lo, hi, resolution)


@dataclass(frozen=True)
class Interpolation:
    """Losses along ``theta(alpha) = (1 - alpha) theta_a + alpha theta_b``."""

    alphas: np.ndarray  # (n,)
    train_loss: np.ndarray  # (n,)
    val_loss: np.ndarray  # (n,)


def interpolate(run: Run, theta_a, theta_b, alpha_range=(-0.5, 1.5), resolution: int = 101,
                dtype: torch.dtype = torch.float32) -> Interpolation:
    """1D slice through two parameter vectors, e.g. ``(run.theta0, run.theta)`` or two minima."""
    alphas = _axis(alpha_range, check_int(resolution, "resolution", 2, 10 * MAX_RESOLUTION), "alpha")
    _check_slice(run, len(alphas), theta_a, theta_b)
    step = np.asarray(theta_b) - np.asarray(theta_a)
    train_loss, val_loss = (losses_at(run.spec, run.data, part, theta_a, step[None], alphas[:, None], dtype=dtype)
                            for part in ("train", "val"))
    return Interpolation(alphas, train_loss, val_loss)


@dataclass(frozen=True)
class Plane:
    """Train and validation losses on the plane ``centre + x d1 + y d2`` (same grid)."""

    train: Surface
    val: Surface
    directions: np.ndarray  # (2, P)
    centre: np.ndarray  # (P,)


def plane(run: Run, directions, x_range=(-1.0, 1.0), y_range=(-1.0, 1.0), resolution: int = 51, centre=None,
          labels: tuple[str, str] = ("direction 1", "direction 2"), method: str = "batched",
          dtype: torch.dtype = torch.float32) -> Plane:
    """``z[i, j] = loss(centre + x_j d1 + y_i d2)`` around ``run.theta`` (or ``centre``)."""
    n = check_int(resolution, "resolution", 5, MAX_RESOLUTION)
    xs, ys = _axis(x_range, n, "first direction"), _axis(y_range, n, "second direction")
    centre = run.theta if centre is None else np.asarray(centre, dtype=np.float64)
    directions = np.asarray(directions, dtype=np.float64)
    if directions.shape != (2, run.spec.size):
        raise InputError(f"a plane needs two directions of {run.spec.size} parameters")
    _check_slice(run, n * n, centre, directions)
    coeffs = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # (ny * nx, 2), x fastest
    surfaces = []
    for part in ("train", "val"):
        start = time.perf_counter()
        z = losses_at(run.spec, run.data, part, centre, directions, coeffs, method, dtype).reshape(n, n)
        surfaces.append(Surface(xs, ys, z, *labels, method, time.perf_counter() - start))
    return Plane(*surfaces, directions, centre)
