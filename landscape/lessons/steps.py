"""A lesson and its steps (frozen dataclasses), and playing a step: its reveal with numbers computed now."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from landscape.lessons import links, quotes
from landscape.lessons.compute import Memo
from landscape.lessons.template import fill, template_fields


@dataclass(frozen=True)
class Step:
    """One view of one page, a question, and a reveal (a template of the page's quotes)."""

    page: str  # a page's url_path (links.PAGES)
    params: tuple[tuple[str, str], ...]  # its link parameters, as the text of a link
    question: str
    reveal: str
    kind: str = "free"  # "free" or "choice"
    choices: tuple[str, ...] = ()
    answer: int | None = None  # index of the right choice
    figure: str | None = None  # one of the page's figures (links.PAGES[page].figures); None: the first

    @property
    def query(self) -> dict[str, str]:
        return dict(self.params)

    def link(self) -> str:
        """The step as an address in the app: ``outliers?count=5&size=10.0``."""
        return self.page + ("?" + urlencode(self.params) if self.params else "")

    def parsed(self, strict: bool = True) -> links.Parsed:
        return links.parse(self.page, self.query, strict)

    @property
    def shown_figure(self) -> str:
        return self.figure or links.PAGES[self.page].figures[0]

    def placeholders(self) -> list[str]:
        return [name for name, _ in template_fields(self.reveal)]


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def numbers(step: Step, memo: Memo | None = None) -> dict[str, float | int]:
    """The quotes the step's reveal names, computed now from the page's compute."""
    parsed = links.check(step.page, step.query)
    return quotes.compute(step.page, parsed.inputs, step.placeholders(), memo)


def reveal(step: Step, memo: Memo | None = None) -> str:
    """The step's reveal with its numbers filled in (plain text)."""
    return fill(step.reveal, numbers(step, memo))
