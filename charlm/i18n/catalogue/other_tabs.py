"""Texts of the Models, Compare and Cells tabs (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {
    # -- the Models tab -----------------------------------------------------------------------------------------------
    "models_tab.tab": ("Models", "模型"),
    "models_tab.checkpoint": ("Pretrained checkpoint", "预训练检查点"),
    "models_tab.hub_id": ("…or a Hugging Face Hub id (user/model)", "……或 Hugging Face Hub 上的模型 id（user/model）"),
    "models_tab.load": ("Load", "加载"),
    "models_tab.intro": (
        "The checkpoints trained by this project (click a row to read its model card).",
        "本项目训练好的检查点（点击一行即可阅读它的模型卡）。",
    ),
    "models_tab.col_checkpoint": ("checkpoint", "检查点"),
    "models_tab.col_model": ("model", "模型"),
    "models_tab.col_text": ("text", "文本"),
    "models_tab.col_valid_perplexity": ("validation perplexity", "验证困惑度"),
    "models_tab.col_size": ("size (MB)", "大小 (MB)"),
    "models_tab.unreadable": ("unreadable", "无法读取"),
    "models_tab.card": ("{card}", "*以下是检查点自带的模型卡（英文原文）。*\n\n{card}"),
    "models_tab.download": ("Download the current model (.zip)", "下载当前模型（.zip）"),
    "models_tab.push_title": ("Push the current model to the Hugging Face Hub", "将当前模型推送到 Hugging Face Hub"),
    "models_tab.repo": ("Repository (user/name)", "仓库（user/name）"),
    "models_tab.token": ("Write token (used for this push only, never stored)", "写入令牌（仅用于本次推送，不会保存）"),
    "models_tab.private": ("Private", "私有"),
    "models_tab.push": ("Push", "推送"),
    "models_tab.no_such_checkpoint": (
        "There is no pretrained checkpoint called {name!r}; pick one from the list.",
        "没有名为 {name!r} 的预训练检查点；请从列表中选择一个。",
    ),
    "models_tab.pick_one": (
        "Pick a pretrained checkpoint, or type a Hugging Face Hub id such as user/model.",
        "请选择一个预训练检查点，或输入 Hugging Face Hub 上的模型 id，例如 user/model。",
    ),
    "models_tab.repo_needed": ("Give the Hub repository as user/name.", "请按 user/name 的格式填写 Hub 仓库。"),
    "models_tab.token_needed": (
        "Paste a Hugging Face write token (it is used for this push only and never stored).",
        "请粘贴 Hugging Face 写入令牌（仅用于本次推送，不会保存）。",
    ),
    "models_tab.push_refused": ("The Hub refused the push: {reason}", "Hub 拒绝了这次推送：{reason}"),
    "models_tab.pushed": ("Pushed to {url}", "已推送到 {url}"),
    # -- the Compare tab ----------------------------------------------------------------------------------------------
    "compare.tab": ("Compare", "比较"),
    "compare.intro": (
        "This session's runs side by side: validation (solid) and training (dashed) perplexity.",
        "本次会话的各次运行并列比较：验证困惑度（实线）与训练困惑度（虚线）。",
    ),
    "compare.plot_title": ("This session's runs", "本次会话的运行"),
    "compare.pretrained": ("Pretrained models to add (their recorded training)", "要加入的预训练模型（它们记录下的训练过程）"),
    "compare.add_pretrained": ("Add to Compare", "加入比较"),
    "compare.choose_checkpoint": ("Choose at least one pretrained model to add.", "请至少选择一个要加入的预训练模型。"),
    "compare.no_checkpoint": ("There is no pretrained model {name!r} here; there are: {names}.",
                              "这里没有名为 {name!r} 的预训练模型；现有的是：{names}。"),
    "compare.no_history": ("The pretrained model {name!r} recorded no training history to compare.",
                           "预训练模型 {name!r} 没有记录可供比较的训练过程。"),
    "compare.kept_last": (
        "The book's presets keep their last epoch's weights, as the book reports its final model. Their training "
        "perplexity (dashed; the table's *last training perplexity*) falls towards 1 as they memorise the 10,000 "
        "characters they learn from: that is the book's figure. Their validation perplexity (solid), on the "
        "held-out last 10%, rises after its best epoch: the gap is overfitting. For such a memorising model the memory "
        "span and the gradients below say how far back it reaches on text it never saw, not how well it predicts: a "
        "vanilla RNN that recalls its passage can reach further back than a GRU that predicts better.",
        "书中的预设保留最后一个迭代周期的权重，因为书中报告的是最终的模型。它们的训练困惑度（虚线；表中的“最后的训练"
        "困惑度”）随着把所学的 10,000 个字符背下来而降向 1：这就是书中的数字。它们在留出的最后 10% 文本上的验证困惑度"
        "（实线）在最好的迭代周期之后回升：两者之间的差距就是过拟合。对这样背诵文本的模型，记忆跨度和下面的梯度说的是"
        "它在没见过的文本上往前看了多远，而不是它预测得多好：一个背下了段落的普通 RNN 可以比预测得更好的 GRU 看得更远。",
    ),
    "compare.pretrained_note": (
        "A pretrained model's curves are the run its training recorded, on its own text and recipe (the book's three "
        "on the whole novel: Adam, 20 epochs, the best validation epoch kept); it was not trained in this session.",
        "预训练模型的曲线是它训练时记录下来的过程，用的是它自己的文本和训练方法（书中的三个模型在整部小说上训练："
        "Adam，20 个迭代周期，保留验证结果最好的迭代周期）；它不是在本次会话中训练的。",
    ),
    "compare.gradients": ("Gradients through time", "沿时间回传的梯度"),
    "compare.gradients_title": (
        "Gradients through time, each run's first layer",
        "沿时间回传的梯度（各次运行的第一层）",
    ),
    "compare.col_run": ("run", "运行"),
    "compare.col_parameters": ("parameters", "参数量"),
    "compare.col_tokens_per_second": ("tokens/s", "词元/秒"),
    "compare.col_train_perplexity": ("last training perplexity", "最后的训练困惑度"),
    "compare.col_best_valid_perplexity": ("best validation perplexity", "最佳验证困惑度"),
    "compare.col_memory_span": ("memory span (characters)", "记忆跨度（字符）"),
    "compare.col_seconds": ("seconds", "秒"),
    "compare.caption": (
        "{caption} The memory span, in the table, is how far back the predictions look. Both are measured over the "
        "first {chars} characters of each run's validation text.",
        "{caption}表中的记忆跨度表示预测往前看了多远。两者都是在每次运行的验证文本的前 {chars} 个字符上测得的。",
    ),
    # -- the Cells tab ------------------------------------------------------------------------------------------------
    "cells_tab.tab": ("Cells", "循环单元"),
    "cells_tab.cell": ("Cell", "循环单元"),
    "cells_tab.input_size": ("Input size (vocabulary for one-hot)", "输入大小（独热编码时为词表大小）"),
    "cells_tab.hidden": ("Hidden units", "隐藏单元数"),
    "cells_tab.layers": ("Layers", "层数"),
    "cells_tab.bidirectional": ("Bidirectional", "双向"),
    "cells_tab.step_code": ("One time step, from charlm/cells.py", "一个时间步，取自 charlm/cells.py"),
    "cells_tab.derivatives": (
        "Its derivatives: backpropagation through time by hand (charlm/bptt.py)",
        "它的导数：手写的通过时间反向传播（charlm/bptt.py）",
    ),
    "cells_tab.three_ways": (
        "The same step three ways: naive, vectorized (scratch), fused — and their speed here",
        "同一步的三种写法：朴素（naive）、向量化（scratch）、融合（fused），以及它们在本机上的速度",
    ),
    "cells_tab.naive_code": ("Naive: one product per gate and input", "朴素写法：每个门、每个输入各做一次乘积"),
    "cells_tab.measure": (
        "Measure the three on this machine (one core, batch 32 × 35)",
        "在本机上测量这三种写法（单核，小批量 32 × 35）",
    ),
    "cells_tab.parameters": ("Parameters", "参数"),
    "cells_tab.col_parameter": ("parameter", "参数"),
    "cells_tab.col_shape": ("shape", "形状"),
    "cells_tab.col_count": ("count", "数量"),
    "cells_tab.col_engine": ("engine", "引擎"),
    "cells_tab.col_train_speed": ("training tokens/s", "训练词元/秒"),
    "cells_tab.col_infer_speed": ("inference tokens/s", "推理词元/秒"),
    "cells_tab.col_times_naive": ("× naive", "× 朴素写法"),
    "cells_tab.col_how": ("how it computes a step", "如何计算一步"),
    "cells_tab.summary": (
        "### {title}\n\n{doc}\n\n**{total:,} parameters** in {tensors} tensors · gates recorded: `{gates}` · "
        "engines: {engines}",
        "### {title}\n\n{doc}\n\n**{total:,} 个参数**，共 {tensors} 个张量 · 记录的门：`{gates}` · 引擎：{engines}",
    ),
    "cells_tab.engines_both": ("scratch and fused (torch's kernel)", "scratch 和 fused（torch 的内核）"),
    "cells_tab.engines_scratch": (
        "scratch only (torch has no fused kernel)",
        "只有 scratch（torch 没有对应的融合内核）",
    ),
    # each cell's docstring in charlm/cells.py, as inspect.cleandoc leaves it (a test keeps the English the same)
    "cells_tab.doc_rnn": (
        "The vanilla (Elman) RNN: one hidden state, squashed by tanh (or cut by relu).",
        "简单（Elman）循环神经网络：只有一个隐状态，经 tanh 压缩（或被 relu 截断）。",
    ),
    "cells_tab.doc_gru": (
        "The gated recurrent unit (Cho et al. 2014) in torch.nn.GRU's form, gate order r, z, n.\n\n"
        "The recurrent bias of the candidate, b_hn, sits *inside* the reset gate's product, so the two\n"
        "biases cannot be summed ahead: ``project`` adds only b_ih and the step adds b_hh.",
        "门控循环单元（Cho 等，2014），采用 torch.nn.GRU 的形式，门的顺序为 r、z、n。\n\n"
        "候选隐状态的循环偏置 b_hn 位于重置门的乘积*之内*，因此两个偏置不能预先相加：``project`` 只加 b_ih，"
        "每个时间步再加上 b_hh。",
    ),
    "cells_tab.doc_lstm": (
        "Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.\n"
        "2000) in torch.nn.LSTM's form, gate order i, f, g, o.",
        "长短期记忆网络（Hochreiter 和 Schmidhuber，1997；遗忘门来自 Gers 等，2000），采用 torch.nn.LSTM 的形式，"
        "门的顺序为 i、f、g、o。",
    ),
    "cells_tab.doc_peephole": (
        'The LSTM with peephole connections (Gers & Schmidhuber 2000, "Recurrent nets that time and\n'
        'count"): the gates also look at the cell state through *diagonal* weights — one number per unit,\n'
        "an element-wise product, not a matrix. The input and forget gates see the old cell c_{{t-1}};\n"
        "the output gate sees the new cell c_t, so it is computed after the cell update.\n"
        "With the three peephole vectors at zero this is exactly the LSTM above.",
        "带窥视孔连接的 LSTM（Gers 和 Schmidhuber，2000，“Recurrent nets that time and count”）："
        "各个门还通过*对角*权重查看记忆元的状态，每个单元只有一个数，做的是按元素乘法，而不是矩阵乘法。"
        "输入门和遗忘门看的是旧的记忆元 c_{{t-1}}；输出门看的是新的记忆元 c_t，因此它在记忆元更新之后才计算。"
        "三个窥视孔向量全为零时，它就是上面的 LSTM。",
    ),
    "cells_tab.glossary": ("Glossary: the Chinese d2l book's terms", "术语表：《动手学深度学习》中的术语"),
    "cells_tab.glossary_intro": (
        "The Chinese texts of this app use the terms of the Chinese edition of *Dive into Deep Learning* "
        "(动手学深度学习, [zh.d2l.ai](https://zh.d2l.ai)).",
        "本应用的中文采用《动手学深度学习》（[zh.d2l.ai](https://zh.d2l.ai)）中的术语。",
    ),
    # -- ZeroGPU (charlm/ui/zerogpu.py) -------------------------------------------------------------------------------
    "zerogpu.describe": (
        "this Space's GPU (ZeroGPU, lent for each run: about {quota})",
        "本 Space 的 GPU（ZeroGPU，每次运行时借用；每天约可用：{quota}）",
    ),
    "zerogpu.quota": ("{minutes} min a day for {who}", "{who} {minutes} 分钟"),
    "zerogpu.who_anonymous": ("visitors who are not logged in", "未登录的访客"),
    "zerogpu.who_free": ("free accounts", "免费账户"),
    "zerogpu.who_pro": ("PRO accounts", "PRO 账户"),
    "zerogpu.advice_quota": (
        "Log in to Hugging Face for more GPU time a day (free accounts get {free} minutes, PRO {pro}), wait until your "
        "quota is back, or train the same run on this Space's CPU now.",
        "登录 Hugging Face 可以获得更多的每日 GPU 时间（免费账户 {free} 分钟，PRO 账户 {pro} 分钟）；也可以等配额恢复，"
        "或者现在就用本 Space 的 CPU 以相同设置训练。",
    ),
    "zerogpu.advice_busy": (
        "Try again in a moment (the GPUs may all be busy), or train the same run on this Space's CPU now.",
        "请稍后再试（GPU 可能都在忙），或者现在就用本 Space 的 CPU 以相同设置训练。",
    ),
}
