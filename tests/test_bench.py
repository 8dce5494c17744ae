"""The benchmark runs and reports every figure it promises (no timing is asserted: machines are noisy)."""

import json

import pytest

from charlm import bench
from charlm.cli import main


@pytest.mark.slow
def test_bench_reports_every_variant_ratio_and_figure(monkeypatch):
    """Every figure, training on two processes (torchrun with gloo, the same global batch) beside one included: both
    of those come from the runs' own epoch records."""
    monkeypatch.setitem(bench.PROCESS_SETTINGS, "tiny", (1, 16, 8, 30_000))
    result = bench.run(settings=("d2l",), cells=("gru", "peephole"), repeats=1, warmup=0, startup=False, memory_chars=40,
                       process_settings=("tiny",))  # fmt: skip
    variants = {(r["cell"], r["variant"]) for r in result["rows"]}
    assert variants == {("gru", v) for v in ("torch.nn", "fused", "scratch", "naive")} | {
        ("peephole", "scratch"), ("peephole", "naive")
    }  # fmt: skip
    pairs = {(q["cell"], q["pair"]) for q in result["ratios"]}
    assert ("gru", "fused / torch.nn") in pairs and ("peephole", "scratch / naive") in pairs
    assert all(r["train_tokens_per_s"] > 0 and r["infer_tokens_per_s"] > 0 for r in result["rows"])
    assert result["generate_1000_chars_s"] > 0 and result["trace_2000_chars_s"] > 0
    assert result["callers_one_after_another_s"] > 0 and result["callers_together_s"] > 0
    assert result["callers_in_a_worker_s"] > 0  # Linux, the CPU: the batch in a worker process, as the app has it
    memory = ("connectivity_and_span_s", "connectivity_one_backward_per_target_s", "gradient_curve_s", "path_s")
    assert all(result[k] > 0 for k in memory) and result["memory_chars"] == 40
    table = bench.format_table(result)
    assert "scratch / naive" in table and "generation: 1,000 characters" in table
    assert "40 callers asking for 200 characters each" in table and "at once in one batch" in table
    assert "with the batch in a worker process" in table
    assert "connectivity of every target and the span in" in table and "one backward pass per target" in table
    (row,) = result["processes"]
    assert row["tokens_per_s_1"] > 0 and row["tokens_per_s_2"] > 0
    assert row["ratio"] == pytest.approx(row["tokens_per_s_2"] / row["tokens_per_s_1"])
    assert "training on 1 and 2 processes (torchrun, gloo), tiny (1 × 16 LSTM, batch 8)" in table


def test_the_naive_baseline_computes_an_lstm():
    """The baseline must do the same work as the others: with the same weights it equals torch.nn.LSTM."""
    import torch

    naive = bench.NaiveRNN("lstm", 3, 4, 1)
    ref = torch.nn.LSTM(3, 4)
    with torch.no_grad():
        p = naive.layers[0]
        for g in range(4):
            p[f"W_x{g}"].copy_(ref.weight_ih_l0[4 * g : 4 * g + 4].T)
            p[f"W_h{g}"].copy_(ref.weight_hh_l0[4 * g : 4 * g + 4].T)
            p[f"b_{g}"].copy_(ref.bias_ih_l0[4 * g : 4 * g + 4] + ref.bias_hh_l0[4 * g : 4 * g + 4])
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(naive(x), ref(x)[0], atol=1e-6, rtol=1e-6)


@pytest.mark.slow
def test_bench_command_prints_json(capsys):
    argv = ["bench", "--settings", "d2l", "--cells", "rnn", "--repeats", "1", "--warmup", "0", "--no-startup",
            "--no-processes", "--memory-chars", "12", "--json"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert {r["variant"] for r in result["rows"]} == {"torch.nn", "fused", "scratch", "naive"}
    assert result["memory_chars"] == 12


@pytest.mark.slow
def test_the_compiled_variant_is_timed_beside_the_others_with_its_compile_time():
    tiny = bench.Setting("tiny", batch_size=2, num_steps=4, hidden_size=8, num_layers=1, vocab_size=5)
    rows = bench.measure_setting(tiny, ["lstm"], bench.torch.device("cpu"), repeats=1, warmup=0, compile=True)
    compiled = next(r for r in rows if r.variant == "compiled")
    assert compiled.train_tokens_per_s > 0 and compiled.first_call_s > 0
    pairs = {q["pair"] for q in bench.ratios(rows)}
    assert {"compiled / torch.nn", "compiled / scratch"} <= pairs
