"""The registries of torch.optim's optimisers and learning-rate schedules, with their hyper-parameters.

Hyper-parameters share one name per idea across optimisers (``lr``, ``momentum``, ``beta1``,
``beta2``, ``eps``, ``weight_decay``); RMSprop's ``alpha`` is called ``beta2`` here, as it plays
Adam's ``beta2`` role.  Schedule parameters (``step_size``, ``gamma``) travel in the same
keyword arguments as the optimiser's; the two sets of names are disjoint.  ``landscape.optim``
runs them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import torch
from torch.optim import lr_scheduler

from landscape.checks import check_int, lookup
from landscape.types import Param

MAX_STEPS = 5000  # the longest run, and the longest schedule step


# ---- hyper-parameters: one name per idea ------------------------------------------------------


def _lr(default: float) -> Param:
    return Param("lr", default, 1e-8, 1e6, "learning rate eta: the step size")


MOMENTUM = Param("momentum", 0.9, 0.0, 0.999, "mu: share of the previous step carried into the next")
BETA1 = Param("beta1", 0.9, 0.0, 0.999, "decay of the running gradient average m")
BETA2 = Param("beta2", 0.999, 0.0, 0.9999, "decay of the running squared-gradient average v")
EPS = Param("eps", 1e-8, 1e-12, 1.0, "added to the denominator so that it is never zero")
WEIGHT_DECAY = Param("weight_decay", 0.0, 0.0, 1.0, "lambda: pull towards 0, lambda * theta added to the gradient")
ADAM = (BETA1, BETA2, EPS, WEIGHT_DECAY)


_G = r"g_t = \nabla f(\theta_t) + \lambda\,\theta_t,\quad "
_ADAM_MOMENTS = r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\,g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2,\quad "
_ADAM_STEP = r"\theta_{t+1} = \theta_t - \eta\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}"


@dataclass(frozen=True)
class OptimizerSpec:
    """A torch.optim optimiser, the hyper-parameters a person may set, and its update rule."""

    name: str
    cls: type[torch.optim.Optimizer]
    params: tuple[Param, ...]  # lr first
    rule: str  # LaTeX update rule
    label: str
    fixed: Mapping[str, object] = field(default_factory=dict)  # torch arguments the spec pins
    torch_names: Mapping[str, str] = field(default_factory=dict)  # our name -> torch's, where they differ
    elementwise: bool = True  # False: full batch, one start at a time, no clipping

    def torch_kwargs(self, hparams: Mapping[str, float]) -> dict[str, object]:
        """Our hyper-parameters as the torch class's arguments: ``beta1, beta2 -> betas``."""
        kwargs = {self.torch_names.get(k, k): v for k, v in hparams.items()}
        if "beta1" in kwargs:
            kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
        return {**self.fixed, **kwargs}


_SPECS = (
    OptimizerSpec("gd", torch.optim.SGD, (_lr(1e-3), WEIGHT_DECAY),
                  _G + r"\theta_{t+1} = \theta_t - \eta\,g_t", "gradient descent"),
    OptimizerSpec("momentum", torch.optim.SGD, (_lr(1e-3), MOMENTUM, WEIGHT_DECAY),
                  _G + r"b_t = \mu\,b_{t-1} + g_t,\quad \theta_{t+1} = \theta_t - \eta\,b_t", "momentum"),
    OptimizerSpec("nesterov", torch.optim.SGD, (_lr(1e-3), replace(MOMENTUM, low=0.01), WEIGHT_DECAY),
                  _G + r"b_t = \mu\,b_{t-1} + g_t,\quad \theta_{t+1} = \theta_t - \eta\,(g_t + \mu\,b_t)",
                  "Nesterov", fixed={"nesterov": True}),
    OptimizerSpec("adagrad", torch.optim.Adagrad, (_lr(0.5), replace(EPS, default=1e-10), WEIGHT_DECAY),
                  _G + r"s_t = s_{t-1} + g_t^2,\quad \theta_{t+1} = \theta_t - \eta\,\frac{g_t}{\sqrt{s_t} + \epsilon}",
                  "Adagrad"),
    OptimizerSpec("rmsprop", torch.optim.RMSprop,
                  (_lr(0.01), replace(BETA2, default=0.99), EPS, replace(MOMENTUM, default=0.0), WEIGHT_DECAY),
                  _G + r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2,\quad "
                  r"b_t = \mu\,b_{t-1} + \frac{g_t}{\sqrt{v_t} + \epsilon},\quad \theta_{t+1} = \theta_t - \eta\,b_t",
                  "RMSprop", torch_names={"beta2": "alpha"}),
    OptimizerSpec("adam", torch.optim.Adam, (_lr(0.05), *ADAM), _G + _ADAM_MOMENTS + _ADAM_STEP, "Adam"),
    OptimizerSpec("adamw", torch.optim.AdamW, (_lr(0.05), *ADAM[:3], replace(WEIGHT_DECAY, default=0.01)),
                  r"\theta_t \leftarrow (1-\eta\lambda)\,\theta_t,\quad g_t = \nabla f(\theta_t),\quad "
                  + _ADAM_MOMENTS + _ADAM_STEP, "AdamW"),
    OptimizerSpec("nadam", torch.optim.NAdam, (_lr(0.05), *ADAM),
                  _G + _ADAM_MOMENTS + r"\mu_t = \beta_1\left(1 - \tfrac12\,0.96^{0.004\,t}\right),\quad "
                  r"\theta_{t+1} = \theta_t - \eta\,\frac{\mu_{t+1}\,\hat m_t + (1-\mu_t)\,\hat g_t}"
                  r"{\sqrt{\hat v_t} + \epsilon}", "NAdam"),
    OptimizerSpec("lbfgs", torch.optim.LBFGS, (_lr(1.0),),
                  r"d_t = -H_t\,\nabla f(\theta_t)\ \ (H_t \approx \nabla^2 f^{-1}"
                  r" \text{ from the last 10 steps}),\quad \theta_{t+1} = \theta_t + \alpha_t\,d_t,"
                  r"\ \ \alpha_t \text{ by a strong-Wolfe line search from } \eta", "L-BFGS",
                  fixed={"max_iter": 1, "max_eval": 25, "line_search_fn": "strong_wolfe"}, elementwise=False),
)
OPTIMIZERS: dict[str, OptimizerSpec] = {s.name: s for s in _SPECS}
ALIASES = {"sgd": "gd"}


def names() -> list[str]:
    """All optimiser names, in display order."""
    return list(OPTIMIZERS)


def spec(name: str) -> OptimizerSpec:
    """The registry entry of an optimiser name (or alias, e.g. ``"sgd"``)."""
    return lookup(OPTIMIZERS, ALIASES.get(name, name) if isinstance(name, str) else name, "optimiser")


# ---- learning-rate schedules --------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleSpec:
    """A torch.optim.lr_scheduler schedule: ``make(optimizer, steps, params)``."""

    name: str
    make: Callable[[torch.optim.Optimizer, int, Mapping[str, float]], lr_scheduler.LRScheduler]
    formula: str  # LaTeX of eta_t
    label: str
    params: tuple[Param, ...] = ()


def _constant(optimizer, steps, p):
    return lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)


def _step(optimizer, steps, p):
    return lr_scheduler.StepLR(optimizer, check_int(p["step_size"], "step_size", 1, MAX_STEPS), p["gamma"])


def _exponential(optimizer, steps, p):
    return lr_scheduler.ExponentialLR(optimizer, p["gamma"])


def _cosine(optimizer, steps, p):
    return lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)


SCHEDULES: dict[str, ScheduleSpec] = {s.name: s for s in (
    ScheduleSpec("constant", _constant, r"\eta_t = \eta", "constant"),
    ScheduleSpec("step", _step, r"\eta_t = \eta\,\gamma^{\lfloor t / s \rfloor}", "step decay",
                 (Param("step_size", 100, 1, MAX_STEPS, "s: steps between two cuts"),
                  Param("gamma", 0.5, 0.01, 1.0, "factor of each cut"))),
    ScheduleSpec("exponential", _exponential, r"\eta_t = \eta\,\gamma^t", "exponential decay",
                 (Param("gamma", 0.99, 0.5, 1.0, "factor per step"),)),
    ScheduleSpec("cosine", _cosine, r"\eta_t = \tfrac{\eta}{2}\left(1 + \cos\frac{\pi t}{T}\right)",
                 "cosine annealing to 0 at the last step"),
)}


def schedule_names() -> list[str]:
    return list(SCHEDULES)


def schedule_spec(name: str) -> ScheduleSpec:
    return lookup(SCHEDULES, name, "schedule")
