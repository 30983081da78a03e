"""Text shown as typed inside Markdown: a label, a lesson or a student may write ``*``, ``_``, ``$``,
``[link](...)``, ``<b>``, ``:red[...]`` or a ``#`` heading, and each must be shown as typed, never rendered.
No streamlit: the pages reach it as ``landscape.ui.page.literal``, compute that words a sentence calls it here."""
from __future__ import annotations

SPECIAL = "\\`*_[]()<>#|$~:!+-="  # every character Streamlit's Markdown gives a meaning to


def literal(text: str) -> str:
    """``text`` shown literally in Markdown: each special character backslash-escaped."""
    return "".join("\\" + c if c in SPECIAL else c for c in text)
