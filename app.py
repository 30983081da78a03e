"""Loss Landscape Explorer: the frame. Page config, thread budget and navigation; pages live in views/."""
import streamlit as st

from landscape import ui

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/loss_surface.py", title="Loss surface", icon=":material/landscape:", url_path="loss_surface"),
]

ui.setup()
st.navigation(PAGES).run()
