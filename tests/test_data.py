"""Data sets are seeded; CSV loading refuses every kind of bad file with a clear message."""
import numpy as np
import pytest

from landscape import data
from landscape.types import InputError


@pytest.mark.parametrize("name", data.names())
def test_data_sets_are_seeded(name):
    a, b, c = data.make(name, n=50, seed=3), data.make(name, n=50, seed=3), data.make(name, n=50, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert len(a[0]) == len(a[1]) == 50 and np.isfinite(a[0]).all()


def test_classification_labels():
    for name in data.names("binary"):
        assert set(np.unique(data.make(name, n=100)[1])) <= {0.0, 1.0}
    assert set(np.unique(data.three_blobs(n=90)[1])) == {0, 1, 2}
    share = data.imbalanced(n=2000, positive_share=0.1)[1].mean()
    assert 0.07 < share < 0.13


def test_outliers_move_the_chosen_points_by_size_sigma():
    x, y = data.line(n=100, noise=0.5, seed=1)
    x2, y2, flags = data.add_outliers(x, y, 5, 10.0, noise=0.5, leverage=True)
    assert flags.sum() == 5
    np.testing.assert_allclose((y2 - y)[flags], 5.0)
    np.testing.assert_array_equal(y2[~flags], y[~flags])
    assert x[flags].min() >= np.sort(x)[-5]  # the high-leverage end


def test_csv_round_trip_with_and_without_header():
    x, y = data.load_csv(b"x,y\n1,2\n2,4.5\n3,5\n")
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_array_equal(y, [2, 4.5, 5])
    x, _ = data.load_csv("0.5, 1\n-1e2, 3\n")
    np.testing.assert_array_equal(x, [0.5, -100])


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"\n\n", "empty"),
    (b"x,y\n", "at least two points"),
    (b"x,y\n1,2\n", "at least two points"),
    (b"x,y\n1,2\n3,abc\n", "row 3"),
    (b"x,y\n1\n2,3\n", "two columns"),
    (b"x,y\n1,2\nnan,3\n", r"row 3: 'nan', '3' is not a pair of finite numbers \(NaN or infinity\)"),
    (b"x,y\n1,2\n2,inf\n", r"row 3: '2', 'inf' is not a pair of finite numbers"),
    (b"x,y\n2,1\n2,3\n2,5\n", "all x values are equal"),
    (b"x,y\n1,1\n2,1e12\n", "rescale"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"x,y\n" + b"1,2\n" * 1_200_000, "the limit is 2 MB"),
])
def test_bad_csv_gets_a_clear_message(content, message):
    with pytest.raises(InputError, match=message):
        data.load_csv(content)


def test_too_many_rows_refused():
    with pytest.raises(InputError, match="limit is 10"):
        data.load_csv("\n".join(f"{i},{i}" for i in range(20)), max_rows=10)


@pytest.mark.parametrize("kwargs,message", [
    ({"name": "nope"}, "unknown data set"),
    ({"name": "line", "n": 1}, "between 2 and"),
    ({"name": "moons", "n": 10**7}, "between 2 and"),
])
def test_bad_data_requests(kwargs, message):
    with pytest.raises(InputError, match=message):
        data.make(**kwargs)
