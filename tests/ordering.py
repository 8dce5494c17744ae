"""The order the suite's tests are handed to pytest-xdist's workers: the longest first, dealt so that each worker's
share takes about as long, and each share ending with tests of a fraction of a second.

README's command runs ``-n auto --dist worksteal``: worker k starts with the k-th contiguous part of the collection,
and a worker left with nothing takes tests from the end of a busy one's queue, but never its last two, nor the one it
is running. In collection order a 65 s test (the caps walk) and a 20 s one ran last on one worker while the other had
nothing left: 80 s of the suite's 620 on one core (2-core Xeon, 2026-12-07). With this order that end is a few light
tests. Within a share the long tests go module by module, so that a module's fixtures are set up once.

How long a test takes comes from ``durations.json`` beside this file (seconds, setup and teardown included, of every
test over a second), as the suite measured it on the 2-core machine, in ``.ci/run`` on a fresh clone with
torch.compile's cache empty, as CI's is (the tests that compile took 4–9 times as long as with it filled); a test not
in it is taken to take what its markers say. ``CHARLM_STORE_DURATIONS=tests/durations.json python -m pytest -n auto``
writes the file again. An out-of-date file costs only time: any order runs the same tests.
"""

import json
import os
from collections import defaultdict
from pathlib import Path

DURATIONS = Path(__file__).with_name("durations.json")
# Seconds, for a test the file does not know. Most tests marked slow are parts of a grid whose first part pays the set-up:
# those under a second took 0.027 s on average (1,810 of them, 2-core Xeon).
BY_MARKER = {"load": 20.0, "browser": 10.0, "slow": 0.03}
HEAVY = 1.0  # seconds: a test at least this long is run with its module's others; the rest after them


def estimates(items) -> dict:
    known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.is_file() else {}
    return {item.nodeid: known.get(item.nodeid, max((BY_MARKER.get(m.name, 0.0) for m in item.iter_markers()),
                                                    default=0.0)) for item in items}  # fmt: skip


def shares(n: int, workers: int) -> list[int]:
    """The contiguous parts worksteal hands out first: what is left, shared among the workers left."""
    sizes = []
    for k in range(workers):
        sizes.append(n // (workers - k))
        n -= sizes[-1]
    return sizes


def pytest_collection_modifyitems(config, items):
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    seconds = estimates(items)
    sizes = shares(len(items), workers)
    parts, loads = [[] for _ in sizes], [0.0] * workers
    for item in sorted(items, key=lambda i: seconds[i.nodeid], reverse=True):  # stable: a module's tests together
        k = min((k for k in range(workers) if len(parts[k]) < sizes[k]), key=lambda k: loads[k])
        parts[k].append(item)
        loads[k] += seconds[item.nodeid]
    ordered = []
    for part in parts:  # each share: its long tests module by module, then the rest, the shortest last
        ordered += by_module([i for i in part if seconds[i.nodeid] >= HEAVY], seconds)
        ordered += [i for i in part if seconds[i.nodeid] < HEAVY]
    items[:] = ordered


def by_module(items, seconds: dict) -> list:
    """A share's long tests module by module, the longest module first: a module's fixtures (one Chromium for its
    browser tests, say) are set up once on the worker, not again at each test of another module between them."""
    module = {i.nodeid: i.nodeid.split("::")[0] for i in items}
    total = defaultdict(float)
    for i in items:
        total[module[i.nodeid]] += seconds[i.nodeid]
    return sorted(items, key=lambda i: (-total[module[i.nodeid]], module[i.nodeid], -seconds[i.nodeid]))


_measured: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    if os.environ.get("CHARLM_STORE_DURATIONS"):
        _measured[report.nodeid] += report.duration


def pytest_sessionfinish(session):
    """Under xdist the controller hears every worker's reports: it writes the file, once."""
    target = os.environ.get("CHARLM_STORE_DURATIONS")
    if target and "PYTEST_XDIST_WORKER" not in os.environ and _measured:
        long = {nodeid: round(s, 1) for nodeid, s in sorted(_measured.items()) if s >= HEAVY}
        Path(target).write_text(json.dumps(long, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
