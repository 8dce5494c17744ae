"""Texts of charlm's training: the trainer's checks and events (train.py), runs (run.py), training on several
processes (distributed.py). The prefix ``train.`` is the Train tab's; these are ``training.``, ``run.`` and
``distributed.``."""

TEXTS = {
    # -- TrainConfig's checks (train.py) ------------------------------------------------------------------------------
    "training.valid_chars": (
        "valid_chars must be 0 (the whole validation split) or at least 2 characters",
        "valid_chars 必须为 0（使用整个验证集）或至少 2 个字符",
    ),
    "training.not_a_number": ("{name} must be a number, not {value!r}", "{name} 必须是数字，而不是 {value!r}"),
    "training.not_positive": ("{name} must be positive, not {value!r}", "{name} 必须为正数，而不是 {value!r}"),
    "training.negative": ("{name} must be zero or positive, not {value!r}", "{name} 必须为零或正数，而不是 {value!r}"),
    "training.lr_decay": (
        "lr_decay must be above 0 and at most 1 (1 keeps the rate), not {value!r}",
        "lr_decay 必须大于 0 且不超过 1（取 1 时学习率保持不变），而不是 {value!r}",
    ),
    "training.lr_too_high": (
        "a learning rate of {lr:g} can only diverge; the d2l book's SGD uses 1, Adam 1e-3",
        "学习率为 {lr:g} 只会发散；d2l 一书的 SGD 用 1，Adam 用 1e-3",
    ),
    "training.choice": (
        "{name} must be one of {allowed}, not {value!r}",
        "{name} 必须是 {allowed} 之一，而不是 {value!r}",
    ),
    "training.compile_engine": (
        "compile applies to the scratch engine's time loop; the fused engine is one kernel already, and the naive one "
        "is there to be slow. Use engine 'scratch' or 'auto' with compile.",
        "compile 作用于 scratch 引擎按时间步展开的循环；fused 引擎本身已是单个内核，naive 引擎则本就是为了慢而存在。"
        "请让 compile 搭配引擎 'scratch' 或 'auto' 使用。",
    ),
    "training.valid_fraction": (
        "valid_fraction must be between 0 and 0.5, not {value!r}",
        "valid_fraction 必须介于 0 和 0.5 之间，而不是 {value!r}",
    ),
    # -- the trainer (train.py) ---------------------------------------------------------------------------------------
    "training.vocab_mismatch": (
        "the model's vocabulary is not the data's: build the model from dataset.vocab",
        "模型的词表与数据的词表不同：请用 dataset.vocab 构建模型",
    ),
    "training.no_state_file": (
        "{folder} has no {file}: it was not saved by the trainer",
        "{folder} 中没有 {file}：它不是由训练器保存的",
    ),
    "training.bad_state": (
        "{folder}: the saved training state cannot be used ({error})",
        "{folder}：保存的训练状态无法使用（{error}）",
    ),
    # how a run ended (Finished.message): "{ended}" is one of training.end_*, "{epochs}" training.epochs(_one)
    "training.epochs_one": ("1 epoch", "1 个迭代周期"),
    "training.epochs": ("{count} epochs", "{count} 个迭代周期"),
    "training.end_completed": ("Finished after {epochs}", "训练完成，共 {epochs}"),
    "training.end_stopped": ("Stopped after {epochs}", "已停止，完成了 {epochs}"),
    "training.end_time_limit": ("Reached the time limit after {epochs}", "已到时间上限，完成了 {epochs}"),
    "training.end_cut_off": ("Cut off after {epochs}", "训练被中断，完成了 {epochs}"),
    "training.finish_none": (
        "{ended}: no epoch completed, so the model is as it was.",
        "{ended}：没有完成任何迭代周期，模型保持原样。",
    ),
    "training.finish_best": (
        "{ended}; best validation perplexity {perplexity:.3f} at epoch {epoch} — these are the weights kept.",
        "{ended}；最佳验证困惑度 {perplexity:.3f}，出现在第 {epoch} 个迭代周期——保留的正是这组权重。",
    ),
    "training.finish_last": (
        "{ended}; best validation perplexity {perplexity:.3f} at epoch {epoch}; the last epoch's weights are kept "
        "(training perplexity {train:.3f}, validation {valid:.3f}).",
        "{ended}；最佳验证困惑度 {perplexity:.3f}，出现在第 {epoch} 个迭代周期；保留的是最后一个迭代周期的权重"
        "（训练困惑度 {train:.3f}，验证困惑度 {valid:.3f}）。",
    ),
    # a loss or gradient that became NaN or infinite: "{where}" training.at_*, "{back}" training.back_to_*,
    # "{advice}" training.advice(_clip_off)
    "training.diverged_loss": (
        "The loss diverged (became {value}) at {where}; the weights are back to {back}. {advice}",
        "损失在{where}发散（变为 {value}）；权重已恢复为{back}。{advice}",
    ),
    "training.diverged_gradient": (
        "The gradient diverged (became {value}) at {where}; the weights are back to {back}. {advice}",
        "梯度在{where}发散（变为 {value}）；权重已恢复为{back}。{advice}",
    ),
    "training.at_step": ("epoch {epoch}, step {step}", "第 {epoch} 个迭代周期的第 {step} 步"),
    "training.at_validation": ("epoch {epoch}'s validation", "第 {epoch} 个迭代周期的验证中"),
    "training.back_to_epoch": ("the end of epoch {epoch}", "第 {epoch} 个迭代周期结束时的值"),
    "training.back_to_start": ("their initial values", "初始值"),
    "training.advice": (
        "Lower the learning rate (now {lr:g}) or clip harder (clip now {clip:g}).",
        "请降低学习率（当前为 {lr:g}），或加强梯度裁剪（当前 clip 为 {clip:g}）。",
    ),
    "training.advice_clip_off": (
        "Lower the learning rate (now {lr:g}) or clip harder (clip now {clip:g}, off).",
        "请降低学习率（当前为 {lr:g}），或启用梯度裁剪（当前 clip 为 {clip:g}，即不裁剪）。",
    ),
    # -- runs (run.py) ------------------------------------------------------------------------------------------------
    "run.no_corpus": (
        "there is no corpus {name!r}; the corpora are {corpora}",
        "没有名为 {name!r} 的语料；可用的语料有 {corpora}",
    ),
    "run.recipe": (
        "the corpus {corpus!r} offers the recipes {offered}, not {recipe!r}",
        "语料 {corpus!r} 提供的预处理方案是 {offered}，没有 {recipe!r}",
    ),
    "run.not_model_option": (
        "{unknown} is not model options; use {options}",
        "{unknown} 不是模型选项；可用的选项有 {options}",
    ),
    "run.not_model_options": (
        "{unknown} are not model options; use {options}",
        "{unknown} 不是模型选项；可用的选项有 {options}",
    ),
    "run.max_chars": ("max_chars must be a whole number, not {value!r}", "max_chars 必须是整数，而不是 {value!r}"),
    "run.text_sha": ("read a text of SHA-256", "读到的文本 SHA-256 为"),  # distributed.differ's {what}
    # -- training on several processes (distributed.py) ---------------------------------------------------------------
    "distributed.batch_rows": (
        "{world} processes cannot share a batch of {batch_size} rows: each needs at least one. Use --batch-size "
        "{world} or more, or --nproc-per-node {batch_size} or fewer.",
        "{world} 个进程无法分摊一个只有 {batch_size} 行的批量：每个进程至少要分到一行。请使用 --batch-size {world} "
        "或更大，或者 --nproc-per-node {batch_size} 或更小。",
    ),
    "distributed.differ": (
        "rank {rank} has {what} {value}, rank 0 {first}: every process must train on the same text. Did the file "
        "change while the processes started, or do the machines hold different copies?",
        "rank {rank} 的进程{what} {value}，rank 0 的为 {first}：所有进程必须在同一份文本上训练。是文件在进程启动期间"
        "被改动了，还是各台机器上的副本不一样？",
    ),
    "distributed.no_gpu": (
        "process {process} of this machine has no GPU of its own: the machine has {gpus}. Use --nproc-per-node "
        "{gpus} or fewer, or --device cpu.",
        "本机的进程 {process} 没有属于自己的 GPU：本机只有 {gpus} 块 GPU。请使用 --nproc-per-node {gpus} 或更小，"
        "或者 --device cpu。",
    ),
    # the bench's engines, and the Cells tab's table of them
    "bench.way_naive": ("one matrix product per gate and per input, each step (the d2l book's scratch code)",
                        "每个时间步，每个门、每个输入各做一次矩阵乘法（d2l 书中从零开始实现的代码）"),
    "bench.way_scratch": ("one product for the input, hoisted out of the loop, and one for h per step (charlm/cells.py)",
                          "输入的乘法提到循环之外一次做完，每个时间步只对 h 做一次乘法（charlm/cells.py）"),
    "bench.way_fused": ("torch's fused kernel: the whole layer in one call (oneDNN on a CPU, cuDNN on a GPU)",
                        "torch 的融合内核：整层一次调用完成（CPU 上是 oneDNN，GPU 上是 cuDNN）"),
}
