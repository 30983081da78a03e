"""Small MLPs on toy data: the model, its data split, and seeded training with a recorded path.

A network's parameters live in one flat float64 vector ``theta (P,)``, layer by layer
``[W1 (h1, d), b1 (h1,), W2 (h2, h1), b2, ...]`` (torch.nn.Linear's order), so a training
path is a matrix ``(R, P)``; ``landscape.slices`` looks at the loss around it.  Training runs
in float64.  Losses are mean data losses (landscape.losses: bce, cross_entropy, mse).
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
from landscape.checks import check_choice, check_float, check_int
from landscape.types import DTYPE, InputError

Tensor = torch.Tensor

# Bounds: the largest allowed requests took 3-9 s on one core of this machine (training at
# the step, cost and path limits; a 20x20 float32 plane of a 2-128x4-1 net on 5,000 points),
# leaving room for a shared, busy CPU under the 60 s promise.
MAX_DEPTH, MAX_WIDTH = 4, 128
MIN_POINTS, MAX_POINTS = 20, 5_000
MAX_EPOCHS, MAX_STEPS = 5_000, 20_000
MAX_PATH_FLOATS = 5_000_000  # recorded path: records x parameters (40 MB of float64)
MAX_PARAM, MAX_LOSS = 1e5, 1e8  # beyond these a run counts as diverged
REDUCE = "use fewer points, a smaller network or fewer epochs"


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
    rows = total * 3 * batch_size + records * n_all  # forward rows: a backward pass costs two forwards
    seconds = (total * budget.TRAIN_STEP_SECONDS + rows * spec.macs / budget.TRAIN_MACS_PER_SECOND
               + rows * sum(spec.widths) / budget.ACTIVATIONS_PER_SECOND)
    budget.charge(Cost(seconds, records * spec.size * 8.0), "this training run", REDUCE)

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
            value = loss.item()  # one read of the value per step: each read waits for the op and costs a call
            if not (math.isfinite(value) and value <= MAX_LOSS):
                diverged_at = step
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            batch_loss.append(value)
            with torch.no_grad():
                largest = theta.abs().max().item()  # NaN if any is NaN
            if not largest <= MAX_PARAM:
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
