"""The Neural landscape page's words, built from its numbers: what was trained (``describe``), the read-outs
of the run's end (``summary``), its weight space's size (``dimensions``), why the curves stop
(``diverged_message``) and the reading of the sharpness comparison (``sharpness_sentences``, which names the
sharper minimum and says "far fewer steps" only when the large batch took at most 1/FEWER of the small one's
steps).

    st.caption(neural_words.describe(run))   # run: landscape.nn.Run

tests/test_neural_words.py and tests/test_claims.py hold each sentence to its numbers.  Pure functions: no
streamlit.
"""
from __future__ import annotations

from landscape import nn
from landscape.neural import SharpnessView

FEWER = 4  # "far fewer steps": at most a quarter as many


def diverged_message(run: nn.Run) -> str:
    """Where training diverged, what that means and what to do."""
    total = run.hparams["epochs"] * run.steps_per_epoch
    return (f"Training diverged at step {run.diverged_at:,} of {total:,}: "
            f"the loss or the weights stopped being finite numbers or grew beyond {nn.MAX_LOSS:g} / {nn.MAX_PARAM:g}. "
            f"The curves stop at the last good record. Lower the learning rate (now {run.hparams['lr']:g}) and "
            "press Train.")


def describe(run: nn.Run) -> str:
    """``2-32-32-1 tanh network, 1,185 parameters, adam with learning rate 0.01``."""
    return (f"{'-'.join(map(str, run.spec.dims))} {run.spec.activation} network, {run.spec.size:,} parameters, "
            f"{run.hparams['optimizer']} with learning rate {run.hparams['lr']:g}")


def dimensions(run: nn.Run) -> str:
    """How many dimensions the loss surface has: one per weight and bias of this network (not "thousands" of a
    2-16-1 network's 65)."""
    n = run.spec.size
    return f"This network has {n:,} weights and biases, so its loss is a surface over {n:,} dimensions."


def summary(run: nn.Run) -> dict[str, str]:
    """Read-outs of the end of the run: losses, metric, steps, time."""
    name = run.metric_name
    return {"training loss": f"{run.train_loss[-1]:.4g}", "validation loss": f"{run.val_loss[-1]:.4g}",
            f"training {name}": f"{run.train_metric[-1]:.3g}", f"validation {name}": f"{run.val_metric[-1]:.3g}",
            "parameters": f"{run.spec.size:,}", "steps": f"{int(run.steps[-1]):,}"}


def sharpness_sentences(view: SharpnessView) -> list[str]:
    """The comparison's reading, from its numbers: which minimum is the sharper, and whether the two are
    comparable (steps taken, training losses reached)."""
    out = [(f"Both networks trained and measured in {view.seconds:.2f} s. The larger λ₁, the faster the loss "
            "rises along the sharpest direction: a sharper minimum.")]
    if len(view.top) != 2:
        return out
    (small, large), (s_small, s_large), (l_small, l_large) = view.labels, view.steps, view.train_loss
    sharper = small if view.top[0] > view.top[1] else large
    out.append(f"Here λ₁ is {view.top[0]:.4g} at {small} and {view.top[1]:.4g} at {large}: the {sharper} minimum "
               "is the sharper." if view.top[0] != view.top[1] else f"Here both have λ₁ = {view.top[0]:.4g}.")
    if s_large * FEWER <= s_small:
        out.append(f"With the same number of epochs the large batch took far fewer steps ({s_large:,} against "
                   f"{s_small:,}), so compare the training losses too ({l_large:.4g} against {l_small:.4g}): a "
                   "minimum it has not reached yet is not a sharp or a flat one.")
    else:
        out.append(f"The large batch took {s_large:,} steps and the small one {s_small:,}; their training losses "
                   f"are {l_large:.4g} and {l_small:.4g}.")
    return out
