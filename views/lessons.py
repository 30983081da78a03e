"""Lessons: play a lesson step by step, the class predicting before each reveal."""
import streamlit as st

from landscape import ui
from landscape.ui import lesson as step_ui
from landscape.ui import lessons
from landscape.ui.page import literal

url = ui.UrlState(lessons.PAGE)
picker = st.sidebar.container()
lessons.upload(url)
player = lessons.Player(url, container=picker)
lessons.downloads(player.lesson)
url.report()

lesson, step, k = player.lesson, player.current, player.step
st.title(literal(lesson.title), anchor=False)
st.caption(literal(lesson.summary))
with st.container(key="lessons_question"):
    step_ui.show_question(step, k, len(lesson.steps))
predicted = player.prediction()
player.buttons()
if player.revealed:
    step_ui.show_reveal(step, key=f"lessons_chart_{lessons.PAGE}_{player.choice}_{k}")
    player.verdict(predicted)
    player.page_link()
else:
    st.caption(f"Keys: {lessons.SHORTCUTS['reveal']} arrow reveals, {lessons.SHORTCUTS['next']} arrow goes on, "
               f"{lessons.SHORTCUTS['previous']} arrow goes back.")

with st.expander("All lessons", expanded=False):
    st.dataframe(lessons.catalogue(), hide_index=True, key="lessons_catalogue")
url.sync()
