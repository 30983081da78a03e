"""Home: what the explorer shows and where to start."""
import streamlit as st

st.title("Loss Landscape Explorer")
st.markdown(
    """
Training a model means walking downhill on a **loss landscape**: a surface whose height is the
loss and whose coordinates are the model's parameters.  These pages let you look at that surface
and at the walkers.

- **Loss surface**: a rotatable 3D surface and its contour map over two parameters of a real
  model (linear or logistic regression on data) or of a classic test function, with the minimum
  marked, the downhill direction, and what regularisation does to the landscape.

Every control is kept in the address bar: copy the link to share exactly what you see.
"""
)
st.page_link("views/loss_surface.py", label="Open the loss surface", icon=":material/landscape:")
