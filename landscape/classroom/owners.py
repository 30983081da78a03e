"""Who owns a class when teachers sign in with an identity provider (Streamlit's ``st.login``).

A class started by a signed-in teacher records its owner: a hash of the identity's issuer and stable subject
(OIDC's ``iss`` and ``sub``; never the e-mail address, which a person can change or an provider can reuse).
That owner, signed in again on any device, steers the class without the teacher link; nobody else does.
No streamlit here: the page reads ``st.user`` and passes its claims to ``owner_from_claims``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Owner:
    """A signed-in teacher: ``key`` is what the class database keeps, ``name`` what the page shows."""

    key: str
    name: str


def owner_from_claims(claims: Mapping) -> Owner | None:
    """The owner a signed-in identity's claims name; None when not signed in or without a subject."""
    if not claims or not claims.get("is_logged_in", True):
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        return None
    issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else ""
    key = hashlib.sha256(f"{issuer}\n{subject}".encode("utf-8", "replace")).hexdigest()
    return Owner(key, display_name(claims, subject))


def display_name(claims: Mapping, subject: str) -> str:
    """How the page names the signed-in teacher: the e-mail, else the name, else the subject."""
    for field in ("email", "name", "preferred_username"):
        value = claims.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return subject.strip()[:200]


def owns(owner_key: str | None, credential: object) -> bool:
    """Whether ``credential`` is the Owner of a class whose recorded owner is ``owner_key``."""
    return isinstance(credential, Owner) and bool(owner_key) and credential.key == owner_key
