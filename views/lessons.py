"""Lessons: play a lesson step by step, the class predicting before each reveal."""
import streamlit as st

from landscape import ui
from landscape.figures import style
from landscape.lessons.player import catalogue
from landscape.ui import lesson as step_ui
from landscape.ui import lessons
from landscape.ui.page import literal

url = ui.UrlState(lessons.PAGE)
look = style.current_look()  # presenter mode's, set by the frame
picker = st.sidebar.container()
lessons.upload(url)
player = lessons.Player(url, container=picker)
lessons.downloads(player.lesson)
url.report()

lesson, step, k = player.lesson, player.current, player.step
with st.container(key="lessons_head"):
    st.title(literal(lesson.title), anchor=False)
    if k == 1 and not player.revealed:
        st.caption(literal(lesson.summary))
player.buttons()
with st.container(key="lessons_question_asked" if not player.revealed else "lessons_question_revealed"):
    step_ui.show_question(step, k, len(lesson.steps), with_choices=False)
predicted = player.prediction()
if player.revealed:
    step_ui.show_reveal(step, key=f"lessons_chart_{player.choice}_{k}", beside=look != style.PLAIN)
    player.verdict(predicted)
    player.page_link()
elif look == style.PLAIN:  # presenting, the buttons' own key hints are enough
    st.caption(f"Keys: {lessons.SHORTCUTS['reveal']} arrow reveals, {lessons.SHORTCUTS['next']} arrow goes on, "
               f"{lessons.SHORTCUTS['previous']} arrow goes back (after a click on the page, not on a control: "
               "a control keeps the arrow keys).")

with st.expander("All lessons", expanded=look == style.PLAIN):
    st.dataframe(catalogue(), hide_index=True, key="lessons_catalogue",
                 column_config={"steps": st.column_config.NumberColumn(width="small")})
url.sync()
