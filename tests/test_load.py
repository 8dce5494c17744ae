"""The load test's short form (tests/load.py): three visitors for 15 s on the app served at 127.0.0.1 —
one plain, one that stops its runs, one that disconnects mid-training — with two trainings at most at once."""

import pytest
from load import report, run, soak, soak_checks, soak_line

pytestmark = pytest.mark.load


def test_many_visitors_no_cross_talk_queue_memory_and_freed_cpu(shared):
    result = run(visitors=3, seconds=15, data_dir=shared)
    print(report(result))
    failed = [name for name, ok in result["checks"].items() if not ok]
    assert not failed, f"{failed}\n{report(result)}"
    assert result["largest_queue_position"] >= 1 and result["interrupts"] >= 3  # a queue formed; 3 runs cut short


def test_a_short_soak_gives_back_every_visitors_memory_files_and_threads(shared):
    """`python tests/load.py --soak 30` in short: waves of visitors who train, download, trace, generate and leave."""
    waves = soak(minutes=0.2, visitors=3, data_dir=shared)
    print("\n".join(soak_line(w) for w in waves))
    checks = soak_checks(waves)
    assert len(waves) >= 2 and all(checks.values()), f"{checks}\n" + "\n".join(soak_line(w) for w in waves)
