"""The Outliers page's point edits (``landscape.point_edits``): the compact link value, its checks, and the
edits that clicks on the scatter and changes in the table make."""
import numpy as np
import pytest

from landscape.point_edits import Edits, after_click, after_table
from landscape.types import InputError


def test_edits_round_trip_and_apply():
    edits = Edits.parse("1.5:-2,0.25:3:0,7=:1e-05:,2=4::0,-9,-1")
    assert str(edits) == "1.5:-2,0.25:3:0,2=4::0,7=:1e-05:,-1,-9"
    assert Edits.parse(str(edits)) == edits
    assert edits.count == 6 and Edits().count == 0
    x, y, flags = np.arange(10.0), np.zeros(10), np.zeros(10, dtype=bool)
    x2, y2, f2, origin, ignored = edits.apply(x, y, flags)
    assert len(x2) == 10 and ignored == 0
    assert list(origin) == [0, 2, 3, 4, 5, 6, 7, 8, -1, -2]
    assert (x2[1], f2[1]) == (4.0, False) and y2[6] == 1e-05 and (x2[-2], y2[-2], f2[-2]) == (1.5, -2.0, True)
    assert not f2[-1]
    assert Edits.parse("20=1:1:1,-30").apply(x, y, flags)[4] == 2  # points that do not exist are skipped


@pytest.mark.parametrize("text,message", [
    ("abc", "expected x:y"), ("1:nan", "not a finite number"), ("1:1e9", "within ±1e6"), ("1:2:3", "1 or 0"),
    ("-x", "point number"), ("5=1:2", "i=x:y:flag"), ("1:2:3:4", "x:y or x:y:flag"),
    (",".join(["1:1"] * 1001), "limit"), ("9" * 50_000, "characters"),
])
def test_bad_edits_get_a_clear_message(text, message):
    with pytest.raises(InputError, match=message):
        Edits.parse(text)


def test_clicks_add_move_and_remove_points():
    origin = (0, 1, 2, -1)  # three generated points and one added
    grid_point = {"x": 1.23456789, "y": -2.0000001, "curve_number": 0, "point_index": 7}
    data_point = {"x": 5.0, "y": 6.0, "customdata": 3}
    edits, pick = after_click(Edits(added=((0.0, 0.0, True),)), origin, "add", grid_point, None)
    assert edits.added[-1] == (1.235, -2.0, True) and pick is None
    edits, pick = after_click(edits, origin, "remove", data_point, None)
    assert edits.added == ((1.235, -2.0, True),)  # the first added point (row 3) is gone
    edits, pick = after_click(edits, origin, "remove", grid_point, None)
    assert pick is None and len(edits.added) == 1  # a click beside every point removes nothing
    edits, pick = after_click(Edits(), origin, "move", {"x": 1, "y": 2, "customdata": [1]}, None)
    assert pick == 1 and edits == Edits()
    edits, pick = after_click(edits, origin, "move", grid_point, pick)
    assert str(edits) == "1=1.235:-2:1" and pick is None


def test_table_rows_become_edits():
    origin = (0, 1, 2, -1)
    start = Edits(added=((9.0, 9.0, True),))
    delta = {"edited_rows": {1: {"y": 4.5}, 3: {"outlier": False}}, "added_rows": [{"x": 1.0, "y": 2.0}, {"x": 3.0}],
             "deleted_rows": [0]}
    edits = after_table(start, origin, delta)
    assert str(edits) == "9:9:0,1:2,1=:4.5:,-0"  # the row without y waits
    with pytest.raises(InputError, match="within ±1e6"):
        after_table(start, origin, {"edited_rows": {0: {"x": 1e12}}})
