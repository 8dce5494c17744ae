"""Generation for many at once (charlm.serving): each caller gets what it would alone, stepped in one batch.

The models here compute in float64: a batch's matrix product may round a logit's last bit differently from one row's,
which in float32 could, very rarely, move a draw across the boundary between two characters; in float64 the odds are
nil, so "the same as alone" is checked exactly."""

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
import weakref

import numpy as np
import pytest
import torch

from charlm import CharLM, CharLMConfig, Vocab, batching, serving
from charlm import worker as workers
from charlm.batching import Sampler
from charlm.errors import CharLMError
from charlm.generate import own_sample, stream
from charlm.inspection import ablate, traced
from charlm.memory import measure
from charlm.serving import stream as shared_stream

VOCAB = Vocab.build("the time traveller (for so it will be convenient to speak of him)\n")

# (temperature, top_k, top_p, seed, samples): greedy, plain, top-k, nucleus, several samples, no seed's greedy
ASKS = [(0.8, 0, 1.0, 1, 1), (0.0, 0, 1.0, None, 1), (1.0, 5, 1.0, 2, 3), (0.7, 0, 0.9, 3, 2), (1.3, 3, 0.8, 4, 1),
        (0.8, 0, 1.0, 5, 1)]  # fmt: skip


def model_of(cell="lstm", **kw) -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell=cell, hidden_size=24, **kw)).double().eval()


def texts(chars) -> list[str]:
    return ["".join(sample) for sample in zip(*chars, strict=True)]


def alone(model, prefix, length, ask) -> list[str]:
    temperature, top_k, top_p, seed, samples = ask
    return texts(stream(model, prefix, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed,
                        num_samples=samples))  # fmt: skip


def together(model, prefix, length, ask) -> list[str]:
    temperature, top_k, top_p, seed, samples = ask
    return texts(shared_stream(model, prefix, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed,
                                num_samples=samples))  # fmt: skip


class Held:
    """Wraps ``model.step``: its step number ``at`` waits until ``rows`` samples are in the batch or waiting to join
    it, so that they all step together from the next step; every step's batch size is noted."""

    def __init__(self, model, rows: int, at: int = 1):
        self.step, self.sampler, self.rows, self.at, self.sizes = model.step, Sampler.of(model), rows, at, []
        model.step = self

    def __call__(self, ids, state):
        if len(self.sizes) + 1 == self.at:
            assert wait_for(lambda: len(ids) + sum(r.rows for r in self.sampler._joining) >= self.rows)
        self.sizes.append(len(ids))
        return self.step(ids, state)


def wait_for(condition, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.005)):
        if condition():
            return True
        threading.Event().wait(0.005)
    return False


def run_all(calls) -> list:
    results = [None] * len(calls)

    def call(k):
        results[k] = calls[k]()

    threads = [threading.Thread(target=call, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def no_sampler_thread_left() -> bool:
    return wait_for(lambda: not any(t.name == "charlm-generation" for t in threading.enumerate()), 2.0)


CELLS = [("rnn", 1), ("gru", 2), ("lstm", 2), ("peephole", 1)]


@pytest.mark.parametrize("cell,layers", [pytest.param(*c, marks=() if c[0] == "lstm" else pytest.mark.slow) for c in CELLS])
def test_callers_at_once_get_what_each_would_alone_in_one_batch(cell, layers):
    model = model_of(cell, num_layers=layers)
    prefixes = ["the ", "time tr", "t", "the time traveller ", "of him", "speak "]
    lengths = [40, 25, 60, 3, 33, 40]  # they leave at different steps, none before every caller has joined (step 2)
    expected = [alone(model, p, n, a) for p, n, a in zip(prefixes, lengths, ASKS, strict=True)]
    rows = sum(a[4] for a in ASKS)
    held = Held(model, rows)  # the first caller starts stepping; the others join at its second step at the latest
    got = run_all([lambda p=p, n=n, a=a: together(model, p, n, a) for p, n, a in zip(prefixes, lengths, ASKS,
                                                                                      strict=True)])  # fmt: skip
    assert got == expected
    assert max(held.sizes) == rows  # every sample of every caller in one step
    assert len(held.sizes) < sum(lengths) // 2  # far fewer steps than one after another
    assert no_sampler_thread_left()


def test_a_caller_who_joins_mid_way_and_one_who_stops_reading_change_nothing_for_the_others():
    model = model_of()
    held = Held(model, 2, at=10)  # its tenth step waits for the next caller: it joins under way
    first = shared_stream(model, "the ", 80, temperature=0.9, seed=7)
    early = [next(first) for _ in range(10)]
    quitter = shared_stream(model, "time ", 80, temperature=0.9, seed=8)
    assert len([next(quitter) for _ in range(5)]) == 5
    second = together(model, "of him", 50, (1.0, 0, 1.0, 9, 2))
    quitter.close()  # stops reading: it leaves the batch
    rest = texts([*early, *first])
    assert rest == alone(model, "the ", 80, (0.9, 0, 1.0, 7, 1))
    assert second == alone(model, "of him", 50, (1.0, 0, 1.0, 9, 2))
    assert held.sizes[9:11] == [1, 2]  # the quitter joined at the eleventh step
    assert no_sampler_thread_left()


def test_what_a_caller_asks_is_checked_in_its_own_thread_before_it_joins():
    model = model_of()
    with pytest.raises(CharLMError, match="temperature"):
        next(shared_stream(model, "the ", 10, temperature=-1))
    with pytest.raises(CharLMError):
        next(shared_stream(model, "", 10))
    assert list(shared_stream(model, "the ", 0)) == []


def test_a_bidirectional_model_is_sampled_alone_as_stream_does():
    model = model_of(bidirectional=True)
    assert together(model, "the ", 20, ASKS[0]) == alone(model, "the ", 20, ASKS[0])


def test_a_failure_while_stepping_reaches_every_caller_and_the_next_caller_starts_afresh():
    model = model_of()
    sampler = Sampler.of(model)
    step, calls = model.step, []

    def failing(ids, state):
        if not calls:  # every caller in the batch before it breaks
            assert wait_for(lambda: len(ids) + len(sampler._joining) >= 3)
        calls.append(len(ids))
        if len(calls) == 3:
            raise RuntimeError("the network broke")
        return step(ids, state)

    model.step = failing
    results = run_all([lambda k=k: _outcome(model, k) for k in range(3)])
    assert all(r == "the network broke" for r in results)
    model.step = step
    assert together(model, "the ", 20, ASKS[0]) == alone(model, "the ", 20, ASKS[0])


def _outcome(model, seed) -> str:
    try:
        together(model, "the ", 30, (0.8, 0, 1.0, seed, 1))
    except RuntimeError as e:
        return str(e)
    return "finished"


def test_one_sampler_per_model_and_it_keeps_no_model_alive():
    model = model_of()
    assert Sampler.of(model) is Sampler.of(model) and Sampler.of(model) is not Sampler.of(model_of())
    together(model, "the ", 5, ASKS[0])
    assert no_sampler_thread_left()  # its thread holds the model while it steps, and ends just after the last read
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


# -- the batch in a worker process (serving.start_worker, as the app has it) -----------------------------------------


@pytest.fixture
def worker():

    started = serving.start_worker()
    yield started
    serving.stop_worker()


def test_in_the_worker_callers_at_once_get_what_each_would_alone(worker):
    model = model_of("gru", num_layers=2)
    prefixes = ["the ", "time tr", "t", "the time traveller ", "of him", "speak "]
    lengths = [40, 25, 60, 3, 33, 400]
    expected = [alone(model, p, n, a) for p, n, a in zip(prefixes, lengths, ASKS, strict=True)]
    got = run_all([lambda p=p, n=n, a=a: together(model, p, n, a) for p, n, a in zip(prefixes, lengths, ASKS,
                                                                                      strict=True)])  # fmt: skip
    assert got == expected
    assert worker.takes(model) and worker._requests == {}  # every request gone from here once read
    assert not any(t.name == "charlm-generation" for t in threading.enumerate())  # nothing stepped in this process


def test_in_the_worker_the_steps_arrive_a_few_at_a_time_and_are_the_streams(worker):
    """``drawn``: the worker sends each request's characters every FLUSH_SECONDS, and a reader gets every step that
    has arrived at once, which tells it the characters it holds from those still to come (Generate shows no text
    whose end it already has)."""
    model = model_of()
    arrivals = list(serving.drawn(model, "the ", 400, temperature=0.8, seed=3, num_samples=2))
    assert [chars for steps in arrivals for chars in steps] == list(shared_stream(model, "the ", 400, temperature=0.8,
                                                                                  seed=3, num_samples=2))  # fmt: skip
    assert 1 <= len(arrivals) < 400 and all(steps and all(len(chars) == 2 for chars in steps) for steps in arrivals)


def test_in_the_worker_a_reader_who_stops_leaves_and_changed_weights_are_sent_again(worker):
    model = model_of()
    quitter = shared_stream(model, "time ", 5000, temperature=0.9, seed=8)
    assert len([next(quitter) for _ in range(5)]) == 5
    assert together(model, "of him", 50, ASKS[2]) == alone(model, "of him", 50, ASKS[2])
    quitter.close()
    assert worker._requests == {}
    with torch.no_grad():
        model.head.weight.mul_(3.0)  # in place: the same tensors, changed
    assert together(model, "the ", 60, ASKS[0]) == alone(model, "the ", 60, ASKS[0])


def test_in_the_worker_what_is_asked_is_checked_here_and_a_model_it_cannot_take_stays_here(worker):
    model = model_of()
    with pytest.raises(CharLMError, match="temperature"):
        next(shared_stream(model, "the ", 10, temperature=-1))
    assert list(shared_stream(model, "the ", 0)) == []
    bidirectional = model_of(bidirectional=True)
    assert workers.for_generation(bidirectional) is None  # a bidirectional model re-reads its sample: not batched
    assert together(bidirectional, "the ", 20, ASKS[0]) == alone(bidirectional, "the ", 20, ASKS[0])
    worker.pid += 1  # as in a process forked from this one, which must not write to its pipe
    assert not worker.takes(model)
    worker.pid -= 1


def test_when_the_worker_dies_its_readers_are_told_and_the_next_request_gets_a_new_one(worker):

    model = model_of()
    waiting = shared_stream(model, "the ", 100_000, temperature=0.8, seed=1)
    next(waiting)
    worker.process.kill()
    with pytest.raises(CharLMError, match="generation process ended unexpectedly") as died:
        for _ in waiting:
            pass
    assert died.value.id == "generate.worker_died" and died.value.params["code"] == -9  # killed
    assert together(model, "the ", 30, ASKS[0]) == alone(model, "the ", 30, ASKS[0])
    assert workers._WORKER is not worker and workers._WORKER.alive


def test_a_worker_that_fails_says_why_on_the_standard_error_and_its_readers_are_told(worker, capfd):
    serving.stop_worker()
    worker = serving.start_worker()  # forked now, with its standard error in capfd's hands (from the test's call on)
    model = model_of()
    waiting = shared_stream(model, "the ", 100_000, temperature=0.8, seed=1)
    next(waiting)
    with worker._lock:
        worker._send(("nonsense",))  # a message the worker cannot read: a bug, as far as it knows
    with pytest.raises(CharLMError, match="generation process ended unexpectedly") as died:
        for _ in waiting:
            pass
    said = capfd.readouterr().err
    assert died.value.params["code"] == 1 and "charlm's generation worker failed:" in said and "IndexError" in said


def test_a_model_collected_here_is_dropped_by_the_worker(worker):
    model = model_of()
    together(model, "the ", 5, ASKS[0])
    (box, _), = worker._models.values()
    del model
    gc.collect()
    assert worker._forgotten == [box]
    other = model_of()
    together(other, "the ", 5, ASKS[0])  # the next request says so
    assert worker._forgotten == []


def test_stopping_the_worker_ends_it_when_asked(worker):

    model = model_of()
    assert together(model, "the ", 5, ASKS[0]) == alone(model, "the ", 5, ASKS[0])
    serving.stop_worker()
    assert worker.process.exitcode == 0  # it ended when asked, not killed after waiting
    assert workers._WORKER is None and not worker.takes(model)
    assert together(model, "the ", 5, ASKS[0]) == alone(model, "the ", 5, ASKS[0])  # in a thread here again


# -- read by a coroutine (serving.arrivals: the app's async Generate handler) -----------------------------------------


def woken(model, prefix, length, ask, leave_after: int | None = None) -> tuple[list[str], int]:
    """``arrivals`` read in an event loop: the texts (of the first ``leave_after`` steps, where the reader leaves
    then), and how many arrivals woke it."""
    temperature, top_k, top_p, seed, samples = ask

    async def read():
        steps, reads = [], 0
        async with contextlib.aclosing(serving.arrivals(model, prefix, length, temperature=temperature, top_k=top_k,
                                                        top_p=top_p, seed=seed, num_samples=samples)) as arrivals:  # fmt: skip
            async for arrived in arrivals:
                steps += arrived
                reads += 1
                if leave_after is not None and len(steps) >= leave_after:
                    break
        return texts(steps[:leave_after]), reads

    return asyncio.run(read())


def test_a_coroutine_woken_by_the_worker_gets_what_a_thread_gets_and_no_thread_waits_for_it(worker):
    model = model_of("gru", num_layers=2)
    for prefix, length, ask in zip(["the ", "time tr", "t"], [40, 400, 1], ASKS[:3], strict=True):
        assert woken(model, prefix, length, ask)[0] == alone(model, prefix, length, ask)
    reads = woken(model, "the ", 400, ASKS[0])[1]
    assert 1 <= reads < 400  # a few steps at a time, as they arrive
    assert worker._requests == {}
    assert not any(t.name in ("charlm-generation", "charlm-generation-reader") for t in threading.enumerate())


def test_a_coroutine_that_leaves_takes_its_samples_out_of_the_worker_and_errors_reach_it(worker):
    model = model_of()
    assert woken(model, "the ", 100_000, ASKS[0], leave_after=20)[0] == alone(model, "the ", 20, ASKS[0])
    assert worker._requests == {}
    with pytest.raises(CharLMError, match="temperature"):
        woken(model, "the ", 10, (-1.0, 0, 1.0, 1, 1))
    assert woken(model, "the ", 0, ASKS[0]) == ([], 0)


@pytest.mark.parametrize("where", ["no worker", "bidirectional"])
def test_where_no_worker_steps_the_model_a_thread_reads_for_the_coroutine(where, worker):
    """No worker (not Linux, a GPU's model) or a model it cannot take: a thread here reads ``drawn`` for the
    coroutine, and ends when the reader leaves or the samples do."""
    if where == "no worker":
        serving.stop_worker()
    model = model_of(bidirectional=where == "bidirectional")
    assert woken(model, "the ", 30, ASKS[2])[0] == alone(model, "the ", 30, ASKS[2])
    assert woken(model, "the ", 5000, ASKS[0], leave_after=10)[0] == alone(model, "the ", 10, ASKS[0])
    with pytest.raises(CharLMError, match="temperature"):
        woken(model, "the ", 10, (-1.0, 0, 1.0, 1, 1))
    assert woken(model, "the ", 0, ASKS[0]) == ([], 0)
    assert wait_for(lambda: not any(t.name in ("charlm-generation", "charlm-generation-reader")
                                    for t in threading.enumerate()))  # fmt: skip


def test_asking_the_worker_never_waits_for_its_pipe(worker):
    """A caller only puts its messages in order; a thread writes them to the pipe. A write waits while the worker
    reads (a model's weights: megabytes) or is busy, and the caller may be an event loop, which must not wait."""
    torch.manual_seed(0)
    big = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), hidden_size=256)).double().eval()  # 2 MB: a pipe holds 64 KB
    os.kill(worker.process.pid, signal.SIGSTOP)  # the worker reads nothing for now
    try:
        asked = []
        asking = threading.Thread(target=lambda: asked.append(worker._ask(big, "the ", 30, temperature=0.8, seed=1)))
        asking.start()
        asking.join(timeout=30)
        assert asked, "the caller waited for the pipe"
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)
    rid, request = asked[0]
    try:
        assert texts(chars for steps in batching.read(request) for chars in steps) == alone(big, "the ", 30, ASKS[0])
    finally:
        worker._release(rid, request)


# -- the rest of a server's model work, in the second worker (serving.in_worker: Inspect's trace and memory) ----------


def test_in_the_second_worker_a_trace_is_what_it_is_here_and_runs_there_not_here(worker, monkeypatch):
    model = model_of(num_layers=2)
    text = "the time traveller (for so it will be convenient to speak of him)"
    here, units_here = traced(model, text, 40)
    monkeypatch.setattr(CharLM, "record", lambda *a, **k: pytest.fail("traced in this process"))  # not the worker's
    there, units = serving.in_worker(traced, model, text, 40)
    assert there.text == here.text == text[:40] and there.truncated == len(text) - 40 and units == units_here
    assert there.gates.keys() == here.gates.keys() and all(
        np.array_equal(there.gates[k][g], here.gates[k][g]) for k in here.gates for g in here.gates[k])  # fmt: skip
    assert np.array_equal(there.surprisal, here.surprisal) and there.top == here.top
    with pytest.raises(CharLMError, match="no text") as refused:  # raised there, as it would be here
        serving.in_worker(traced, model, "", 40)
    assert refused.value.id == "inspection.no_text"
    bidirectional = model_of(bidirectional=True)  # not batched by Generate's worker, but traced in this one
    assert serving.in_worker(traced, bidirectional, text, 10)[0].bidirectional
    assert workers._CALLS._requests == {}


def test_in_the_second_worker_memory_is_measured_as_here(worker):
    model = model_of()
    text = "the time traveller (for so it will be convenient"
    here, there = measure(model, text), serving.in_worker(measure, model, text)
    assert there.span == here.span and np.allclose(there.profile, here.profile)
    assert there.gradients.norms.keys() == here.gradients.norms.keys() and there.untrained is not None
    assert all(np.allclose(there.gradients.norms[k], here.gradients.norms[k]) for k in here.gradients.norms)


def test_in_the_second_worker_a_unit_switched_off_and_the_models_own_sample_are_as_here(worker):
    model = model_of(num_layers=2)
    text = "the time traveller (for so it will be convenient"
    here, there = ablate(model, text, 1, 0, "c", 3, length=50), serving.in_worker(ablate, model, text, 1, 0, "c", 3)
    assert (there.perplexity_on, there.perplexity_off) == pytest.approx((here.perplexity_on, here.perplexity_off))
    assert [c[:2] for c in there.changed] == [c[:2] for c in here.changed]  # the same characters moved most
    assert there.sample_off[:50] == here.sample_off and str(there.label) == str(here.label)
    assert serving.in_worker(own_sample, model) == own_sample(model)


def test_a_call_whose_worker_dies_is_told_and_the_next_gets_a_new_one(worker):
    model = model_of()
    calls = workers._CALLS
    died: list = []

    def call() -> None:
        try:
            serving.in_worker(_sleep, model, 60)
        except CharLMError as e:
            died.append(e)

    waiting = threading.Thread(target=call)
    waiting.start()
    assert wait_for(lambda: calls._requests)
    calls.process.kill()
    waiting.join(timeout=30)
    assert died and died[0].id == "generate.worker_died" and died[0].params["code"] == -9
    assert serving.in_worker(traced, model, "the time", 40)[0].text == "the time"
    assert workers._CALLS is not calls and workers._CALLS.alive


def _sleep(model, seconds: float) -> None:
    """A call that takes ``seconds`` in the worker."""
    time.sleep(seconds)


def test_without_a_worker_the_call_runs_here():
    serving.stop_worker()
    model = model_of()
    assert serving.in_worker(traced, model, "the time", 40)[0].text == "the time"
