"""The CUDA path: the same library on a GPU gives what it gives on the CPU.

CI has no GPU, so these tests skip there (they are not part of what CI requires); on a machine with
CUDA they run with the rest: ``python -m pytest tests/test_gpu.py``.
"""

import warnings

import pytest
import torch

from charlm import GRU, LSTM, RNN, CharLM, CharLMConfig, PeepholeLSTM, Vocab, pick_device
from charlm.data import Dataset
from charlm.generate import generate
from charlm.inspection import trace
from charlm.serving import stream as shared_stream
from charlm.train import Epoch, Started, TrainConfig, Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
CUDA = torch.device("cuda")
LAYERS = {"rnn": RNN, "gru": GRU, "lstm": LSTM}
TEXT = "the time traveller (for so it will be convenient to speak of him) was expounding a recondite matter. " * 30


@pytest.fixture(autouse=True)
def _exact_float32():
    """cuDNN and cuBLAS may round float32 products through TF32; the parity checks want IEEE float32."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_auto_picks_cuda():
    assert pick_device("auto").type == "cuda"


@pytest.mark.parametrize("cell", list(LAYERS))
def test_moving_to_the_gpu_lays_the_weights_out_for_cudnn(cell):
    """As torch.nn does: otherwise cuDNN copies every weight into one block at each call (and warns)."""
    layer = LAYERS[cell](5, 16, 2, bidirectional=True).to(CUDA)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "RNN module weights are not part of single contiguous chunk of memory"
        out, _ = layer(torch.randn(9, 4, 5, device=CUDA), engine="fused")
        out.sum().backward()
    assert all(p.grad is not None for p in layer.parameters())


@pytest.mark.parametrize("cell", list(LAYERS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scratch_fused_and_cudnn_agree_on_the_gpu(cell, dtype):
    torch.manual_seed(0)
    ref = getattr(torch.nn, cell.upper())(5, 16, 2, bidirectional=True).to(CUDA, dtype)  # cuDNN
    ours = LAYERS[cell](5, 16, 2, bidirectional=True).to(CUDA, dtype)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(9, 4, 5, device=CUDA, dtype=dtype)
    tol = {"rtol": 1e-3, "atol": 1e-4} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-11}
    expected = ref(x)[0]
    grads_ref = torch.autograd.grad(expected.square().sum(), list(ref.parameters()))
    for engine in ("scratch", "fused"):
        out = ours(x, engine=engine)[0]
        torch.testing.assert_close(out, expected, **tol)
        for a, b in zip(torch.autograd.grad(out.square().sum(), list(ours.parameters())), grads_ref, strict=True):
            torch.testing.assert_close(a, b, **tol)


@pytest.mark.parametrize("cell", list(LAYERS))
def test_packed_batches_and_projections_on_the_gpu_match_cudnn(cell):
    """cuDNN's packed kernel and its LSTM projection, against our engines on the same weights; the weights laid out
    as cuDNN's one block with the projection in it too."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    kwargs = {"proj_size": 6} if cell == "lstm" else {}
    torch.manual_seed(0)
    ref = getattr(torch.nn, cell.upper())(5, 16, 2, bidirectional=True, **kwargs).to(CUDA, torch.float64)
    ours = LAYERS[cell](5, 16, 2, bidirectional=True, **kwargs).to(CUDA, torch.float64)
    ours.load_state_dict(ref.state_dict())
    x = pack_padded_sequence(torch.randn(9, 4, 5, device=CUDA, dtype=torch.float64), torch.tensor([3, 9, 1, 5]),
                             enforce_sorted=False)  # fmt: skip
    expected = pad_packed_sequence(ref(x)[0])[0]
    grads_ref = torch.autograd.grad(expected.square().sum(), list(ref.parameters()))
    for engine in ("scratch", "fused"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "RNN module weights are not part of single contiguous chunk of memory"
            out = pad_packed_sequence(ours(x, engine=engine)[0])[0]
        torch.testing.assert_close(out, expected, rtol=1e-9, atol=1e-11)
        for a, b in zip(torch.autograd.grad(out.square().sum(), list(ours.parameters())), grads_ref, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("layer", [GRU, LSTM, PeepholeLSTM])
def test_hand_written_bptt_equals_autograd_on_the_gpu(layer):
    torch.manual_seed(0)
    m = layer(5, 8, 2, bidirectional=True).to(CUDA, torch.float64)
    x = torch.randn(7, 3, 5, device=CUDA, dtype=torch.float64)
    hand = torch.autograd.grad(m(x, engine="scratch")[0].sin().sum(), list(m.parameters()))
    auto = torch.autograd.grad(m.record(x)[0].sin().sum(), list(m.parameters()))
    for a, b in zip(hand, auto, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "options",
    [{"engine": "fused"}, {"engine": "scratch"}, {"engine": "fused", "precision": "bfloat16"}],
    ids=["fused", "scratch", "fused-bfloat16"],
)
def test_training_runs_on_the_gpu_and_the_checkpoint_loads_on_the_cpu(tmp_path, options):
    data = Dataset.from_text(TEXT)
    model = CharLM.seeded(CharLMConfig(vocab=list(data.vocab.tokens), cell="lstm", hidden_size=32), seed=0)
    trainer = Trainer(model, data, TrainConfig(epochs=3, batch_size=8, num_steps=20, lr=1e-2, **options))
    events = list(trainer.run())
    assert events[0].device.startswith("cuda") and isinstance(events[0], Started)
    epochs = [e for e in events if isinstance(e, Epoch)]
    assert epochs[-1].valid_loss < epochs[0].train_loss
    assert model.device.type == "cuda"
    trainer.save(tmp_path / "run")
    on_cpu = CharLM.from_pretrained(tmp_path / "run", device="cpu")
    for (name, a), b in zip(model.state_dict().items(), on_cpu.state_dict().values(), strict=True):
        assert torch.equal(a.cpu(), b), name


def test_generation_and_tracing_on_the_gpu_match_the_cpu():
    vocab = Vocab.build(TEXT)
    cpu = CharLM.seeded(CharLMConfig(vocab=list(vocab.tokens), cell="gru", hidden_size=32, num_layers=2), seed=1).eval()
    gpu = CharLM.seeded(cpu.config, seed=1).to(CUDA).eval()
    assert generate(gpu, "the time", 80, temperature=0).texts == generate(cpu, "the time", 80, temperature=0).texts
    a = generate(gpu, "the ", 80, temperature=1.0, seed=5, num_samples=3).texts
    assert a == generate(gpu, "the ", 80, temperature=1.0, seed=5, num_samples=3).texts  # a seed repeats on CUDA
    t_gpu, t_cpu = trace(gpu, TEXT[:300]), trace(cpu, TEXT[:300])
    for key, gates in t_cpu.gates.items():
        for name, values in gates.items():
            torch.testing.assert_close(
                torch.from_numpy(t_gpu.gates[key][name]), torch.from_numpy(values), atol=1e-4, rtol=1e-4
            )


def test_many_callers_of_one_model_on_the_gpu_draw_what_each_draws_alone():
    """charlm.serving on CUDA: the batch's rows live on the GPU, its draws on the CPU, as generate.stream's do."""
    import threading

    vocab = Vocab.build(TEXT)
    model = CharLM.seeded(CharLMConfig(vocab=list(vocab.tokens), cell="lstm", hidden_size=32), seed=1).double()
    model = model.to(CUDA).eval()  # float64: a batch's products round no differently from one row's, to the draw
    asks = [dict(temperature=t, seed=k, num_samples=1 + k % 2) for k, t in enumerate((0.8, 0.0, 1.0, 1.2, 0.5, 0.9))]
    alone = [generate(model, "the ", 60, **a).texts for a in asks]
    together = [None] * len(asks)

    def ask(k):
        together[k] = ["".join(s) for s in zip(*shared_stream(model, "the ", 60, **asks[k]), strict=True)]

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(asks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert together == alone


def test_compiled_training_with_cuda_graphs_learns_what_eager_training_does():
    data = Dataset.from_text(TEXT)

    def valid_losses(compile):
        model = CharLM.seeded(CharLMConfig(vocab=list(data.vocab.tokens), cell="lstm", hidden_size=32), seed=0)
        config = TrainConfig(
            epochs=2, batch_size=8, num_steps=20, lr=1e-2, engine="scratch", sample_every=0, compile=compile
        )
        return [e.valid_loss for e in Trainer(model, data, config).run() if isinstance(e, Epoch)]

    assert valid_losses(True) == pytest.approx(valid_losses(False), rel=1e-3)


@pytest.mark.parametrize("cell,bidirectional", [("lstm", False), ("gru", True), ("peephole", False)])
def test_how_far_back_it_looks_is_measured_on_the_gpu_as_on_the_cpu(cell, bidirectional):
    from charlm.memory import connectivity, gradient_through_time

    config = CharLMConfig(list(Vocab.build(TEXT).tokens), cell=cell, hidden_size=32, num_layers=2,
                          bidirectional=bidirectional, embedding_dim=8)  # fmt: skip
    cpu = CharLM.seeded(config, 0).double()
    gpu = CharLM.seeded(config, 0).double().to(CUDA)
    text = TEXT[:120]
    torch.testing.assert_close(connectivity(gpu, text).values, connectivity(cpu, text).values, rtol=1e-9, atol=1e-15)
    ours, theirs = gradient_through_time(gpu, text), gradient_through_time(cpu, text)
    for key in theirs.norms:
        torch.testing.assert_close(ours.norms[key], theirs.norms[key], rtol=1e-9, atol=1e-15)
