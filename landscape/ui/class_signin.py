"""The Live class page's sign-in: when an identity provider is configured (an ``[auth]`` section in
``.streamlit/secrets.toml``), a teacher signs in with ``st.login`` to start a class, and owns it: signed in on
any device, they steer it without the teacher link.  Without ``[auth]`` nothing here shows (the teacher link
alone steers, as before).
"""
from __future__ import annotations

import time

import streamlit as st

from landscape.classroom import Classroom, Owner, owner_from_claims, show_code
from landscape.types import InputError
from landscape.ui.page import literal


def configured() -> bool:
    """Whether the server's secrets configure an identity provider."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitAPIException):  # no secrets.toml at all
        return False


JUST_SIGNED_IN = 120  # seconds: an identity token this fresh means the person has just come back from the provider
ROUTED = "class_signin_routed"  # session state: this session's first page has been looked at


def return_after_sign_in(page, home, live_class) -> None:
    """Streamlit brings a person back from the identity provider to the app's first page (``home``).  The Live
    class page is the only place to sign in, so a first run of a session that lands on ``home`` with a
    fresh sign-in (the token's ``iat`` within ``JUST_SIGNED_IN`` seconds) goes on to ``live_class``."""
    if ROUTED in st.session_state:
        return
    st.session_state[ROUTED] = True
    if page is not home or signed_in() is None:
        return
    issued = st.user.to_dict().get("iat")
    if isinstance(issued, (int, float)) and 0 <= time.time() - issued < JUST_SIGNED_IN:
        st.switch_page(live_class)


def signed_in() -> Owner | None:
    """The signed-in teacher, when an identity provider is configured and someone is signed in."""
    if not configured() or not st.user.is_logged_in:
        return None
    return owner_from_claims(st.user.to_dict())


def sign_in(why: str, key: str) -> None:
    """A Sign in button (the provider's page, then back here through ``return_after_sign_in``)."""
    st.info(why, icon=":material/login:")
    if st.button("Sign in", key=key, type="primary"):
        try:
            st.login()
        except st.errors.StreamlitAuthError as err:  # no Authlib, or an [auth] section that cannot work
            st.error(f"Signing in is not set up right on this server: {err}", icon="⚠️")


def signed_in_as(owner: Owner, key: str) -> None:
    """Who is signed in, and Sign out."""
    name, out = st.columns([4, 1], vertical_alignment="center")
    name.caption(f"Signed in as {literal(owner.name)}")
    if out.button("Sign out", key=key, width="stretch"):
        st.logout()


def your_classes(room: Classroom, owner: Owner) -> None:
    """The live classes this teacher started, each a button that opens it for steering (from any device)."""
    try:
        owned = room.owned_classes(owner)
    except InputError as err:
        st.warning(str(err), icon="⚠️")
        return
    if not owned:
        return
    st.subheader("Your classes", anchor=False)
    for state in owned:
        st.button(f"Steer {literal(state.lesson)} · code {show_code(state.code)} · "
                  f"{state.students} joined", key=f"class_owned_{state.class_id}",
                  on_click=st.query_params.from_dict, args=({"class": state.class_id},))
