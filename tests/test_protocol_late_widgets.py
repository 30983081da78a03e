"""A control the browser draws late keeps the value the server holds (``guard.resend_if_unreported``).

On a busy machine the browser may still be loading the code of a page's widgets when the person presses Stop:
that rerun carries no value for them.  Streamlit 1.67 sends a keyed widget's value (set from the link through
session state) only on the run that set it, so a widget drawn on a later run started at its declared default
(0, "", the first option) and the next rerun sent that back: CI saw "number of points must be a whole number
from 20 to 5,000, got 0" after Stop and Run again (tests/test_browser_neural.py, the same in a real browser).
Here a protocol client forgets the form's values, as a browser that had not drawn it would have none.
"""
from __future__ import annotations

import pytest
from protocol import Session

RUN_SECONDS = 30
LINK = "n=500&widths=8&noise=0.3&opt=sgd&epochs=5&seed=3"
SHOWN = {"Points (training + validation)": 500, "Hidden layer widths": "8", "Noise": 0.3, "Optimiser": "sgd",
         "Epochs": 5, "Seed": 3}


@pytest.mark.timeout(90)
def test_a_form_drawn_late_shows_the_links_settings_and_trains_them(server):
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open("/neural_landscape", LINK)
        assert {label: s.widget(label).value for label in SHOWN} == SHOWN
        for w in s.widgets():
            if w.form_id:  # not drawn yet: the browser holds no value for them
                s.values.pop(w.id, None)
        s.rerun()
        assert {label: s.widget(label).value for label in SHOWN} == SHOWN
        shown = {w.id: w.value for w in s.widgets() if w.form_id and w.type != "button"}
        run = s.rerun(shown)  # what the browser now shows, sent back
        assert run.finished and not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
        texts = [e.markdown.body for e in run.elements.values() if e.WhichOneof("type") == "markdown"]
        assert any("2-8-1 tanh network" in t for t in texts), texts  # trained as the link says
