"""Overfitting: training and validation error over model capacity and over training time."""
import streamlit as st

from landscape import capacity, figures, nn, overfitting, ui
from landscape.ui import exports
from landscape.ui.overfitting import degree_sweep, epoch_curve

url = ui.UrlState("fit")
st.title("Overfitting: training vs validation error")

with st.sidebar:
    st.markdown("**Data**: y = sin(2x) + noise")
    noise = url.slider("Noise σ", "noise", 0.0, 1.0, 0.3, step=0.05)
    n = url.number("Training points", "n", capacity.MIN_TRAIN, capacity.MAX_TRAIN, 30, clamp=False,
                   help=f"{capacity.MIN_TRAIN} to {capacity.MAX_TRAIN:,}; {capacity.VAL_POINTS} more are held out "
                        "for validation")
    seed = url.number("Seed", "seed", 0, 10_000, 0, clamp=False)
    l2 = url.number("L2 penalty λ (weight decay)", "l2", 0.0, capacity.MAX_L2, 0.0, step=0.001, clamp=False,
                    format="%g", help="adds λ‖w‖² to the mean squared error, for the polynomials and the network")
    details = ui.details_switch(url)
url.report()

heading, control = st.columns([3, 2], vertical_alignment="bottom")
heading.subheader("Over capacity: polynomials of growing degree")
view = ui.run_or_stop(degree_sweep, n, noise, seed, l2)
sweep = view.sweep
degree = url.slider("Degree to draw", "degree", 0, overfitting.SWEEP_DEGREE, 12, container=control)
left, right = st.columns(2)
left.plotly_chart(figures.train_val_curves(sweep.degrees, sweep.train, sweep.val, "polynomial degree",
                                           "mean squared error", marks=overfitting.degree_marks(view, degree),
                                           labels=sweep.labels, floor=sweep.floor, height=420), key="chart_fit_degrees",
                  config=figures.CONFIG)
right.plotly_chart(figures.fitted_curves(view.split.X_train[:, 0], view.split.y_train, view.split.X_val[:, 0],
                                         view.split.y_val, view.grid, view.truth,
                                         overfitting.degree_fits(view, degree)), key="chart_fit_degree_curves",
                   config=figures.CONFIG)
st.markdown(overfitting.degree_reading(view, degree))
st.caption(f"{len(sweep.degrees)} ridge fits on {len(view.split.X_train)} points, errors on "
           f"{len(view.split.X_val)} validation points · noise floor "
           f"{sweep.floor:.3g} (σ², or 1 % of the variance of y when σ is tiny)")
ui.detail(f"The {len(sweep.degrees)} fits computed in {sweep.seconds * 1000:.0f} ms", details)

st.subheader("Over training time: a neural network")
c = st.columns(4)
width = url.slider("Units per layer", "width", 1, nn.MAX_WIDTH, 64, container=c[0])
layers = url.slider("Hidden layers", "layers", 1, nn.MAX_DEPTH, 2, container=c[1])
epochs = url.number("Epochs (full batch)", "epochs", 1, nn.MAX_EPOCHS, 1000, clamp=False, container=c[2])
lr = url.number("Learning rate (Adam)", "lr", 1e-6, 1e6, 0.01, step=0.001, clamp=False, format="%g", container=c[3])
url.report()
curve = ui.run_or_stop(epoch_curve, n, noise, seed, l2, width, layers, epochs, lr)
if curve is not None:
    if curve.diverged_at is not None:
        st.error(f"Training diverged at step {curve.diverged_at:,}: the loss or the weights stopped being finite. "
                 f"The curves stop at the last good record. Lower the learning rate (now {lr:g}).",
                 icon=":material/trending_up:")
    left, right = st.columns(2)
    left.plotly_chart(figures.train_val_curves(curve.epochs, curve.train, curve.val, "epoch", "mean squared error",
                                               marks={"best epoch (early stopping)": curve.epochs[curve.best]},
                                               labels=curve.labels, floor=curve.floor, height=420),
                      key="chart_fit_epochs", config=figures.CONFIG)
    right.plotly_chart(figures.fitted_curves(view.split.X_train[:, 0], view.split.y_train, view.split.X_val[:, 0],
                                             view.split.y_val, curve.grid, view.truth,
                                             {"network at the best epoch": curve.fit_best,
                                              "network at the end": curve.fit_final}), key="chart_fit_epoch_curves",
                       config=figures.CONFIG)
    st.markdown(overfitting.epoch_reading(curve))
    st.caption(f"1-{'-'.join([str(width)] * layers)}-1 tanh network, Adam, {len(curve.epochs)} records")
    ui.detail(f"Trained in {curve.seconds:.2f} s · the page's compute in all: {sweep.seconds + curve.seconds:.2f} s",
              details)

st.subheader("Reading the curves")
st.markdown(
    f"""
The **training error** measures how well a model fits the points it learned from; the **validation error**
how well it predicts {capacity.VAL_POINTS} new points from the same curve. No model can predict the noise, so
the validation error cannot go below the **noise floor** σ² on average.

- **Underfit** (blue band): the training error stays more than {capacity.TOLERANCE:.0%} above the noise floor.
  The model is too simple (low degree), has not trained long enough, or the L2 penalty holds it back.
- **Good fit** (green): the training error is below the noise floor or less than {capacity.TOLERANCE:.0%} above
  it, and the validation error is within {capacity.TOLERANCE:.0%} (of the floor or the best value, whichever is
  larger) of the best validation error in the sweep or the run.
- **Overfit** (red): the training error is below the floor or less than {capacity.TOLERANCE:.0%} above it, but the
  validation error is clearly worse than the best and above the training error: the model has bent itself
  through the noise of its own points. A training error *below* the floor is the warning sign: no model can
  predict new points that well, so a model that fits its own points better has learned some of their noise.
  Whether that costs it on new points yet, the validation error says: just below the floor, it can still be a
  good fit.

The labels come from the two curves by this rule, not from the degree or the epoch. The **best epoch** is the
record with the lowest validation error: early stopping keeps the weights from there. More training points
push overfitting to higher degrees and later epochs; more noise does the opposite; an L2 penalty pulls the
wild high-degree fits back toward smooth curves (too much of it underfits everything).
"""
)
url.sync()
exports.tools("overfitting")
