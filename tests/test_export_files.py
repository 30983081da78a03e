"""landscape.export_files (which files a view offers) and landscape.lessons.authoring (a step made from a view),
called directly, without Streamlit."""
from __future__ import annotations

import pytest

from landscape import export, export_files, lessons
from landscape.figures.export import view_file
from landscape.figures.steps import BUILDERS
from landscape.lessons import authoring, links
from landscape.lessons.compute import Memo

MEMO = Memo(entries=128)
SMALL_NET = {"n": "100", "widths": "4", "epochs": "10"}


def inputs(page: str, **query) -> dict:
    return links.check(page, query).inputs


@pytest.mark.parametrize("page, query", [(page, {}) for page in BUILDERS if page != "neural_landscape"] + [
    ("neural_landscape", {**SMALL_NET, "view": "plane"}), ("neural_landscape", {**SMALL_NET, "view": "curvature"})])
def test_the_format_offered_is_the_one_the_numbers_are_written_in(page, query):
    view = inputs(page, **query)
    for figure in BUILDERS[page]:
        kind = export_files.data_format(page, figure, view)
        assert export.figure_data(page, figure, view, MEMO).filename.endswith("." + kind), (page, figure)


def test_each_figure_shown_offers_its_html_and_its_numbers_and_the_race_its_gif():
    view = inputs("optimisers", map="1")
    offered = export_files.downloads("optimisers", view)
    shown = links.shown_figures("optimisers", view)
    assert [h for h, _ in offered] == [export_files.title(f).capitalize() for f in shown] + ["Race"]
    for figure, (_, files) in zip(shown, offered):
        assert [f.name for f in files] == [f"optimisers-{figure}.html",
                                           f"optimisers-{figure}.{export_files.data_format('optimisers', figure, view)}"]
        assert [f.mime for f in files][0] == "text/html"
    assert [(f.name, f.mime, f.label) for f in offered[-1][1]] == [("optimisers-race.gif", "image/gif", "Animated GIF")]
    assert all(h != "Race" for h, _ in export_files.downloads("overfitting", inputs("overfitting", epochs="50")))
    assert export_files.title("degree_fits") == "fits by degree" and export_files.title("scatter") == "scatter"


def test_a_view_file_of_numbers_is_the_exports_file():
    view = inputs("overfitting", epochs="50")
    assert view_file("overfitting", "degrees", "csv", view) == export.figure_data("overfitting", "degrees", view).content


def test_a_step_keeps_the_views_parameters_and_the_typed_choices():
    assert authoring.typed_choices("  A \n\n B\n   \nC") == ["A", "B", "C"]
    assert authoring.step_params({"degree": "7", "details": "1"}, ("details",)) == {"degree": "7"}
    help_text = authoring.reveal_help("overfitting", inputs("overfitting"))
    assert "`{best_degree}`: the degree with the lowest validation error" in help_text


def test_the_draft_reads_as_a_lesson_file_with_a_summary():
    step = lessons.make_step("overfitting", {"degree": "7"}, "Why?", "It is {best_degree}.", "free", [], None,
                             "degrees")
    one = lessons.append(lessons.new("my-lesson", "My lesson"), step)
    assert authoring.heading(one) == "**My lesson: 1 step**"
    assert authoring.heading(lessons.append(one, step)) == "**My lesson: 2 steps**"
    back = lessons.load(authoring.lesson_file(one))
    assert back.summary == authoring.SUMMARY and back.steps == one.steps
