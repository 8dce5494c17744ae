"""The app's frame: the header, the language switch, the current model's line, the shared helpers' messages."""

TEXTS = {
    # The header: on a phone (the "short" part) where training runs in a word, "CPU", "CUDA", "ZeroGPU"; on a wider
    # screen (the "long" part) where in full, "this machine's CPU", and what the app is. Each part says it once.
    "app.header": (
        "**charlm** · <span class='short'>training on **{brief}**</span><span class='long'>training on {where} — "
        "train, inspect and sample character-level RNNs, GRUs and LSTMs, built from scratch.</span>",
        "**charlm** · <span class='short'>训练于 **{brief}**</span><span class='long'>训练于{where} — "
        "训练、查看并采样从零实现的字符级循环神经网络、GRU 和 LSTM。</span>",
    ),
    "app.where_cpu": ("this machine's CPU", "本机的 CPU"),
    "app.where_device": ("this machine's GPU ({device})", "本机的 GPU（{device}）"),
    "app.presenting": ("Presenting", "演示模式"),
    "app.language": ("Language", "语言"),
    "app.no_model": ("There is no model yet: train one in the Train tab, or load one in the Models tab.",
                     "还没有模型：请在“训练”页训练一个，或在“模型”页加载一个。"),
    "app.model_line_none": ("**Current model:** none yet — train one, or load one in the Models tab.",
                            "**当前模型：** 还没有 — 请训练一个，或在“模型”页加载一个。"),
    "app.pretrained": ("pretrained `{name}`", "预训练模型 `{name}`"),
    "app.model_line": ("**Current model:** {name}<span class='details'> — {details}</span>.",
                       "**当前模型：** {name}<span class='details'> — {details}</span>。"),
    "app.not_a_number": ("{label} must be a number, not {value!r}.", "{label} 必须是数字，而不是 {value!r}。"),
    "app.not_whole": ("{label} must be a whole number, not {value!r}.", "{label} 必须是整数，而不是 {value!r}。"),
    # each cell by its title, as a choice (CELL_CHOICES in charlm/ui/common.py has the English)
    "app.cell_rnn": ("Vanilla RNN", "普通循环神经网络 (RNN)"),
    "app.cell_gru": ("GRU", "门控循环单元 (GRU)"),
    "app.cell_lstm": ("LSTM", "长短期记忆网络 (LSTM)"),
    "app.cell_peephole": ("Peephole LSTM", "窥视孔长短期记忆网络 (peephole LSTM)"),
}
