"""Loss Landscape Explorer: the frame. Page config, thread budget and navigation; pages live in views/."""
import streamlit as st

from landscape import ui
from landscape.ui import class_signin

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
    st.Page("views/loss_surface.py", title="Loss surface", icon=":material/landscape:", url_path="loss_surface"),
    st.Page("views/outliers.py", title="Outliers", icon=":material/scatter_plot:", url_path="outliers"),
    st.Page("views/loss_functions.py", title="Loss functions", icon=":material/show_chart:",
            url_path="loss_functions"),
    st.Page("views/classification.py", title="Classification", icon=":material/category:",
            url_path="classification"),
    st.Page("views/distributions.py", title="Distributions and overlap", icon=":material/stacked_line_chart:",
            url_path="distributions"),
    st.Page("views/optimisers.py", title="Optimisers", icon=":material/directions_run:", url_path="optimisers"),
    st.Page("views/neural_landscape.py", title="Neural landscape", icon=":material/hub:", url_path="neural_landscape"),
    st.Page("views/overfitting.py", title="Overfitting", icon=":material/trending_down:", url_path="overfitting"),
    st.Page("views/classroom.py", title="Live class", icon=":material/groups:", url_path="class"),
]

ui.setup()
page = st.navigation(PAGES)
class_signin.return_after_sign_in(page, PAGES[0], PAGES[-1])
page.run()
