"""The presets (charlm/presets.py): each one's title, source, published figure and explanation, a pair's title and
published ratio (ids ``presets.<name>.<what>``), and the errors a malformed preset raises. The English here, rendered,
is what ``Preset`` and ``Pair`` carry in their fields (they are templates: a brace is written twice).

Where a preset reproduces the d2l book, its Chinese source names the section of the Chinese book (动手学深度学习,
zh.d2l.ai, 2nd edition, PyTorch: the same sections as d2l.ai 0.17); the Jay Chou presets name the 1st edition's
PyTorch version (Dive-into-DL-PyTorch), where those lyrics are the corpus."""

# The books, as the sources name them.
D2L_BOOK = "d2l.ai 0.17 (Dive into Deep Learning)"
D2L_BOOK_ZH = "《动手学深度学习》第二版（zh.d2l.ai，PyTorch 版）"
D2L_ZH = "动手学深度学习 (the Chinese d2l book, 1st edition), PyTorch edition"
D2L_ZH_ZH = "《动手学深度学习》第一版 PyTorch 版（Dive-into-DL-PyTorch）"

# Sentences several explanations share, as (English, Chinese).
MEMORISED = (
    "Watch the training perplexity fall towards 1 — the model has learned these characters by heart — while "
    "validation perplexity on the held-out last 10% stops falling and climbs: the gap is overfitting. As the book "
    "reports its final model, the run keeps the last epoch's weights, not the best validation epoch's.",
    "留意训练困惑度一路降向 1（模型把这些字符背了下来），而留出的最后 10% 文本上的验证困惑度却不再下降、转而回升："
    "两者之间的差距就是过拟合。书中报告的是最终的模型，所以这次训练保留最后一个迭代周期的权重，而不是验证结果最好的"
    "那个迭代周期的权重。",
)
KEPT_LAST = (
    " As the book reports its final model, the run keeps the last epoch's weights.",
    "书中报告的是最终的模型，所以这次训练保留最后一个迭代周期的权重。",
)
SCRATCH_VS_CONCISE = (
    " The book sets this from-scratch run beside the concise one, which calls the framework's fused kernel: on its "
    "GPU the scratch LSTM ran at 28,797 tokens/s against 319,759 (0.09×). Train both and compare tokens/s in Compare.",
    "书中把这个从零开始的实现与简洁实现（调用框架的融合内核）放在一起比较：在书中的 GPU 上，从零实现的 LSTM "
    "每秒处理 28,797 个词元，简洁实现则是 319,759 个（0.09×）。两个都训练一遍，到“比较”页对比每秒的词元数。",
)
NO_FIGURE = ("no figure on record", "没有可对照的记录数字")
NO_FIGURE_CHARLM = (
    "no figure published; the d2l book's own models report training perplexity only",
    "没有公布的数字；d2l 书中的模型只报告训练困惑度",
)


def _joined(*parts: tuple[str, str]) -> tuple[str, str]:
    return "".join(en for en, _ in parts), "".join(zh for _, zh in parts)


def _preset(name: str, title, source, published, explanation) -> dict[str, tuple[str, str]]:
    texts = {"title": title, "source": source, "published": published, "explanation": explanation}
    return {f"presets.{name}.{what}": pair for what, pair in texts.items()}


TEXTS: dict[str, tuple[str, str]] = {
    # -- the errors -------------------------------------------------------------------------------
    "presets.unknown_train_option": (
        "preset {name!r}: {unknown} is not among TrainConfig's options ({known})",
        "预设 {name!r}：{unknown} 不是 TrainConfig 的选项（可用的选项：{known}）",
    ),
    "presets.invalid": ("preset {name!r}: {problem}", "预设 {name!r}：{problem}"),
    "presets.group_unknown": (
        "group {name!r}: there is no preset {preset!r}",
        "预设组 {name!r}：没有名为 {preset!r} 的预设",
    ),
    "presets.unknown": (
        "there is no preset named {name!r}. The presets are: {names}",
        "没有名为 {name!r} 的预设。可用的预设有：{names}",
    ),
    # -- the d2l book (English 0.17; in Chinese, the 2nd edition) -----------------------------------
    **_preset(
        "d2l-rnn",
        ("d2l: vanilla RNN from scratch", "d2l：从零开始实现的循环神经网络（RNN）"),
        (
            f"{D2L_BOOK}, 8.5 Implementation of Recurrent Neural Networks from Scratch",
            f"{D2L_BOOK_ZH}，8.5 循环神经网络的从零开始实现",
        ),
        (
            "training perplexity ≈ 1.0 after 500 epochs (scratch RNN, 512 hidden)",
            "训练 500 个迭代周期后，训练困惑度 ≈ 1.0（从零实现的 RNN，512 个隐藏单元）",
        ),
        _joined(
            (
                "The book's first language model, on charlm's own cells (the scratch engine): one tanh layer over one-hot "
                "letters. ",
                "书中的第一个语言模型，用的是 charlm 自己实现的循环单元（scratch 引擎）：输入是独热编码的字母，只有一个 "
                "tanh 层。",
            ),
            MEMORISED,
            (
                " The book sets this from-scratch run beside the concise one, which calls the framework's fused kernel, "
                "but publishes no speed for either RNN. On this project's 2-core CPU the scratch RNN trained at 66,089 "
                "tokens/s against the concise one's 55,578 (1.19×): one tanh per step leaves a fused kernel little to "
                "gain. Train both and compare tokens/s in Compare.",
                "书中把这个从零开始的实现与简洁实现（调用框架的融合内核）放在一起，但没有公布这两个循环神经网络的速度。"
                "在本项目的双核 CPU 上，从零实现的循环神经网络每秒训练 66,089 个词元，简洁实现是 55,578 个（1.19×）："
                "每个时间步只有一个 tanh，融合内核能省下的不多。两个都训练一遍，到“比较”页对比每秒的词元数。",
            ),
        ),
    ),
    **_preset(
        "d2l-rnn-concise",
        ("d2l: vanilla RNN, concise (torch's fused kernel)", "d2l：循环神经网络的简洁实现（torch 的融合内核）"),
        (
            f"{D2L_BOOK}, 8.6 Concise Implementation of Recurrent Neural Networks",
            f"{D2L_BOOK_ZH}，8.6 循环神经网络的简洁实现",
        ),
        (
            "no figure on record for 512 hidden units; the scratch run's training perplexity ≈ 1.0",
            "没有 512 个隐藏单元时的记录数字；从零实现版本的训练困惑度 ≈ 1.0",
        ),
        _joined(
            (
                "d2l-rnn's model and recipe on torch's fused kernel instead of charlm's cells: the same numbers (the "
                "layers agree to 1e-5), at the framework's speed. ",
                "与 d2l-rnn 的模型和训练设置相同，只是跑在 torch 的融合内核上，而不是 charlm 的循环单元上：算出的数相同"
                "（两者的层相差不超过 1e-5），速度则是框架的速度。",
            ),
            MEMORISED,
            (
                " The book publishes no speed for its RNNs. On this project's 2-core CPU this run trained at 55,578 "
                "tokens/s, and the scratch one at 66,089: for a vanilla RNN, one tanh per step, the fused kernel is no "
                "faster here (it is for the LSTM: see d2l-lstm-concise).",
                "书中没有公布循环神经网络的速度。在本项目的双核 CPU 上，这次训练每秒处理 55,578 个词元，从零实现的是 "
                "66,089 个：普通循环神经网络每个时间步只有一个 tanh，融合内核在这里并不更快（长短期记忆网络则不同，见 "
                "d2l-lstm-concise）。",
            ),
        ),
    ),
    **_preset(
        "d2l-gru",
        ("d2l: GRU", "d2l：门控循环单元（GRU）"),
        (f"{D2L_BOOK}, 9.1 Gated Recurrent Units (GRU)", f"{D2L_BOOK_ZH}，9.1 门控循环单元（GRU）"),
        NO_FIGURE,
        _joined(
            (
                "The same recipe with reset and update gates, and half the RNN's hidden units. Set its curves beside "
                "d2l-rnn's and d2l-lstm's: which memorises sooner, and which holds up better on the held-out text?",
                "同样的训练设置，换成带重置门和更新门的门控循环单元，隐藏单元数是 RNN 的一半。把它的曲线与 d2l-rnn、"
                "d2l-lstm 的放在一起：哪个更早把文本背下来？哪个在留出的文本上表现更好？",
            ),
            KEPT_LAST,
        ),
    ),
    **_preset(
        "d2l-lstm",
        ("d2l: LSTM from scratch", "d2l：从零开始实现的长短期记忆网络（LSTM）"),
        (f"{D2L_BOOK}, 9.2 Long Short-Term Memory (LSTM)", f"{D2L_BOOK_ZH}，9.2 长短期记忆网络（LSTM）"),
        (
            "training perplexity 1.3 from scratch (28,797 tokens/s on a GPU); 1.0 with nn.LSTM (319,759 tokens/s), "
            "after 500 epochs",
            "训练 500 个迭代周期后，从零实现的训练困惑度为 1.3（在 GPU 上每秒 28,797 个词元）；用 nn.LSTM 为 1.0"
            "（每秒 319,759 个词元）",
        ),
        _joined(
            (
                "The book's LSTM on charlm's own cells (the scratch engine), with input, forget and output gates and a "
                "memory cell. ",
                "书中的 LSTM，用的是 charlm 自己实现的循环单元（scratch 引擎），有输入门、遗忘门、输出门和记忆元。",
            ),
            MEMORISED,
            SCRATCH_VS_CONCISE,
        ),
    ),
    **_preset(
        "d2l-lstm-concise",
        ("d2l: LSTM, concise (torch's fused kernel)", "d2l：长短期记忆网络（LSTM）的简洁实现（torch 的融合内核）"),
        (
            f"{D2L_BOOK}, 9.2.2 Concise Implementation (nn.LSTM)",
            f"{D2L_BOOK_ZH}，9.2 长短期记忆网络（LSTM），9.2.3 简洁实现（nn.LSTM）",
        ),
        (
            "training perplexity 1.0, 319,759 tokens/s on a GPU, after 500 epochs",
            "训练 500 个迭代周期后，训练困惑度 1.0，在 GPU 上每秒 319,759 个词元",
        ),
        _joined(
            (
                "d2l-lstm's model and recipe on torch's fused kernel: the book's concise twin. ",
                "与 d2l-lstm 的模型和训练设置相同，跑在 torch 的融合内核上：即书中与之对应的简洁实现。",
            ),
            MEMORISED,
        ),
    ),
    **_preset(
        "d2l-peephole",
        ("Peephole LSTM beside its LSTM twin (d2l recipe)", "窥视孔 LSTM，与对应的普通 LSTM 对照（d2l 的训练设置）"),
        (
            "Gers & Schmidhuber (2000), “Recurrent nets that time and count”; the hand-written LSTM article's peephole "
            "version, corrected",
            "Gers 与 Schmidhuber（2000），“Recurrent nets that time and count”；以及那篇手写 LSTM 文章中的窥视孔版本"
            "（已更正）",
        ),
        (
            "Greff et al. 2015 (“LSTM: A Search Space Odyssey”) found that peepholes gave no significant improvement on "
            "their tasks",
            "Greff 等人 2015 年的研究（“LSTM: A Search Space Odyssey”）发现，在他们的任务上，窥视孔没有带来显著的改进",
        ),
        _joined(
            (
                "d2l-lstm's recipe with peepholes: each gate also sees its own unit's cell state through one weight per "
                "unit. The input and forget gates look at the old state, the output gate at the new one: "
                "i = σ(W_ii x + W_hi h + w_ci ⊙ c_{{t−1}} + b), f = σ(W_if x + W_hf h + w_cf ⊙ c_{{t−1}} + b), "
                "c_t = f ⊙ c_{{t−1}} + i ⊙ tanh(W_ig x + W_hg h + b), o = σ(W_io x + W_ho h + w_co ⊙ c_t + b), "
                "h = o ⊙ tanh(c_t). The hand-written article's version, as we read it, multiplied the cell state by full "
                "H × H matrices in place of the hidden state's, and let the output gate see the old state: more weights, "
                "and no longer Gers & Schmidhuber's cell. Train d2l-lstm too and compare the curves: the gain, if any, is "
                "small. ",
                "在 d2l-lstm 的训练设置上加入窥视孔：每个门还能看到本单元的记忆元，每个单元只多一个权重。输入门和遗忘门看"
                "的是旧的记忆元，输出门看的是新的："
                "i = σ(W_ii x + W_hi h + w_ci ⊙ c_{{t−1}} + b)，f = σ(W_if x + W_hf h + w_cf ⊙ c_{{t−1}} + b)，"
                "c_t = f ⊙ c_{{t−1}} + i ⊙ tanh(W_ig x + W_hg h + b)，o = σ(W_io x + W_ho h + w_co ⊙ c_t + b)，"
                "h = o ⊙ tanh(c_t)。按我们的理解，那篇手写文章的版本用完整的 H × H 矩阵去乘记忆元，顶替了本应乘隐状态的"
                "那个矩阵，还让输出门看到旧的记忆元：权重更多，也不再是 Gers 与 Schmidhuber 提出的单元了。把 d2l-lstm "
                "也训练一遍，比较两者的曲线：即使有提升，也很小。",
            ),
            MEMORISED,
        ),
    ),
    **_preset(
        "d2l-deep-lstm",
        ("d2l: deep (2-layer) LSTM", "d2l：深度（2 层）LSTM"),
        (f"{D2L_BOOK}, 9.3 Deep Recurrent Neural Networks", f"{D2L_BOOK_ZH}，9.3 深度循环神经网络"),
        NO_FIGURE,
        _joined(
            (
                "Two LSTM layers stacked, trained with the book's larger learning rate of 2. A second layer adds "
                "capacity, but there are only 9,000 training characters: compare its validation curve with d2l-lstm's "
                "to see whether depth helps on text it has not seen.",
                "堆叠两层 LSTM，按书中的做法用更大的学习率 2 来训练。第二层增加了模型容量，但训练字符只有 9,000 个："
                "把它的验证曲线与 d2l-lstm 的比较，看看加深网络对没见过的文本是否有帮助。",
            ),
            KEPT_LAST,
        ),
    ),
    **_preset(
        "d2l-bidirectional",
        ("d2l: bidirectional LSTM (the wrong application)", "d2l：双向 LSTM（错误的应用）"),
        (
            f"{D2L_BOOK}, 9.4 Bidirectional Recurrent Neural Networks, “a wrong application”",
            f"{D2L_BOOK_ZH}，9.4 双向循环神经网络，9.4.3 双向循环神经网络的错误应用",
        ),
        ("a low perplexity, but the generated text is gibberish", "困惑度很低，但生成的文本是乱码"),
        _joined(
            (
                "The right-to-left half of the network reads the text from the end, so at each position it has already "
                "seen the very character it is asked to predict: it copies the answer and its perplexity drops close to "
                "1. When generating there is no future text to read, so the samples are gibberish — a perplexity means "
                "nothing if the model was shown the answer.",
                "网络中从右向左的那一半从文本末尾读起，所以在每个位置上，它都已经看到了要它预测的那个字符：它照抄答案，"
                "困惑度降到接近 1。生成文本时没有未来的文本可读，所以生成的样本是乱码——模型若是看过答案，困惑度就毫无"
                "意义。",
            ),
            KEPT_LAST,
        ),
    ),
    # -- the Chinese d2l book, 1st edition (PyTorch version): Jay Chou's lyrics ----------------------
    **_preset(
        "zh-rnn",
        ("d2l-zh: RNN on Jay Chou lyrics", "d2l-zh：在周杰伦歌词上训练循环神经网络（RNN）"),
        (f"{D2L_ZH}, 6.5 循环神经网络的简洁实现 (concise RNN)", f"{D2L_ZH_ZH}，6.5 循环神经网络的简洁实现"),
        ("training perplexity 1.02 after 250 epochs", "训练 250 个迭代周期后，训练困惑度 1.02"),
        _joined(
            (
                "A vocabulary of about a thousand Chinese characters, each one-hot, with only 10,000 characters of text: "
                "most characters occur a handful of times. ",
                "词表约有一千个汉字，每个都用独热编码表示，而文本只有 10,000 个字符：大多数字只出现寥寥几次。",
            ),
            MEMORISED,
        ),
    ),
    **_preset(
        "zh-gru",
        ("d2l-zh: GRU on Jay Chou lyrics", "d2l-zh：在周杰伦歌词上训练门控循环单元（GRU）"),
        (
            f"{D2L_ZH}, 6.7 门控循环单元 (GRU), concise implementation",
            f"{D2L_ZH_ZH}，6.7 门控循环单元（GRU），6.7.4 简洁实现",
        ),
        ("training perplexity 1.018 after 160 epochs", "训练 160 个迭代周期后，训练困惑度 1.018"),
        _joined(
            (
                "The book gave the GRU 160 epochs rather than the RNN's 250, and Adam at lr 1e-2 rather than 1e-3. ",
                "书中给 GRU 训练 160 个迭代周期（RNN 是 250 个），Adam 的学习率用 1e-2（RNN 是 1e-3）。",
            ),
            MEMORISED,
        ),
    ),
    **_preset(
        "zh-lstm",
        ("d2l-zh: LSTM on Jay Chou lyrics", "d2l-zh：在周杰伦歌词上训练长短期记忆网络（LSTM）"),
        (
            f"{D2L_ZH}, 6.8 长短期记忆 (LSTM), concise implementation",
            f"{D2L_ZH_ZH}，6.8 长短期记忆（LSTM），6.8.5 简洁实现",
        ),
        ("training perplexity 1.017 after 160 epochs", "训练 160 个迭代周期后，训练困惑度 1.017"),
        _joined(
            (
                "The LSTM on the same lyrics and recipe as zh-gru; the book's figures for the two differ in the third "
                "decimal. ",
                "用与 zh-gru 相同的歌词和训练设置训练 LSTM；书中两者的数字只在小数点后第三位上不同。",
            ),
            MEMORISED,
        ),
    ),
    **_preset(
        "zh-deep-lstm",
        ("d2l-zh: 2-layer LSTM on Jay Chou lyrics", "d2l-zh：在周杰伦歌词上训练 2 层 LSTM"),
        (f"{D2L_ZH}, 6.9 深度循环神经网络 (deep RNN)", f"{D2L_ZH_ZH}，6.9 深度循环神经网络"),
        ("training perplexity 1.016 after 160 epochs", "训练 160 个迭代周期后，训练困惑度 1.016"),
        _joined(
            (
                "Two stacked LSTM layers: the training figure barely moves from zh-lstm's 1.017, because both have "
                "already memorised the lyrics; the validation curve is where any difference shows.",
                "堆叠两层 LSTM：训练困惑度与 zh-lstm 的 1.017 几乎一样，因为两者都已经把歌词背下来了；要看差别，得看"
                "验证曲线。",
            ),
            KEPT_LAST,
        ),
    ),
    # -- the notebooks and char-rnn ---------------------------------------------------------------
    **_preset(
        "moliere",
        ("Molière: embedding + LSTM 128", "莫里哀：嵌入层 + LSTM 128"),
        (
            "the Molière notebook: first 100,000 characters, embedding → nn.LSTM(128, 128) → linear",
            "莫里哀的笔记本（notebook）：前 100,000 个字符，嵌入层 → nn.LSTM(128, 128) → 线性层",
        ),
        (
            "training loss 1.10, test loss 1.51 nats/char after 20 epochs (it overfits)",
            "训练 20 个迭代周期后，训练损失 1.10，测试损失 1.51 奈特/字符（出现了过拟合）",
        ),
        (
            "A learned 128-dimensional embedding instead of one-hot, on French plays, accents included. The notebook "
            "split 90/10 like charlm, so its test loss of 1.51 nats/char (perplexity ≈ 4.5) compares directly with our "
            "validation loss: look for the same gap between training and validation.",
            "用学到的 128 维嵌入代替独热编码，语料是法语剧本，保留重音符号。那个笔记本和 charlm 一样按 90/10 划分，所以"
            "它 1.51 奈特/字符的测试损失（困惑度 ≈ 4.5）可以直接与我们的验证损失比较：看看训练与验证之间是否出现同样的"
            "差距。",
        ),
    ),
    **_preset(
        "char-rnn",
        ("char-rnn: 2 × 512 LSTM on Tiny Shakespeare", "char-rnn：在 Tiny Shakespeare 上训练 2 × 512 的 LSTM"),
        (
            "karpathy/char-rnn (Karpathy 2015, “The Unreasonable Effectiveness of Recurrent Neural Networks”)",
            "karpathy/char-rnn（Karpathy 2015 年的文章“The Unreasonable Effectiveness of Recurrent Neural Networks”）",
        ),
        (
            "no perplexity published in the char-rnn repository; for reference, nanoGPT's character transformer reaches "
            "a validation loss of 1.47 nats/char (perplexity ≈ 4.35)",
            "char-rnn 仓库没有公布困惑度；作为参照，nanoGPT 的字符级 Transformer 的验证损失为 1.47 奈特/字符"
            "（困惑度 ≈ 4.35）",
        ),
        (
            "The classic: one-hot characters into two 512-unit LSTM layers with dropout 0.5, RMSprop at 2e-3. Watch the "
            "samples: does the shape of a play (speaker names, line breaks) appear before the spelling is right? We hold "
            "out 10% as nanoGPT does (char-rnn held out 5%), so the validation loss compares with nanoGPT's 1.47.",
            "经典之作：独热编码的字符输入两层各 512 个单元的 LSTM，暂退概率 0.5，用 RMSprop，学习率 2e-3。留意生成的"
            "样本：剧本的样子（说话人的名字、换行）是不是比正确的拼写更早出现？我们像 nanoGPT 一样留出 10% 的文本"
            "（char-rnn 留出 5%），所以验证损失可以与 nanoGPT 的 1.47 比较。",
        ),
    ),
    # -- charlm's own recipes ---------------------------------------------------------------------
    **_preset(
        "quick-lstm",
        ("Quick demo: a 2-layer LSTM on The Time Machine in 30 s", "快速演示：30 秒在《时间机器》上训练 2 层 LSTM"),
        (
            "charlm's own recipe for a live demo on a laptop CPU, chosen among 70 tried at the same budget",
            "charlm 自己的训练设置，为在笔记本电脑的 CPU 上现场演示而定，是在同样的时间预算下试过的 70 种设置中选出的",
        ),
        NO_FIGURE_CHARLM,
        (
            "The whole novel in the book's preprocessing (lower-case letters and spaces), the last 10% held out for "
            "validation, 30 seconds of training. A learned embedding, two layers with dropout 0.3 and a learning rate "
            "that decays after epoch 5: on a 2-core CPU (bfloat16, AMX) it reaches a validation perplexity of about 3.75 "
            "in 30 s, where the book's one-hot LSTM-256 is best at 4.6 and then overfits. The greedy samples fall into "
            "loops, as greedy decoding does: generate with a temperature of 0.5–1 to compare.",
            "整部小说按书中的方式预处理（只留小写字母和空格），留出最后 10% 用于验证，训练 30 秒。学到的嵌入、两层带 "
            "0.3 暂退法的 LSTM、在第 5 个迭代周期后开始衰减的学习率：在 2 核 CPU 上（bfloat16，AMX），30 秒内验证"
            "困惑度可达约 3.75，而书中用独热编码的 LSTM-256 最好只到 4.6，之后便过拟合。贪心生成的样本会陷入循环，"
            "贪心解码就是如此：用 0.5–1 的温度生成文本来对比。",
        ),
    ),
    **_preset(
        "timemachine-best",
        (
            "The best LSTM on The Time Machine (d2l recipe), in about 3 minutes",
            "《时间机器》上最好的 LSTM（d2l 预处理），约 3 分钟",
        ),
        (
            "charlm's own recipe: the best of about 80 sizes and regularisers tried on the book's text",
            "charlm 自己的训练设置：在书中的文本上试过约 80 种模型规模与正则化方法，这是其中最好的",
        ),
        NO_FIGURE_CHARLM,
        (
            "Two 512-unit LSTM layers over a learned embedding, dropout 0.5 between layers and before the head, and "
            "DropConnect 0.3 on the recurrent weights (Merity et al. 2017): a validation perplexity of about 3.7. Without "
            "the DropConnect the same model overfits sooner (on the 0.17 edition's text, 4.24 instead of 4.13). Larger "
            "and deeper models level off at the same figure: the held-out chapter is as predictable as this much text "
            "lets it be.",
            "在学到的嵌入之上堆叠两层各 512 个单元的 LSTM，层与层之间和输出层之前用 0.5 的暂退法，循环权重上用 0.3 的 "
            "DropConnect（Merity 等人，2017）：验证困惑度约 3.7。去掉 DropConnect，同样的模型会更早过拟合（在 0.17 版"
            "的文本上是 4.24 而不是 4.13）。更大、更深的模型也停在同一个数字上：只有这么多文本，留出的那一章只能预测到"
            "这个程度。",
        ),
    ),
    **_preset(
        "shakespeare",
        (
            "Tiny Shakespeare in 20 minutes: 2 × 512 LSTM against nanoGPT's 1.47",
            "20 分钟训练 Tiny Shakespeare：2 × 512 的 LSTM 对比 nanoGPT 的 1.47",
        ),
        (
            "charlm's own recipe: the best of the sizes and schedules tried at 20 minutes of a 2-core CPU",
            "charlm 自己的训练设置：在 2 核 CPU 上各训练 20 分钟，从试过的模型规模与学习率调度中选出的最好者",
        ),
        (
            "nanoGPT's character-level transformer (10.7M parameters, an A100): validation loss 1.47 nats/char",
            "nanoGPT 的字符级 Transformer（10.7M 参数，一块 A100）：验证损失 1.47 奈特/字符",
        ),
        (
            "The char-rnn corpus with a learned embedding, two 512-unit LSTM layers and a learning rate that decays after "
            "epoch 8, in bfloat16 where the CPU has AMX. Validation loss falls below nanoGPT's 1.47 nats per character "
            "around epoch 8–10 and then the model starts to overfit: the best epoch's weights are kept.",
            "char-rnn 的语料，配上学到的嵌入、两层各 512 个单元的 LSTM 和在第 8 个迭代周期后衰减的学习率；CPU 支持 AMX "
            "时用 bfloat16 训练。验证损失在第 8–10 个迭代周期前后降到 nanoGPT 的 1.47 奈特/字符以下，随后模型开始"
            "过拟合：保留的是最好的那个迭代周期的权重。",
        ),
    ),
    # -- the groups: the chapter's trio, the pairs -------------------------------------------------------
    "presets.trio-d2l.title": (
        "Trio: d2l RNN, GRU and LSTM — the chapter's three cells on the book's recipe",
        "三连训练：d2l 的 RNN、GRU 和 LSTM——本章的三种循环单元，用书中的训练方法",
    ),
    "presets.trio-d2l.published": (
        "training perplexity ≈ 1.0 for each of the three after 500 epochs (1.3 for the book's scratch LSTM)",
        "训练 500 个迭代周期后三者的训练困惑度都约为 1.0（书中从零实现的 LSTM 为 1.3）",
    ),
    "presets.trio-d2l.explanation": (
        "The chapter's comparison in one click: the three cells learn the same 10,000 characters of the novel with "
        "the same recipe. Their training perplexities fall towards 1 (they memorise the text, the book's figure), "
        "while the validation perplexity on the held-out last 10% rises after its best epoch: Compare shows both. "
        "To see the curves at once, add the pretrained three to Compare instead.",
        "一键完成本章的比较：三种循环单元用同样的训练方法学习小说的同一段 10,000 个字符。它们的训练困惑度都降向 1"
        "（把文本背了下来，这就是书中的数字），而留出的最后 10% 文本上的验证困惑度在最好的迭代周期之后回升："
        "“比较”页两者都显示。想立刻看到曲线，可以改为把三个预训练模型加入“比较”页。",
    ),
    "presets.pair-d2l-lstm.title": (
        "Pair: d2l LSTM from scratch, then concise — the book's speed comparison",
        "成对训练：先从零实现的 d2l LSTM，再简洁实现——书中的速度对比",
    ),
    "presets.pair-d2l-lstm.published": (
        "0.09× (28,797 against 319,759 tokens/s, on the book's GPU)",
        "0.09×（在书中的 GPU 上，每秒 28,797 对 319,759 个词元）",
    ),
    "presets.pair-d2l-rnn.title": (
        "Pair: d2l vanilla RNN from scratch, then concise",
        "成对训练：先从零实现的 d2l 循环神经网络，再简洁实现",
    ),
    "presets.pair-d2l-rnn.published": ("none published", "没有公布的数字"),
    "presets.pair-peephole.title": (
        "Pair: peephole LSTM, then the same LSTM without peepholes",
        "成对训练：先窥视孔 LSTM，再去掉窥视孔的同一个 LSTM",
    ),
    "presets.pair-peephole.published": (
        "Greff et al. 2015: no significant difference in quality",
        "Greff 等人 2015：质量上没有显著差异",
    ),
}
