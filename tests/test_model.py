"""CharLM: shapes, engines, and checkpoints that round-trip exactly and fail loudly."""

import json

import pytest
import safetensors.torch
import torch

import charlm
from charlm import CharLM, CharLMConfig, CheckpointError, Vocab
from charlm.errors import CharLMError
from charlm.i18n import speaking
from charlm.model import describe_checkpoint

VOCAB = Vocab.build("the time traveller (for so it will be convenient to speak of him)")


def make_model(**kw) -> CharLM:
    return CharLM(CharLMConfig(vocab=list(VOCAB.tokens), hidden_size=8, **kw)).eval()


def tokens(text="time traveller", batch=2):
    return torch.tensor([VOCAB.encode(text)] * batch)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "peephole"])
@pytest.mark.parametrize("embedding_dim", [0, 5])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_forward_shapes_and_engines_agree(cell, embedding_dim, bidirectional):
    model = make_model(cell=cell, embedding_dim=embedding_dim, bidirectional=bidirectional, num_layers=2)
    x = tokens()
    logits, state = model(x, engine="scratch")
    assert logits.shape == (2, x.shape[1], len(VOCAB))
    h = state[0] if isinstance(state, tuple) else state
    assert h.shape == (2 * (2 if bidirectional else 1), 2, 8)
    auto_logits, _ = model(x)
    torch.testing.assert_close(auto_logits, logits, atol=1e-6, rtol=1e-6)
    rec_logits, _, rec = model.record(x)
    assert torch.equal(rec_logits, logits)
    assert rec[1][0]["h"].shape == (2, x.shape[1], 8)  # (B, T, H), like the model's inputs


def test_parameter_count_is_known_before_building():
    for cell in ["rnn", "gru", "lstm", "peephole"]:
        for kw in [{}, {"bidirectional": True, "num_layers": 3}, {"embedding_dim": 6, "num_layers": 2}]:
            config = CharLMConfig(vocab=list(VOCAB.tokens), cell=cell, hidden_size=7, **kw)
            assert CharLM(config).num_parameters == config.num_parameters(), (cell, kw)


def test_state_carries_over_between_calls():
    """Feeding a text in two halves, carrying the state, gives the same logits as all at once."""
    model = make_model(cell="gru", num_layers=2)
    x = tokens("the time traveller")
    whole, _ = model(x)
    first, state = model(x[:, :7])
    second, _ = model(x[:, 7:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole, atol=1e-6, rtol=1e-6)


def test_a_model_describes_itself_in_either_language():
    model = make_model(cell="gru", num_layers=2, bidirectional=True, dropout=0.5, weight_drop=0.25, embedding_dim=4)
    n, v = f"{model.num_parameters:,}", len(VOCAB)
    assert model.describe() == (f"2-layer bidirectional GRU, 8 hidden units, embedding 4, dropout 0.5, weight drop 0.25, "
                                f"vocabulary of {v}, {n} parameters")  # fmt: skip
    assert model.describe("zh") == (f"2 层双向门控循环单元（GRU），8 个隐藏单元，4 维嵌入，暂退概率 0.5，"
                                    f"权重暂退（DropConnect）概率 0.25，词表大小 {v}，共 {n} 个参数")  # fmt: skip
    plain = make_model(cell="rnn")
    assert plain.describe().startswith("1-layer vanilla RNN, 8 hidden units, one-hot inputs, vocabulary of")
    with speaking("zh"):
        assert plain.describe().startswith("1 层普通循环神经网络（RNN），8 个隐藏单元，独热编码输入，词表大小")
        card = plain.generate_model_card()  # a file for the Hub: in English whatever the reader's language
    assert "1-layer vanilla RNN" in str(card) and "charlm vanilla RNN" in str(card)


def test_a_checkpoint_folder_is_listed_in_either_language(tmp_path):
    make_model(cell="lstm", bidirectional=True).save_pretrained(tmp_path)
    info = describe_checkpoint(tmp_path)
    assert info.model == "LSTM 1×8 bidirectional" and info.text == "its corpus"
    assert info.label() == f"{tmp_path.name} — LSTM 1×8 bidirectional on its corpus"
    with speaking("zh"):
        info = describe_checkpoint(tmp_path)
        assert info.model == "长短期记忆网络（LSTM），1 层 × 8 个单元，双向"
        assert info.label() == f"{tmp_path.name} — 长短期记忆网络（LSTM），1 层 × 8 个单元，双向，在 未注明的语料 上训练"
    assert describe_checkpoint(tmp_path, "en").model == "LSTM 1×8 bidirectional"


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"cell": "transformer"}, "cell must be one of rnn, gru, lstm, peephole"),
        ({"hidden_size": 0}, "hidden_size must be a whole number ≥ 1"),
        ({"num_layers": 10**6}, "would have .* parameters .* the limit is"),
        ({"embedding_dim": -1}, "embedding_dim must be a whole number ≥ 0"),
        ({"dropout": -0.1}, "dropout must be a probability"),
        ({"vocab": ["a", "b"]}, "starts with '<unk>'"),
        ({"vocab": ["<unk>", "a", "a"]}, "lists these tokens twice"),
    ],
)
def test_config_errors_name_the_problem(kw, message):
    args = {"vocab": list(VOCAB.tokens), **kw}
    with pytest.raises(CharLMError, match=message):
        CharLMConfig(**args)


# -- checkpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "peephole"])
def test_save_load_round_trip_is_bit_identical(tmp_path, cell):
    model = make_model(cell=cell, num_layers=2, bidirectional=cell == "gru", embedding_dim=4 if cell == "lstm" else 0)
    model.config.metadata["corpus"] = "timemachine"
    model.save_pretrained(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"config.json", "model.safetensors", "README.md"}
    loaded = CharLM.from_pretrained(tmp_path)
    assert loaded.config == model.config and loaded.vocab == model.vocab
    assert not loaded.training
    assert torch.equal(loaded(tokens())[0], model(tokens())[0])
    card = (tmp_path / "README.md").read_text()
    assert "library_name: charlm" in card and f"{model.num_parameters:,} parameters" in card


def test_weights_laid_out_in_one_block_are_saved(tmp_path):
    """On a GPU the recurrent weights become views into the one block cuDNN reads; saving must still work."""
    model = make_model(cell="lstm", num_layers=2)
    params = [p for n, p in model.rnn.named_parameters()]
    block = torch.cat([p.detach().reshape(-1) for p in params])
    offset = 0
    with torch.no_grad():
        for p in params:  # what torch._cudnn_rnn_flatten_weight does on a GPU
            p.set_(block[offset : offset + p.numel()].view_as(p))
            offset += p.numel()
    model.save_pretrained(tmp_path)
    loaded = CharLM.from_pretrained(tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True))


def test_saving_again_into_a_folder_replaces_its_model_card(tmp_path):
    make_model(cell="gru").save_pretrained(tmp_path)
    make_model(cell="rnn").save_pretrained(tmp_path)
    card = (tmp_path / "README.md").read_text()
    assert "vanilla RNN" in card and "GRU" not in card


def test_save_pretrained_can_halve_the_weights_file(tmp_path):
    model = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell="gru", hidden_size=64)).eval()
    model.save_pretrained(tmp_path / "full")
    model.save_pretrained(tmp_path / "half", weights_dtype=torch.float16)
    full, half = ((tmp_path / f / "model.safetensors").stat().st_size for f in ("full", "half"))
    assert half < 0.55 * full
    loaded = CharLM.from_pretrained(tmp_path / "half")
    assert loaded.head.weight.dtype == torch.float32 and model.head.weight.dtype == torch.float32
    torch.testing.assert_close(loaded(tokens())[0], model(tokens())[0], atol=1e-2, rtol=1e-2)


def test_half_precision_storage_loads_as_float32(tmp_path):
    model = make_model()
    model.save_pretrained(tmp_path)
    half = {k: v.half() for k, v in model.state_dict().items()}
    safetensors.torch.save_file(half, tmp_path / "model.safetensors")
    loaded = CharLM.from_pretrained(tmp_path)
    assert loaded.head.weight.dtype == torch.float32
    torch.testing.assert_close(loaded(tokens())[0], model(tokens())[0], atol=1e-2, rtol=1e-2)


def test_a_pickled_checkpoint_is_refused(tmp_path):
    model = make_model()
    model.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="pickled weights only.*never loads pickles"):
        CharLM.from_pretrained(tmp_path)


def test_a_pickle_named_safetensors_is_refused(tmp_path):
    model = make_model()
    model.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "model.safetensors")  # a pickle wearing the wrong name
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        CharLM.from_pretrained(tmp_path)


def test_a_truncated_checkpoint_is_reported(tmp_path):
    make_model().save_pretrained(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        CharLM.from_pretrained(tmp_path)


def test_a_corrupt_config_is_reported(tmp_path):
    make_model().save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"vocab": ["<unk>", "a"', encoding="utf-8")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        CharLM.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"vocab": ["<unk>", "a"], "cell": "lstm", "hidden_size": -3}')
    with pytest.raises(CheckpointError, match="does not describe a charlm model: hidden_size"):
        CharLM.from_pretrained(tmp_path)


def test_weights_that_do_not_fit_the_config_are_reported(tmp_path):
    make_model().save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["hidden_size"] = 16
    (tmp_path / "config.json").write_text(json.dumps(config))
    mismatch = r"does not match its config.json: rnn.weight_ih_l0 is \(32, \d+\), the config needs \(64"
    with pytest.raises(CheckpointError, match=mismatch):
        CharLM.from_pretrained(tmp_path)
    config["hidden_size"], config["cell"] = 8, "gru"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="does not match"):
        CharLM.from_pretrained(tmp_path)
    config["cell"], config["num_layers"] = "lstm", 3  # 8 tensors missing: 5 are named
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="missing rnn.weight_ih_l1; missing rnn.weight_hh_l1") as caught:
        CharLM.from_pretrained(tmp_path)
    english = str(caught.value)  # the first five problems one after another, then how many more
    assert english.count("; ") == 5 and english.endswith("; and 3 more"), english
    chinese = caught.value.render("zh")
    assert "与它的 config.json 不符：" in chinese and chinese.count("；") == 5 and chinese.endswith("另有 3 处不符")
    assert "config.json 不符：缺少 rnn.weight_ih_l1；缺少 rnn.weight_hh_l1；" in chinese


def test_a_checkpoint_error_renders_in_chinese_with_its_cause_in_chinese_too(tmp_path):
    make_model().save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"vocab": ["<unk>", "a"], "cell": "lstm", "hidden_size": -3}')
    with pytest.raises(CheckpointError) as caught:
        CharLM.from_pretrained(tmp_path)
    assert caught.value.render("zh").endswith("描述的不是 charlm 模型：hidden_size 必须是 ≥ 1 的整数，而不是 -3")
    with pytest.raises(CheckpointError) as caught:
        CharLM.from_pretrained(tmp_path / "nothing")
    repo = str(tmp_path / "nothing")
    assert caught.value.render("zh") == f"{repo!r} 既不是检查点文件夹，也不是 Hub 上的模型 id（用户名/模型名）"


def test_missing_folder_and_unknown_hub_id_offline(tmp_path):
    with pytest.raises(CheckpointError, match="not a charlm checkpoint: it has no config.json"):
        CharLM.from_pretrained(tmp_path)
    with pytest.raises(CheckpointError, match="neither a checkpoint folder nor a Hub id"):
        CharLM.from_pretrained(tmp_path / "no" / "such" / "folder")
    # conftest sets HF_HUB_OFFLINE=1: the Hub is never contacted
    with pytest.raises(CheckpointError, match="not in the local cache"):
        CharLM.from_pretrained("charlm-tests/does-not-exist")


# -- vocabulary and device ------------------------------------------------------------------------


def test_vocab_maps_unknown_characters_to_unk_and_counts_them():
    vocab = Vocab.build("abba c")
    assert vocab.tokens == ("<unk>", "a", "b", " ", "c")  # by frequency, ties in code-point order
    assert vocab.encode("cab!") == [4, 1, 2, 0]
    assert vocab.unknown("cab!?!") == {"!": 2, "?": 1}
    assert vocab.decode(vocab.encode("a cab")) == "a cab"


def test_vocab_is_unicode_safe():
    vocab = Vocab.build("分开 不分开 Molière")
    assert vocab.decode(vocab.encode("不分开 è")) == "不分开 è"


def test_pick_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert charlm.pick_device("auto") == torch.device("cpu")
    assert charlm.pick_device(None) == torch.device("cpu")
    with pytest.raises(CharLMError, match="no CUDA GPU"):
        charlm.pick_device("cuda")
    with pytest.raises(CharLMError, match="MPS .* not available"):
        charlm.pick_device("mps")
    with pytest.raises(CharLMError, match="not a device"):
        charlm.pick_device("banana")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert charlm.pick_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert charlm.pick_device("auto") == torch.device("cuda")
