"""The share of the machine's cores each pytest-xdist worker takes (``THREADS``), put in the environment that torch,
numpy and every process a test starts read. conftest imports this before torch."""

import os

# Under pytest-xdist (README's test command runs `-n auto`), the workers share the machine's cores, and each worker's
# torch takes its share, in the processes its tests start too (the CLI, torchrun, a load test's followers): they read
# OMP_NUM_THREADS. With two threads each, two workers on two cores took 304 s where one took 264 s over the served and
# distributed tests, and two tests ran past their time budgets: torch's idle threads wait for each other by spinning,
# on the core the other worker's test needed. With one each: 177 s. Set before torch is imported: numpy's OpenBLAS,
# which torch loads, sizes its threads then, and read too late it kept two per worker (a principal-components call of
# Inspect's path took 15.7 ms and 24.4 ms of CPU in a worker, 8.5 ms on one thread).
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
THREADS = max(1, min(2, CORES // WORKERS))  # two at most, as on the CI machine
if WORKERS > 1:
    os.environ["OMP_NUM_THREADS"] = str(THREADS)
