"""What the Live class page's screens say and decide, without Streamlit: the teacher's address, the join link,
a student's network key, the answer box's choices and what to send, the table of the class's answers, and the
teacher's notes.  ``landscape.ui.classroom`` and ``landscape.ui.class_teacher`` draw them; every text a
teacher or a student typed is escaped (``literal``) where it goes into Markdown."""
from __future__ import annotations

import html
import io
from urllib.parse import urlencode

import segno

from landscape.classroom.model import ClassState, Distribution, StudentState, duration
from landscape.classroom.owners import Owner
from landscape.classroom.tokens import show_code
from landscape.lessons.player import LETTERS
from landscape.lessons.steps import Step
from landscape.markdown import literal

PAGE = "class"  # app.py's url_path, and the prefix of the page's widget keys
LOOPBACK = (None, "127.0.0.1", "::1")


def teacher_params(class_id: str, secret: str | None) -> dict[str, str]:
    """The teacher's link: with the secret, or (a signed-in owner's class) the class alone."""
    return {"class": class_id, "teacher": secret} if secret else {"class": class_id}


def teacher_link(here: str | None, class_id: str, secret: str) -> str:
    """The teacher link of a class: the page's address (or path) with the class and the secret."""
    return f"{here or PAGE}?{urlencode(teacher_params(class_id, secret))}"


def join_link(here: str | None, code: str) -> str:
    """The link students open: the page's address in the teacher's browser (or the page's path) with the code."""
    return f"{here or PAGE}?code={code}"


def join_code_html(code: str) -> str:
    """The join code for the projector: monospace type as large as its column allows (at most 4.6rem), on one
    line.  The outer box is a size container, so ``cqi`` (a hundredth of its width) sizes the type: the 9
    characters and their spacing take about 5.8em, so 16.5cqi keeps them inside the column at any width."""
    shown = html.escape(show_code(code))
    return (f'<div style="container-type: inline-size"><div class="join-code" aria-label="join code {shown}" '
            'style="font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 700; '
            'font-size: min(4.6rem, 16.5cqi); line-height: 1.1; text-align: center; white-space: nowrap; '
            f'letter-spacing: 0.04em">{shown}</div></div>')


def qr_png(link: str) -> bytes:
    """The join link as a QR code (PNG, medium error correction, 10 px modules)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def network_key(forwarded: str, address: str | None) -> str | None:
    """A student's address for the join rate limit: behind the class server's HAProxy (a loopback peer) the
    last X-Forwarded-For entry, the one the proxy added (a client can only prepend); else the peer itself."""
    hops = [h.strip() for h in (forwarded or "").split(",") if h.strip()]
    return (hops[-1] if hops and address in LOOPBACK else address) or None


def choice_index(step: Step, answer: str | None) -> int | None:
    """The radio's selection for the student's stored answer (None: nothing chosen yet)."""
    return step.choices.index(answer) if answer in step.choices else None


def choice_text(step: Step, index: int) -> str:
    """``A. the choice`` as a radio option (Markdown, the choice as typed)."""
    return f"{LETTERS[index]}. {literal(step.choices[index])}"


def to_send(state: StudentState, given: str | None) -> str | None:
    """The answer to store: what the student gave, when it is new and answers are open; else None."""
    if given is None or given == state.answer or state.revealed:
        return None
    return given


def answered_note(state: StudentState) -> tuple[str | None, str | None]:
    """(the success line, the hint under it): the student's answer as stored, or why there is none."""
    if state.answer is not None:
        return (f"Answered: {literal(state.answer)}",
                None if state.revealed else "You can change your answer until the teacher reveals it.")
    return None, "Answers to this step are closed." if state.revealed else None


def distribution_table(dist: Distribution) -> dict[str, list]:
    """The class's answers to a step as a table's columns (a student's text is data in a cell, never Markdown)."""
    return {"Answer": [text for text, _ in dist.items], "Students": [n for _, n in dist.items]}


def started_note(credential: str | Owner) -> str:
    """The toast after Start a class."""
    if isinstance(credential, Owner):
        return "Class started. It is yours: signed in, you can steer it from any device (Live class page)."
    return ("Class started. This page's address is your teacher link: keep it private, and bookmark it to come "
            "back to the class.")


def owner_link_note(known: bool) -> str:
    """Under a signed-in owner's screen: the teacher link as well, for a device where they are not signed in."""
    if known:
        return ("Its teacher link steers it too, from a device where you are not signed in. Keep it private: "
                "anyone who has it can steer the class.")
    return "Its teacher link was shown on the device that started the class, under this note."


def steering_note(credential: str | Owner) -> str:
    """Under the teacher's screen: how the teacher gets back to the class, and who else can steer it."""
    if isinstance(credential, Owner):
        return (f"You steer this class signed in as {literal(credential.name)}: on any device, sign in and open "
                "the Live class page. Nobody else can steer it.")
    return ("This page's address is your **teacher link**: keep it private (anyone who has it can steer the class; "
            "on a projector, go full screen so the address bar is hidden). It is how you get back to this "
            "class: bookmark it.")


def retention_note(state: ClassState) -> str:
    return f"The class and its answers are deleted {duration(state.expires_at - state.created_at)} after it started."
