"""charlm.RNN, GRU and LSTM as drop-ins in real client code, unchanged: PyTorch's word language model example and the
d2l.ai book's chapter 8 library (vendored in tests/third_party, their headers say from where). Each client runs
twice from the same seed, once on torch.nn's layers and once on charlm's, and must give the same weights, losses,
perplexities and generated text.

torch.nn and charlm initialise their parameters identically, drawing the same numbers from torch's generator, so
seeding before each model is built gives both the same weights (checked, not assumed). The client code never passes
``engine``, so it runs charlm's default ("auto": torch's fused kernel for these cells); the scratch engine is reached
through a subclass whose forward passes ``engine="scratch"``, with the client code unchanged.
"""

import math
import random
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from third_party import d2l_rnn
from third_party import word_language_model as wlm

import charlm

SEED = 1234
CPU = torch.device("cpu")


class ScratchRNN(charlm.RNN):
    def forward(self, input, hx=None):
        return super().forward(input, hx, engine="scratch")


class ScratchGRU(charlm.GRU):
    def forward(self, input, hx=None):
        return super().forward(input, hx, engine="scratch")


class ScratchLSTM(charlm.LSTM):
    def forward(self, input, hx=None):
        return super().forward(input, hx, engine="scratch")


def nn_with(rnn, gru, lstm) -> types.SimpleNamespace:
    """torch.nn as a client module sees it, its recurrent layers swapped (torch.nn itself is left alone)."""
    return types.SimpleNamespace(**{**vars(torch.nn), "RNN": rnn, "GRU": gru, "LSTM": lstm})


TORCH_NN = nn_with(torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM)
CHARLM_NN = nn_with(charlm.RNN, charlm.GRU, charlm.LSTM)
SCRATCH_NN = nn_with(ScratchRNN, ScratchGRU, ScratchLSTM)


def assert_same_weights(reference: dict, candidate: dict) -> None:
    assert list(candidate) == list(reference), "parameter names differ from torch.nn's"
    for name, value in reference.items():
        assert torch.equal(candidate[name], value), f"{name}: the same seed gave different initial weights"


# -- PyTorch's word language model (pytorch/examples word_language_model) ---------------------------------------------

WORDS = [
    "the", "a", "time", "machine", "traveller", "said", "he", "it", "was", "of", "and", "to", "in", "that",
    "is", "we", "you", "my", "at", "on", "for", "with", "as", "had", "but", "not", "by",
]  # fmt: skip
NINP, NHID, NLAYERS = 16, 24, 2
LR = 2  # main.py's SGD update and clipping (its lr of 20 is for WikiText-2; on this tiny corpus it diverges)
ARGS = dict(bptt=12, clip=0.25, batch_size=4, log_interval=10**6, dry_run=False, use_optimizer=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> wlm.Corpus:
    """A small synthetic word corpus in main.py's layout (train.txt, valid.txt, test.txt), read by its own Corpus:
    mostly a fixed successor for each word, sometimes a random one, so there is something to learn."""
    rng = random.Random(0)
    folder = tmp_path_factory.mktemp("wikitext-tiny")
    for name, n_lines in (("train", 80), ("valid", 20), ("test", 20)):
        lines = []
        for _ in range(n_lines):
            w = rng.randrange(len(WORDS))
            words = []
            for _ in range(rng.randint(5, 12)):
                words.append(WORDS[w])
                w = (7 * w + 3) % len(WORDS) if rng.random() < 0.7 else rng.randrange(len(WORDS))
            lines.append(" ".join(words))
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf8")
    corpus = wlm.Corpus(str(folder))
    assert len(corpus.dictionary) == len(WORDS) + 1  # and <eos>
    return corpus


class RecordingNLLLoss(torch.nn.NLLLoss):
    """main.py's criterion, keeping every batch's loss (train() only prints an average every log_interval)."""

    def __init__(self):
        super().__init__()
        self.losses: list[float] = []

    def forward(self, input, target):
        loss = super().forward(input, target)
        self.losses.append(loss.item())
        return loss


@dataclass
class ClientRun:
    initial: dict
    train_losses: list[float]
    val_losses: list[float]
    generated: str
    model: torch.nn.Module


def run_word_language_model(monkeypatch, nn_namespace, rnn_type, tied, dropout, corpus, out: Path) -> ClientRun:
    """main.py's build, two epochs of train() and evaluate(), then generate.py's sampling, on the given layers."""
    monkeypatch.setattr(wlm, "nn", nn_namespace)
    torch.manual_seed(SEED)
    model = wlm.RNNModel(rnn_type, len(corpus.dictionary), NHID if tied else NINP, NHID, NLAYERS, dropout, tied)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    criterion = RecordingNLLLoss()
    args = types.SimpleNamespace(model=rnn_type, **ARGS)
    train_data = wlm.batchify(corpus.train, args.batch_size)
    val_data = wlm.batchify(corpus.valid, wlm.eval_batch_size)
    for name, value in dict(
        args=args, corpus=corpus, model=model, criterion=criterion, lr=LR, train_data=train_data
    ).items():
        monkeypatch.setattr(wlm, name, value)
    train_losses, val_losses = [], []
    for epoch in (1, 2):
        monkeypatch.setattr(wlm, "epoch", epoch)
        torch.manual_seed(SEED + epoch)  # the dropout masks: both runs draw the same numbers in the same order
        criterion.losses.clear()
        wlm.train()
        train_losses += criterion.losses
        criterion.losses.clear()
        val_losses.append(wlm.evaluate(val_data))
    outf = out / "generated.txt"
    gen_args = types.SimpleNamespace(seed=1111, words=40, temperature=1.0, outf=str(outf), log_interval=100)
    wlm.generate(model, corpus, gen_args)
    return ClientRun(initial, train_losses, val_losses, outf.read_text(encoding="utf8"), model)


def compare_word_language_model(monkeypatch, tmp_path, corpus, rnn_type, tied, dropout, charlm_nn, expected_class):
    (tmp_path / "torch").mkdir()
    (tmp_path / "charlm").mkdir()
    ref = run_word_language_model(monkeypatch, TORCH_NN, rnn_type, tied, dropout, corpus, tmp_path / "torch")
    got = run_word_language_model(monkeypatch, charlm_nn, rnn_type, tied, dropout, corpus, tmp_path / "charlm")
    assert type(ref.model.rnn).__module__.startswith("torch.nn")
    assert type(got.model.rnn) is expected_class, "the client did not build charlm's layer"
    assert_same_weights(ref.initial, got.initial)
    n_batches = -(-(len(corpus.train) // ARGS["batch_size"] - 1) // ARGS["bptt"])
    assert len(got.train_losses) == len(ref.train_losses) == 2 * n_batches
    assert all(torch.isfinite(torch.tensor(ref.train_losses)))
    assert ref.val_losses[-1] < math.log(len(corpus.dictionary))  # it learns: the comparison is not of noise
    assert got.train_losses == pytest.approx(ref.train_losses, rel=1e-5, abs=0)
    assert got.val_losses == pytest.approx(ref.val_losses, rel=1e-5, abs=0)
    final = ref.model.state_dict()
    for name, value in got.model.state_dict().items():
        torch.testing.assert_close(value, final[name], rtol=1e-4, atol=1e-5, msg=f"{name} after training")
    assert got.generated == ref.generated
    assert len(got.generated.split()) == 40


@pytest.mark.parametrize(
    ("rnn_type", "tied", "expected_class"),
    [
        ("LSTM", False, charlm.LSTM),
        ("GRU", False, charlm.GRU),
        ("RNN_TANH", False, charlm.RNN),
        ("RNN_RELU", False, charlm.RNN),
        ("LSTM", True, charlm.LSTM),
    ],
)
@pytest.mark.slow
def test_word_language_model_matches_torch(monkeypatch, tmp_path, corpus, rnn_type, tied, expected_class):
    """The default engine, with dropout 0.2 both around and between the recurrent layers (the fused kernel draws the
    between-layer masks as torch.nn does)."""
    compare_word_language_model(monkeypatch, tmp_path, corpus, rnn_type, tied, 0.2, CHARLM_NN, expected_class)


@pytest.mark.parametrize(
    ("rnn_type", "expected_class"),
    [("LSTM", ScratchLSTM), ("GRU", ScratchGRU), ("RNN_TANH", ScratchRNN), ("RNN_RELU", ScratchRNN)],
)
@pytest.mark.slow
def test_word_language_model_on_the_scratch_engine_matches_torch(
    monkeypatch, tmp_path, corpus, rnn_type, expected_class
):
    """The scratch engine (charlm's own cells and backward through time). dropout 0: nothing promises that the
    scratch engine draws its between-layer dropout masks as torch's fused kernel does (on the CPU they coincide
    today, both dropping out the whole layer output in the same order; cuDNN draws its own)."""
    compare_word_language_model(monkeypatch, tmp_path, corpus, rnn_type, False, 0.0, SCRATCH_NN, expected_class)


# -- the d2l.ai book, chapter 8 (d2l/torch.py: RNNModel, predict_ch8, train_epoch_ch8) ---------------------------------

NUM_HIDDENS = 32
D2L_LAYERS = {
    "RNN": (torch.nn.RNN, charlm.RNN, ScratchRNN),
    "GRU": (torch.nn.GRU, charlm.GRU, ScratchGRU),
    "LSTM": (torch.nn.LSTM, charlm.LSTM, ScratchLSTM),
}


@pytest.fixture
def time_machine(shared, monkeypatch):
    """d2l's download() finds The Time Machine in the reference corpora (its SHA-1 checked), never on the network."""
    monkeypatch.setattr(d2l_rnn, "DATA_DIR", str(shared))


def d2l_net(layer_class, vocab_size: int) -> d2l_rnn.RNNModel:
    """As the book builds it: ``RNNModel(nn.LSTM(len(vocab), num_hiddens), vocab_size=len(vocab))``."""
    torch.manual_seed(SEED)
    return d2l_rnn.RNNModel(layer_class(vocab_size, NUM_HIDDENS), vocab_size=vocab_size)


@pytest.mark.parametrize("kind", list(D2L_LAYERS))
def test_d2l_begin_state(time_machine, kind):
    """begin_state asks ``isinstance(self.rnn, nn.LSTM)`` of torch's own nn: charlm's LSTM must answer yes (a tuple
    (h, c)) and its RNN and GRU no (one tensor)."""
    torch_class, charlm_class, _ = D2L_LAYERS[kind]
    _, vocab = d2l_rnn.load_data_time_machine(4, 8)
    ref, got = d2l_net(torch_class, len(vocab)), d2l_net(charlm_class, len(vocab))
    assert_same_weights(ref.state_dict(), got.state_dict())
    assert isinstance(got.rnn, torch_class)
    assert isinstance(got.rnn, torch.nn.LSTM) == (kind == "LSTM")
    ref_state, got_state = ref.begin_state(CPU, batch_size=3), got.begin_state(CPU, batch_size=3)
    if kind == "LSTM":
        assert isinstance(got_state, tuple) and len(got_state) == 2
    else:
        assert isinstance(got_state, torch.Tensor)
    ref_parts = ref_state if isinstance(ref_state, tuple) else (ref_state,)
    got_parts = got_state if isinstance(got_state, tuple) else (got_state,)
    assert len(got_parts) == len(ref_parts)
    for r, g in zip(ref_parts, got_parts, strict=True):
        assert g.shape == r.shape == (1, 3, NUM_HIDDENS)
        assert not g.any()
    X = torch.randint(len(vocab), (3, 8))  # (batch, steps), as d2l's iterators give them
    (ref_y, ref_new), (got_y, got_new) = ref(X, ref_state), got(X, got_state)
    assert got_y.shape == ref_y.shape == (8 * 3, len(vocab))
    torch.testing.assert_close(got_y, ref_y, rtol=1e-5, atol=1e-6)
    ref_new = ref_new if isinstance(ref_new, tuple) else (ref_new,)
    got_new = got_new if isinstance(got_new, tuple) else (got_new,)
    for r, g in zip(ref_new, got_new, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6)


# d2l's Accumulator takes float() of the loss tensor, which still requires grad: torch warns, the value is right.
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar:UserWarning")
@pytest.mark.parametrize("use_random_iter", [False, True], ids=["sequential", "random"])
@pytest.mark.parametrize("engine", ["auto", "scratch"])
@pytest.mark.parametrize("kind", list(D2L_LAYERS))
@pytest.mark.slow
def test_d2l_predict_and_train_match_torch(time_machine, kind, engine, use_random_iter):
    """predict_ch8 before and after two epochs of train_epoch_ch8, with the loss and updater train_ch8 makes for an
    nn.Module (CrossEntropyLoss, SGD at the book's lr of 1), on the first 2,000 characters of The Time Machine."""
    torch_class, charlm_class, scratch_class = D2L_LAYERS[kind]
    train_iter, vocab = d2l_rnn.load_data_time_machine(8, 16, use_random_iter, max_tokens=2000)
    assert len(vocab) == 28
    results = []
    for layer_class in (torch_class, charlm_class if engine == "auto" else scratch_class):
        net = d2l_net(layer_class, len(vocab))
        before = d2l_rnn.predict_ch8("time traveller", 20, net, vocab, CPU)
        loss, updater = torch.nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), 1)
        random.seed(SEED)  # d2l's iterators draw their offsets and order from Python's random
        ppls = [d2l_rnn.train_epoch_ch8(net, train_iter, loss, updater, CPU, use_random_iter)[0] for _ in range(2)]
        after = d2l_rnn.predict_ch8("time traveller", 20, net, vocab, CPU)
        results.append((net, before, ppls, after))
    (ref_net, ref_before, ref_ppls, ref_after), (got_net, got_before, got_ppls, got_after) = results
    for name, value in got_net.state_dict().items():
        torch.testing.assert_close(
            value, ref_net.state_dict()[name], rtol=1e-4, atol=1e-5, msg=f"{name} after training"
        )
    assert isinstance(got_net.rnn, charlm.RecurrentLayer)
    assert len(got_before) == len(ref_before) == len("time traveller") + 20
    assert got_before == ref_before
    assert ref_ppls[1] < ref_ppls[0] < len(vocab)  # it learns: the comparison is not of noise
    assert got_ppls == pytest.approx(ref_ppls, rel=1e-5, abs=0)
    assert got_after == ref_after
