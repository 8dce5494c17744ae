"""The Train tab: presets, the corpus, the model and training options, Start and Stop, the live plot, the status."""

TEXTS = {
    "train.tab": ("Train", "训练"),
    "train.start": ("Start training", "开始训练"),
    # -- the widgets ------------------------------------------------------------------------------
    "train.preset": ("Preset: one click sets every option to a book's experiment", "预设：一键把所有选项设成书中的某个实验"),
    "train.stop": ("Stop", "停止"),
    "train.on_cpu": ("Train the same run on the CPU", "在 CPU 上训练同样的设置"),
    "train.sample": ("Greedy sample from the prefix, every few epochs", "每隔几个迭代周期，从前缀开始贪心生成的样本"),
    "train.about_preset": ("About this preset", "关于此预设"),
    "train.text_section": ("Text: corpus and preprocessing", "文本：语料与预处理"),
    "train.corpus": ("Corpus", "语料"),
    "train.own_text": ("Your own text", "你自己的文本"),
    "train.recipe": ("Preprocessing", "预处理"),
    "train.max_chars_widget": ("Use only the first N characters (0 = all)", "只用前 N 个字符（0 = 全部）"),
    "train.max_chars": ("Use only the first N characters", "只用前 N 个字符"),
    "train.upload": ("Upload a UTF-8 text file", "上传 UTF-8 文本文件"),
    "train.pasted": ("…or paste text", "……或粘贴文本"),
    "train.model_section": ("Model: cell, layers, size", "模型：循环单元、层数、规模"),
    "train.cell": ("Cell", "循环单元"),
    "train.layers": ("Layers", "层数"),
    "train.hidden": ("Hidden units", "隐藏单元数"),
    "train.bidirectional": ("Bidirectional (cannot generate)", "双向（不能用来生成文本）"),
    "train.engine": ("Engine", "引擎"),
    "train.engine_auto": ("auto", "自动 (auto)"),
    "train.engine_scratch": ("scratch", "从零实现 (scratch)"),
    "train.engine_fused": ("fused", "融合内核 (fused)"),
    "train.engine_naive": ("naive", "朴素实现 (naive)"),
    "train.dropout": ("Dropout", "暂退概率"),
    "train.embedding_widget": ("Embedding size (0 = one-hot)", "嵌入维度（0 = 独热编码）"),
    "train.embedding": ("Embedding size", "嵌入维度"),
    "train.training_section": ("Training: epochs, batches, optimizer", "训练：迭代周期、批量、优化器"),
    "train.epochs_widget": ("Epochs (≤ {max})", "迭代周期数（≤ {max}）"),
    "train.epochs": ("Epochs", "迭代周期数"),
    "train.seed": ("Seed", "随机种子"),
    "train.batch_size": ("Batch size", "批量大小"),
    "train.num_steps_widget": ("Steps (BPTT length)", "时间步数（BPTT 长度）"),
    "train.num_steps": ("Steps", "时间步数"),
    "train.sampling": ("Minibatches", "小批量的读取方式"),
    "train.sampling_sequential": ("sequential", "顺序分区 (sequential)"),
    "train.sampling_random": ("random", "随机采样 (random)"),
    "train.optimizer": ("Optimizer", "优化器"),
    "train.lr": ("Learning rate", "学习率"),
    "train.clip_widget": ("Clip gradient norm (0 = off)", "梯度裁剪的范数上限（0 = 不裁剪）"),
    "train.clip": ("Clip", "梯度裁剪上限"),
    "train.keep": ("Keep the weights of", "保留的权重来自"),
    "train.keep_best": ("the best validation epoch's", "验证结果最好的迭代周期"),
    "train.keep_last": ("the last epoch's (as the d2l book reports)", "最后一个迭代周期（与 d2l 书中的报告一致）"),
    # -- the live plot ----------------------------------------------------------------------------
    "train.epochs_in_limit": ("{epochs}, the time limit stops it near {reach}", "{epochs}，时间限制会在第 {reach} 个左右停止"),
    "train.plot_title": ("While training: per step (training) and per epoch (validation)",
                         "训练过程：每若干步（训练）与每个迭代周期（验证）"),
    "train.plot_x": ("epoch", "迭代周期"),
    "train.plot_y": ("bits per character (log₂ perplexity)", "每字符比特数（log₂ 困惑度）"),
    "train.plot_title_done": ("The last run: per step (training) and per epoch (validation)",
                              "上一次训练：每若干步（训练）与每个迭代周期（验证）"),
    "train.restored": ("**Welcome back.** This session's runs ({runs}) are in Compare, and its current model is above; the "
                       "plot shows the last run, {name}.",
                       "**欢迎回来。** 本会话的训练（{runs} 次）都在“比较”页，当前模型见上方；图中是最近的一次训练：{name}。"),
    "train.plot_series": ("series", "曲线"),
    "train.series_training": ("training", "训练"),
    "train.series_validation": ("validation", "验证"),
    # -- the preset and the corpus, described ---------------------------------------------------------
    "train.preset_info": ("**{title}** — {source}. Published: {published}.  \n{explanation}{also}",
                          "**{title}** — {source}。来源报告的结果：{published}。  \n{explanation}{also}"),
    "train.group_info": (
        "**{group}** — Start trains {runs}, with the text and training options below (each keeps its own model and "
        "engine), and puts them all in Compare with their tokens/s. The source found: {published}.  \n{explanation}",
        "**{group}** — “开始训练”会先训练 {runs}，都用下面的文本和训练选项（各自保留自己的模型和引擎），然后把它们连同"
        "每秒词元数一起放进“比较”页。来源报告的结果：{published}。  \n{explanation}",
    ),
    "train.group_then": (", then ", "，再训练 "),
    "train.also": ("  \nAlso from this preset: {items}.", "  \n此预设还设定了：{items}。"),
    "train.also_dropconnect": ("DropConnect {drop:g} on the recurrent weights", "循环权重上的 DropConnect {drop:g}"),
    "train.also_lr_decay": ("learning rate × {decay:g} per epoch after epoch {after}",
                            "第 {after} 个迭代周期之后，每个迭代周期把学习率乘以 {decay:g}"),
    "train.also_weight_decay": ("weight decay {value:g}", "权重衰减 {value:g}"),
    "train.also_stops": ("stops after {seconds:g} s", "{seconds:g} 秒后停止"),
    "train.paste_hint": ("Paste some text or upload a UTF-8 text file (up to the upload limit).",
                         "请粘贴一些文本，或上传一个 UTF-8 文本文件（不超过上传大小的上限）。"),
    "train.corpus_info": ("**{corpus}** ({preprocessing}).{cut}", "语料：**{corpus}**（{preprocessing}）。{cut}"),
    "train.cut": (" Training uses the first {chars:,}.", "训练只用前 {chars:,} 个字符。"),
    "train.raw_recipe": ("raw: the characters as they are", "raw：字符保持原样"),
    # -- training ---------------------------------------------------------------------------------
    "train.already_training": ("A run is already training in this session: stop it first.",
                               "本会话已有一次训练在进行：请先停止它。"),
    "train.starting": ("Starting…", "正在启动……"),
    "train.started": (
        "Training on **{where}** ({engine} engine, {precision}): {parameters:,} parameters, {train_chars:,} training "
        "and {valid_chars:,} validation characters.",
        "在 **{where}** 上训练（{engine} 引擎，{precision}）：{parameters:,} 个参数，{train_chars:,} 个训练字符和 "
        "{valid_chars:,} 个验证字符。",
    ),
    "train.where_space_gpu": ("this Space's GPU ({device}, ZeroGPU)", "此 Space 的 GPU（{device}，ZeroGPU）"),
    "train.where_space_cpu": ("this Space's CPU", "此 Space 的 CPU"),
    "train.step": (
        "Epoch **{epoch}/{epochs}**, step {step}/{steps} · training perplexity {perplexity:.2f} · "
        "{tokens_per_second:,.0f} tokens/s · gradient norm {grad_norm:.2f}{clipped} · {elapsed:.0f} s, about "
        "{to_go:.0f} s to go",
        "迭代周期 **{epoch}/{epochs}**，第 {step}/{steps} 步 · 训练困惑度 {perplexity:.2f} · "
        "每秒 {tokens_per_second:,.0f} 个词元 · 梯度范数 {grad_norm:.2f}{clipped} · 已用 {elapsed:.0f} 秒，"
        "还需约 {to_go:.0f} 秒",
    ),
    "train.clipped": (" (clipped)", "（已裁剪）"),
    "train.epoch": (
        "Epoch **{epoch}/{epochs}** · training perplexity {train_perplexity:.3f} · **validation perplexity "
        "{valid_perplexity:.3f}** ({bpc:.3f} bits/char){best} · {tokens_per_second:,.0f} tokens/s · "
        "{clipped:.0%} of steps clipped · {elapsed:.0f} s, about {to_go:.0f} s to go",
        "迭代周期 **{epoch}/{epochs}** · 训练困惑度 {train_perplexity:.3f} · **验证困惑度 {valid_perplexity:.3f}**"
        "（{bpc:.3f} 比特/字符）{best} · 每秒 {tokens_per_second:,.0f} 个词元 · {clipped:.0%} 的步做了梯度裁剪 · "
        "已用 {elapsed:.0f} 秒，还需约 {to_go:.0f} 秒",
    ),
    "train.best": (" — best so far", "，目前最好"),
    "train.sample_after": ("After epoch {epoch}:\n{prefix}{text}", "第 {epoch} 个迭代周期后：\n{prefix}{text}"),
    "train.worker_died": ("the training process ended unexpectedly (exit code {code}): the run keeps its last finished "
                          "epoch. Start again, or a smaller model if the server ran out of memory",
                          "训练进程意外结束（退出码 {code}）：这次训练保留最后完成的那个迭代周期。请重新开始；若服务器内存"
                          "不足，请换一个较小的模型"),
    "train.gpu_stopped": ("**The GPU run stopped: {message}** {advice}  \n{kept}",
                          "**GPU 上的训练中断了：{message}** {advice}  \n{kept}"),
    "train.kept_as_was": ("Your model and runs are as they were.", "你的模型和训练记录都保持原样。"),
    "train.nothing_training": ("Nothing is training in this session.", "本会话中没有正在进行的训练。"),
    # a trained run's model, in the current model's line (the run's own name, "1. LSTM 1×256", is the same in both)
    "train.run_model": ("run {name}", "训练 {name}"),
    # a group of presets: a pair, the chapter's trio
    "train.group_run": ("**Run {number} of {total}: {title}**  \n{status}",
                        "**第 {number} 次训练（共 {total} 次）：{title}**  \n{status}"),
    "train.pair_note": ("{first} / {second}: {ratio:.2f}× the tokens/s here; the source: {published}",
                        "{first} / {second}：这里的每秒词元数之比为 {ratio:.2f}×；来源的结果：{published}"),
    "train.group_note": ("Training perplexity after the last epoch: {items}; the source: {published}",
                         "最后一个迭代周期后的训练困惑度：{items}；来源的结果：{published}"),
    "train.group_cut": ("{status}  \n**The group stops here: run {number} left no model to compare**, so the runs after "
                        "it were not started. Start the group again to compare them.",
                        "{status}  \n**这组训练到此为止：第 {number} 次训练没有留下可比较的模型**，所以没有开始之后的训练。"
                        "再次开始这组训练即可比较它们。"),
    "train.group_done": ("{status}  \n**{note}** (all {total} in Compare)",
                         "{status}  \n**{note}**（{total} 次训练都在“比较”页）"),
}  # fmt: skip
