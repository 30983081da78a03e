"""Cache keys: no view of arrays is deep-copied to be hashed.  Streamlit hashes a dataclass argument through
``dataclasses.asdict``, which copies every array first; the figure cache hashes the views figures are built from
field by field (``charts.FIELDWISE``).  Each page of the class mix, its heavier extras on, is run with
``asdict`` watched."""
import dataclasses

import numpy as np
import pytest
from apptest import load, ok
from streamlit.runtime.caching import hashing

PAGES = [("views/loss_surface.py", {"arrows": "1"}), ("views/optimisers.py", {"swarm": "1", "map": "1", "3d": "1"}),
         ("views/outliers.py", {}), ("views/neural_landscape.py", {})]


def _holds_arrays(obj) -> bool:
    return any(isinstance(getattr(obj, f.name), np.ndarray) for f in dataclasses.fields(obj))


@pytest.mark.parametrize("page,query", PAGES, ids=[p for p, _ in PAGES])
def test_no_view_of_arrays_is_copied_to_be_hashed(page, query, monkeypatch):
    copied = []
    asdict = dataclasses.asdict

    def watched(obj, *args, **kwargs):
        if _holds_arrays(obj):
            copied.append(type(obj).__qualname__)
        return asdict(obj, *args, **kwargs)

    monkeypatch.setattr(hashing.dataclasses, "asdict", watched)
    ok(load(page, **query))
    assert not copied, f"hashed through dataclasses.asdict: {sorted(set(copied))}; add them to charts.FIELDWISE"
