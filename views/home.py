"""Home: what the explorer shows and where to start."""
import streamlit as st

from landscape import lessons, optim
from landscape.words import and_list

optimisers = and_list([optim.spec(name).label for name in optim.names()])  # the registries', not a copy
st.title("Loss Landscape Explorer")
st.markdown(
    f"""
Training a model means walking downhill on a **loss landscape**: a surface whose height is the
loss and whose coordinates are the model's parameters.  These pages let you look at that surface
and at the walkers.

- **Loss surface**: a rotatable 3D surface and its contour map over two parameters of a real
  model (linear or logistic regression on data) or of a classic test function, with the minimum
  marked, the downhill direction, and what regularisation does to the landscape.
- **Outliers**: how hard outliers pull MSE's line, MAE's and Huber's, and when leverage pulls them all. Add,
  move or remove points by clicking, and watch every loss's fitted line, the minimum move on the
  MSE, MAE and Huber surfaces, which points carry each loss, and how hard an outlier pulls (ψ).
- **Loss functions**: every regression loss over the residual and every classification loss over the
  margin, beside its slope, with its formula and when to use it; overlay several, tune their
  parameters, read off the loss and gradient anywhere, type your own formula, and see why
  cross-entropy punishes a confident mistake so hard.
- **Classification**: logistic-regression loss surfaces (cross-entropy, hinge, squared hinge, focal)
  on 2D data with the decision boundary of their minimum; make a missed positive cost more and
  watch the minimum, the boundary, precision and recall move; a three-class softmax with a
  temperature and its predictions in the probability triangle.
- **Distributions and overlap**: forward and reverse KL divergence and Jensen-Shannon fitting one
  Normal to two modes (spread over both, or, when they are apart, pick one), and soft Dice and IoU
  against cross-entropy for a predicted segment, with how much of the plane is flat where the
  prediction misses the object.
- **Optimisers**: {optimisers} racing from the same start: animated paths on the contour and the
  3D surface, loss curves, a leaderboard, each update rule, basins of attraction from a grid of starts,
  and the learning-rate × momentum settings where training diverges.
- **Neural landscape**: train a small network (data, widths, activation, optimiser, learning rate,
  batch size, epochs) with a progress bar you can stop, then look at its loss landscape the way
  research papers do: the line from the initial to the trained weights, a filter-normalised random
  plane in 2D and 3D, the plane of the training path's main directions with the path on it, and
  the curvature: top Hessian eigenvalues, the trace, a small- against a large-batch minimum.
- **Overfitting**: training and validation error over polynomial degree and over training epochs
  on a noisy curve, with noise, training-set size and an L2 penalty to play with; the best epoch
  for early stopping, and underfit / good fit / overfit read from the curves.

For a class:

- **Lessons**: {len(lessons.names())} lessons of a few steps each. Every step asks the class a question first, then
  reveals the page's figure and an explanation quoting the numbers computed now. Presenter mode
  (`?present=1`, or the sidebar switch) folds the controls away and enlarges type and figures for
  the projector; the arrow keys step through a lesson. Any page's view can be added to your own lesson,
  and every figure downloads as an offline HTML file with its numbers as CSV or NPZ.
- **Live class**: start a class from a lesson; students join with a code or a QR code on their own
  screens, follow your steps, answer, and see the reveal when you give it; you see how many
  answered and what they said.

Every control is kept in the address bar: copy the link to share exactly what you see.
"""
)
st.page_link("views/loss_surface.py", label="Open the loss surface", icon=":material/landscape:")
st.page_link("views/outliers.py", label="Drag the lines with outliers", icon=":material/scatter_plot:")
st.page_link("views/loss_functions.py", label="Compare loss functions", icon=":material/show_chart:")
st.page_link("views/classification.py", label="Classify and weigh the mistakes", icon=":material/category:")
st.page_link("views/distributions.py", label="Fit distributions, score overlaps", icon=":material/stacked_line_chart:")
st.page_link("views/optimisers.py", label="Race the optimisers", icon=":material/directions_run:")
st.page_link("views/neural_landscape.py", label="Slice a neural network's landscape", icon=":material/hub:")
st.page_link("views/overfitting.py", label="Watch a model overfit", icon=":material/trending_down:")
st.page_link("views/lessons.py", label="Teach a lesson", icon=":material/school:")
st.page_link("views/classroom.py", label="Start or join a live class", icon=":material/groups:")
