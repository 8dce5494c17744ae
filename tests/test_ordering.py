"""The order xdist's workers get the tests in (tests/ordering.py): every test once, the long ones shared out evenly,
each worker's share ending with its shortest."""

import json
from types import SimpleNamespace

import ordering
import pytest


def item(nodeid: str, *marks: str):
    return SimpleNamespace(nodeid=nodeid, iter_markers=lambda: [SimpleNamespace(name=m) for m in marks])


@pytest.fixture
def durations(tmp_path, monkeypatch):
    path = tmp_path / "durations.json"
    monkeypatch.setattr(ordering, "DURATIONS", path)
    return path


def test_worksteal_shares_are_what_is_left_over_the_workers_left():
    assert ordering.shares(10, 2) == [5, 5] and ordering.shares(11, 2) == [5, 6] and ordering.shares(10, 3) == [3, 3, 4]


def test_two_workers_get_the_long_tests_evenly_and_end_on_their_shortest(durations, monkeypatch):
    known = {"t::walk": 65.0, "t::tokens": 25.0, "t::pseudo": 50.0, "t::room": 35.0, "t::lecture": 20.0}
    durations.write_text(json.dumps(known))
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    items = [item(f"t::fast{k}") for k in range(40)] + [item(n, "slow") for n in known] + [item("t::new", "browser")]
    before = list(items)
    ordering.pytest_collection_modifyitems(None, items)
    assert sorted(i.nodeid for i in items) == sorted(i.nodeid for i in before)  # every test, once
    first, second = items[:23], items[23:]  # worksteal's two parts of 46
    seconds = ordering.estimates(items)
    loads = [sum(seconds[i.nodeid] for i in part) for part in (first, second)]
    assert abs(loads[0] - loads[1]) <= 20, loads  # 65 + 25 + 10 against 50 + 35 + 20
    for part in (first, second):
        assert seconds[part[0].nodeid] >= 35 and all(seconds[i.nodeid] == 0 for i in part[-10:])  # long first


def test_one_process_keeps_the_collection_order(durations, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    items = [item("t::b", "load"), item("t::a")]
    ordering.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == ["t::b", "t::a"]


def test_the_durations_file_is_written_by_the_controller_with_the_tests_over_a_second(tmp_path, monkeypatch):
    target = tmp_path / "measured.json"
    monkeypatch.setenv("CHARLM_STORE_DURATIONS", str(target))
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setattr(ordering, "_measured", ordering.defaultdict(float))
    for nodeid, phase_seconds in (("t::long", (0.5, 2.0, 0.3)), ("t::short", (0.1, 0.2, 0.0))):
        for s in phase_seconds:  # setup, call, teardown
            ordering.pytest_runtest_logreport(SimpleNamespace(nodeid=nodeid, duration=s))
    ordering.pytest_sessionfinish(None)
    assert json.loads(target.read_text()) == {"t::long": 2.8}
