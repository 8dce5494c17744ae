"""The library's checks of what a user asked for: numbers, probabilities, limits, devices."""

TEXTS = {
    "errors.whole": (
        "{name} must be a whole number ≥ {minimum}, not {value!r}",
        "{name} 必须是 ≥ {minimum} 的整数，而不是 {value!r}",
    ),
    "errors.probability": (
        "{name} must be a probability in [0, 1), not {value!r}",
        "{name} 必须是 [0, 1) 之间的概率，而不是 {value!r}",
    ),
    # -- a shared server's caps (limits.py) -------------------------------------------------------------------------
    "errors.env_positive_number": (
        "{var} must be a positive number, not {value!r}",
        "{var} 必须是正数，而不是 {value!r}",
    ),
    "errors.env_positive_whole": (
        "{var} must be a positive whole number, not {value!r}",
        "{var} 必须是正整数，而不是 {value!r}",
    ),
    "errors.cap_hidden": (
        "{hidden} hidden units is over this server's cap of {cap}: choose {cap} or fewer",
        "{hidden} 个隐藏单元超过了本服务器的上限 {cap}：请选择不超过 {cap} 个",
    ),
    "errors.cap_layers": (
        "{layers} layers is over this server's cap of {cap}: choose {cap} or fewer",
        "{layers} 层超过了本服务器的上限 {cap}：请选择不超过 {cap} 层",
    ),
    "errors.cap_parameters": (
        "this model has {n:,} parameters, over this server's cap of {cap:,}: use fewer or smaller layers (or an "
        "embedding instead of one-hot inputs for a large vocabulary)",
        "该模型有 {n:,} 个参数，超过了本服务器的上限 {cap:,}：请减少层数或缩小各层"
        "（词表很大时，可以用嵌入代替独热编码输入）",
    ),
    "errors.cap_epochs": (
        "{epochs} epochs is over this server's cap of {cap}: choose {cap} or fewer (or run it on your own machine "
        "with python -m charlm train)",
        "{epochs} 个迭代周期超过了本服务器的上限 {cap}：请选择不超过 {cap} 个"
        "（或用 python -m charlm train 在自己的机器上运行）",
    ),
    "errors.cap_generation": (
        "at most {samples} samples of {length:,} characters here (CHARLM_MAX_SAMPLES and CHARLM_MAX_GENERATE raise "
        "the caps)",
        "这里最多生成 {samples} 个样本，每个最多 {length:,} 个字符（CHARLM_MAX_SAMPLES 和 CHARLM_MAX_GENERATE "
        "可以提高上限）",
    ),
    "errors.cap_prefix": (
        "a prefix of {chars:,} characters is over this server's cap of {cap:,}: use a shorter one (the model reads "
        "every character of it before it writes)",
        "{chars:,} 个字符的前缀超过了本服务器的上限 {cap:,}：请换一个更短的（模型在生成之前要读完前缀的每个字符）",
    ),
    "errors.cap_batch": (
        "a minibatch of {batch_size} × {num_steps} = {tokens:,} characters (batch size × steps) is over this "
        "server's cap of {cap:,}: use a smaller batch size or fewer steps (CHARLM_MAX_BATCH_TOKENS raises the cap)",
        "小批量 {batch_size} × {num_steps} = {tokens:,} 个字符（批量大小 × 时间步数），超过了本服务器的上限 {cap:,}："
        "请减小批量大小或时间步数（CHARLM_MAX_BATCH_TOKENS 可以提高上限）",
    ),
    "errors.cap_batch_scores": (
        "a minibatch of {tokens:,} characters over a vocabulary of {vocab:,} makes {scores:,} scores a step, over "
        "this server's cap of {cap:,}: use a smaller batch size or fewer steps, or a text with fewer distinct "
        "characters",
        "{tokens:,} 个字符的小批量配上 {vocab:,} 个字符的词表，每步要算 {scores:,} 个分数，超过了本服务器的上限 "
        "{cap:,}：请减小批量大小或时间步数，或换一段不同字符更少的文本",
    ),
    # the Cells tab's layers, built and timed on the server
    "errors.cap_input": (
        "an input size of {size:,} is over this server's cap of {cap:,}: choose {cap:,} or fewer (a one-hot "
        "vocabulary or an embedding is rarely larger)",
        "输入大小 {size:,} 超过了本服务器的上限 {cap:,}：请选择不超过 {cap:,}（独热编码的词表或嵌入很少比这更大）",
    ),
    "errors.cap_layer_parameters": (
        "these layers have {n:,} parameters, over this server's cap of {cap:,}: choose fewer hidden units, layers or "
        "inputs",
        "这些层共有 {n:,} 个参数，超过了本服务器的上限 {cap:,}：请减少隐藏单元数、层数或输入大小",
    ),
    # -- devices (device.py) ----------------------------------------------------------------------------------------
    "errors.not_a_device": (
        "{name!r} is not a device; use auto, cpu, cuda, cuda:N or mps",
        "{name!r} 不是设备名：请使用 auto、cpu、cuda、cuda:N 或 mps",
    ),
    "errors.no_cuda": (
        "CUDA was asked for but this torch sees no CUDA GPU; use --device auto or cpu",
        "指定了 CUDA，但当前的 PyTorch 检测不到 CUDA GPU：请使用 --device auto 或 cpu",
    ),
    "errors.no_such_cuda": (
        "there is no {device}: this machine has {count} CUDA device(s)",
        "不存在 {device}：本机只有 {count} 个 CUDA 设备",
    ),
    "errors.no_mps": (
        "Apple MPS was asked for but is not available here; use --device auto or cpu",
        "指定了 Apple MPS，但本机不可用：请使用 --device auto 或 cpu",
    ),
    "errors.unsupported_device": (
        "charlm runs on cpu, cuda or mps, not {type}",
        "charlm 只能在 cpu、cuda 或 mps 上运行，不支持 {type}",
    ),
}
