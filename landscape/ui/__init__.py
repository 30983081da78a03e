"""Streamlit glue shared by the pages: frame, URL-bound controls, pickers, cached compute."""
from landscape.ui.page import detail, details_switch, messages, run_or_stop, setup
from landscape.ui.pickers import (loss_picker, param_inputs, param_sliders, point_picker, problem_picker,
                                  view_picker)
from landscape.ui.state import UrlState

__all__ = ["UrlState", "detail", "details_switch", "loss_picker", "messages", "param_inputs", "param_sliders",
           "point_picker", "problem_picker", "run_or_stop", "setup", "view_picker"]
