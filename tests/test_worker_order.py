"""The order the xdist workers run the suite in (conftest.py, _order_for_the_workers): each worker's
browser tests spread through its share of the others, a module with a shared fixture never split,
the module with the longest test first by the last run's times."""
from dataclasses import dataclass, field

import pytest

from conftest import _order_for_the_workers


@dataclass
class _Definition:
    scope: str


@dataclass
class _Info:
    name2fixturedefs: dict = field(default_factory=dict)


@dataclass
class _Item:
    nodeid: str
    browser: bool = False
    shared: bool = False
    _fixtureinfo: _Info = None

    def __post_init__(self):
        self._fixtureinfo = _Info({"world": [_Definition("module" if self.shared else "function")]})

    def get_closest_marker(self, name):
        return object() if name == "browser" and self.browser else None


def _collection():
    items = [_Item(f"a/test_small.py::test_{n}") for n in range(4)]
    items += [_Item(f"b/test_crawler.py::test_{n}", shared=True) for n in range(8)]
    items += [_Item(f"c/test_long.py::test_{n}") for n in range(4)]
    items += [_Item(f"tests/e2e/test_journey.py::test_{n}", browser=True) for n in range(6)]
    return items


def _shares(items, workers):
    return [items[len(items) * worker // workers: len(items) * (worker + 1) // workers] for worker in range(workers)]


def test_without_xdist_the_collection_keeps_its_order(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    items = _collection()
    before = [item.nodeid for item in items]

    _order_for_the_workers(items, {})

    assert [item.nodeid for item in items] == before


@pytest.mark.parametrize("seconds", [{}, {"c/test_long.py::test_0": 30.0}], ids=["first run", "with times"])
def test_each_worker_gets_its_browser_tests_among_the_others_and_modules_stay_whole(monkeypatch, seconds):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    items = _collection()
    everything = {item.nodeid for item in items}

    _order_for_the_workers(items, seconds)

    assert sorted(item.nodeid for item in items) == sorted(everything)
    for share in _shares(items, 2):
        kinds = ["browser" if item.browser else "other" for item in share]
        assert kinds.count("browser") == 3
        # Not first, not bunched at the front: there are other tests before the first browser test.
        assert kinds[0] == "other"
        # The crawler's module-scoped world is built once per worker: no other test between its tests.
        crawler = [index for index, item in enumerate(share) if item.nodeid.startswith("b/")]
        assert crawler == list(range(crawler[0], crawler[0] + len(crawler)))
    order = [item.nodeid for item in items]
    # Every worker collects the same order.
    again = _collection()
    _order_for_the_workers(again, seconds)
    assert [item.nodeid for item in again] == order


def test_the_module_with_the_longest_test_runs_first(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    items = _collection()

    # Module b takes longer in all (8 s), module c holds the longest test (5 s): c goes first.
    seconds = {f"b/test_crawler.py::test_{n}": 2.0 for n in range(4, 8)}
    seconds.update({f"c/test_long.py::test_{n}": 0.1 for n in range(4)} | {"c/test_long.py::test_1": 5.0})

    _order_for_the_workers(items, seconds)

    second_share = _shares(items, 2)[1]
    assert second_share[0].nodeid.startswith("c/test_long.py")

