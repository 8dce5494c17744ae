"""Texts of charlm's model (see catalogue/__init__.py): models and checkpoints (model.*), layers (layers.*), cells
(cells.*), generation (generate.*), inspection (inspection.*) and memory (memory.*)."""

TEXTS: dict[str, tuple[str, str]] = {
    # -- cells: their titles, as a sentence names them ------------------------------------------------------------------
    "cells.title.rnn": ("vanilla RNN", "普通循环神经网络（RNN）"),
    "cells.title.gru": ("GRU", "门控循环单元（GRU）"),
    "cells.title.lstm": ("LSTM", "长短期记忆网络（LSTM）"),
    "cells.title.peephole": ("peephole LSTM", "窥视孔长短期记忆网络（peephole LSTM）"),
    "cells.nonlinearity": (
        "nonlinearity must be 'tanh' or 'relu', not {value!r}",
        "nonlinearity 必须是 'tanh' 或 'relu'，而不是 {value!r}",
    ),
    # -- the model's configuration ---------------------------------------------------------------------------------------
    "model.unknown_cell": ("cell must be one of {cells}, not {value!r}", "cell 必须是 {cells} 之一，而不是 {value!r}"),
    "model.too_many_parameters": (
        "this model would have {count:,} parameters ({gigabytes:.1f} GB); the limit is {limit:,}. "
        "Use fewer layers or a smaller hidden size.",
        "这个模型将有 {count:,} 个参数（{gigabytes:.1f} GB），上限是 {limit:,}。请减少层数或隐藏单元数。",
    ),
    "model.config_not_object": (
        "a charlm config is a JSON object with at least a 'vocab' list",
        "charlm 的配置是一个 JSON 对象，至少要有一个 'vocab' 列表",
    ),
    # -- the model in one line: "2-layer bidirectional GRU, 256 hidden units, ..." ----------------------------------------
    "model.describe": (
        "{layers}-layer{bidirectional} {cell}, {units} hidden units, {inputs}{dropout}{weight_drop}, "
        "vocabulary of {vocab}, {parameters:,} parameters",
        "{layers} 层{bidirectional}{cell}，{units} 个隐藏单元，{inputs}{dropout}{weight_drop}，"
        "词表大小 {vocab}，共 {parameters:,} 个参数",
    ),
    "model.describe_bidirectional": (" bidirectional", "双向"),
    "model.describe_embedding": ("embedding {size}", "{size} 维嵌入"),
    "model.describe_one_hot": ("one-hot inputs", "独热编码输入"),
    "model.describe_dropout": (", dropout {p:g}", "，暂退概率 {p:g}"),
    "model.describe_weight_drop": (", weight drop {p:g}", "，权重暂退（DropConnect）概率 {p:g}"),
    # -- loading a checkpoint ----------------------------------------------------------------------------------------------
    "model.pickled_only": (
        "{folder} holds pickled weights only. charlm never loads pickles (unpickling can run arbitrary code); "
        "re-save the model with save_pretrained, which writes model.safetensors",
        "{folder} 中只有 pickle 格式的权重。charlm 从不加载 pickle（反序列化 pickle 可能执行任意代码）；"
        "请用 save_pretrained 重新保存模型，它会写出 model.safetensors",
    ),
    "model.missing_file": (
        "{folder} is not a charlm checkpoint: it has no {name}",
        "{folder} 不是 charlm 检查点：其中没有 {name}",
    ),
    "model.config_not_json": (
        "{file} is not valid JSON ({error}); the checkpoint is corrupt",
        "{file} 不是有效的 JSON（{error}）；这个检查点已损坏",
    ),
    "model.config_not_charlm": (
        "{file} does not describe a charlm model: {error}",
        "{file} 描述的不是 charlm 模型：{error}",
    ),
    "model.weights_unreadable": (
        "{file} is not a readable safetensors file ({kind}: {error}). "
        "It may be truncated, corrupt, or a pickle renamed; charlm reads safetensors only.",
        "{file} 不是可读的 safetensors 文件（{kind}: {error}）。"
        "它可能被截断、已损坏，或是改了扩展名的 pickle 文件；charlm 只读取 safetensors。",
    ),
    "model.bad_hub_id": (
        "{repo!r} is neither a checkpoint folder nor a Hub id (user/model)",
        "{repo!r} 既不是检查点文件夹，也不是 Hub 上的模型 id（用户名/模型名）",
    ),
    "model.hub_offline": (
        "could not fetch {repo} from the Hugging Face Hub and it is not in the local cache: "
        "check the id and your connection (and that HF_HUB_OFFLINE is not set)",
        "无法从 Hugging Face Hub 获取 {repo}，本地缓存中也没有：请检查 id 和网络连接（并确认没有设置 HF_HUB_OFFLINE）",
    ),
    "model.hub_not_found": (
        "there is no model {repo!r} on the Hugging Face Hub (or it is private)",
        "Hugging Face Hub 上没有模型 {repo!r}（或者它是私有的）",
    ),
    "model.hub_no_file": (
        "{repo} has no {filename}: it is not a charlm checkpoint (pickled weights are never loaded)",
        "{repo} 中没有 {filename}：它不是 charlm 检查点（pickle 格式的权重一律不加载）",
    ),
    "model.weights_too_large": (
        "{file} holds {size:,} bytes, more than a model of {parameters:,} parameters can fill ({most:,} bytes at "
        "most, in float32): it is not this config's weights, so it was not read",
        "{file} 有 {size:,} 字节，超过了 {parameters:,} 个参数的模型所能占用的大小（float32 下最多 {most:,} 字节）："
        "它不是这个配置的权重，因此没有读取",
    ),
    "model.hub_refused": (
        "the Hugging Face Hub refused {repo}/{filename}: {error}",
        "Hugging Face Hub 拒绝了对 {repo}/{filename} 的请求：{error}",
    ),
    "model.state_mismatch": (
        "{source} does not match its config.json: {problems}",
        "{source} 与它的 config.json 不符：{problems}",
    ),
    # the problems, listed one after another: each "…_then" text is followed by the rest of the list
    "model.missing_tensor": ("missing {key}", "缺少 {key}"),
    "model.missing_tensor_then": ("missing {key}; {rest}", "缺少 {key}；{rest}"),
    "model.unexpected_tensor": ("unexpected {key}", "多余的 {key}"),
    "model.unexpected_tensor_then": ("unexpected {key}; {rest}", "多余的 {key}；{rest}"),
    "model.wrong_shape": ("{key} is {shape}, the config needs {need}", "{key} 的形状是 {shape}，而配置要求 {need}"),
    "model.wrong_shape_then": (
        "{key} is {shape}, the config needs {need}; {rest}",
        "{key} 的形状是 {shape}，而配置要求 {need}；{rest}",
    ),
    "model.more_problems": ("and {count} more", "另有 {count} 处不符"),
    "model.weights_not_float": (
        "{source}: {key} holds {dtype} values; weights must be floating point",
        "{source}：{key} 存放的是 {dtype} 值；权重必须是浮点数",
    ),
    # -- checkpoint folders in a list: "lstm-2x512 — LSTM 2×512 on The Time Machine, validation perplexity 4.12" ------------
    "model.checkpoint_model": (
        "{cell} {layers}×{units}{bidirectional}",
        "{cell}，{layers} 层 × {units} 个单元{bidirectional}",
    ),
    "model.checkpoint_bidirectional": (" bidirectional", "，双向"),
    "model.its_corpus": ("its corpus", "未注明的语料"),
    "model.checkpoint_recipe": ("{title} ({recipe} recipe)", "{title}（{recipe} 预处理）"),
    "model.checkpoint_label": ("{name} — {model} on {text}", "{name} — {model}，在 {text} 上训练"),
    "model.checkpoint_label_perplexity": (
        "{name} — {model} on {text}, validation perplexity {perplexity:.2f}",
        "{name} — {model}，在 {text} 上训练，验证困惑度 {perplexity:.2f}",
    ),
    # -- layers ------------------------------------------------------------------------------------------------------------
    "layers.engine": (
        "engine must be one of {engines}, not {value!r}",
        "engine 必须是 {engines} 之一，而不是 {value!r}",
    ),
    "layers.record_fused": (
        "only the scratch engine can record gates; use engine='scratch' or 'auto'",
        "只有 scratch 引擎能记录各个门；请使用 engine='scratch' 或 'auto'",
    ),
    "layers.no_fused": (
        "the {cell} cell has no fused kernel in torch (oneDNN and cuDNN implement only the standard RNN, GRU and LSTM); "
        "use engine='scratch' or 'auto'",
        "{cell} 单元在 torch 中没有融合内核（oneDNN 和 cuDNN 只实现了标准的 RNN、GRU 和 LSTM）；"
        "请使用 engine='scratch' 或 'auto'",
    ),
    "layers.record_engine": (
        "gates are recorded on the scratch or naive engine, not {engine!r}",
        "门只能在 scratch 或 naive 引擎上记录，不能在 {engine!r} 上",
    ),
    "layers.bidirectional_step": (
        "a bidirectional layer reads the whole sequence at once: it cannot take one step",
        "双向层要一次读完整个序列：它不能单步运行",
    ),
    "layers.no_torch_cell": (
        "torch.nn has no layer with the {cell}: TorchScript and quantize_dynamic, which run torch's own forward, "
        "cannot run this layer. torch.compile and torch.onnx.export (which trace ours) can.",
        "torch.nn 中没有{cell}层：TorchScript 和 quantize_dynamic 运行的是 torch 自己的 forward，无法运行这个层；"
        "torch.compile 和 torch.onnx.export（它们追踪的是我们的 forward）可以。",
    ),
    "layers.no_torch_weight_drop": (
        "torch.nn has no layer with weight drop (DropConnect): TorchScript and quantize_dynamic, which run torch's own "
        "forward, cannot run this layer. torch.compile and torch.onnx.export (which trace ours) can.",
        "torch.nn 中没有带权重暂退（DropConnect）的层：TorchScript 和 quantize_dynamic 运行的是 torch 自己的 forward，"
        "无法运行这个层；torch.compile 和 torch.onnx.export（它们追踪的是我们的 forward）可以。",
    ),
    "layers.state_count": (
        "the {cell} state is {names}; got {count} tensors",
        "{cell} 的状态是 {names}；却收到了 {count} 个张量",
    ),
    "layers.and": ("{first} and {second}", "{first} 和 {second}"),
    # torch.nn's own messages, to the letter in English
    "layers.unknown_nonlinearity": (
        "Unknown nonlinearity '{value}'. Select from 'tanh' or 'relu'.",
        "未知的非线性函数 '{value}'。请从 'tanh' 或 'relu' 中选择。",
    ),
    "layers.input_dims": (
        "{kind}: Expected input to be 2D or 3D, got {dims}D instead",
        "{kind}：输入应为二维或三维，实际为 {dims} 维",
    ),
    "layers.input_dims_tensor": (
        "{kind}: Expected input to be 2D or 3D, got {dims}D tensor instead",
        "{kind}：输入应为二维或三维张量，实际为 {dims} 维张量",
    ),
    "layers.state_dims_pair": (
        "For {kind} input, hx and cx should also be {dims}-D but got ({h}-D, {c}-D) tensors",
        "对于{kind}输入，hx 和 cx 也应为 {dims} 维，实际却是 ({h} 维, {c} 维) 张量",
    ),
    "layers.state_dims": (
        "For {kind} input, hx should also be {dims}-D but got {h}-D tensor",
        "对于{kind}输入，hx 也应为 {dims} 维，实际却是 {h} 维张量",
    ),
    "layers.unbatched": ("unbatched 2-D", "非批量的二维"),
    "layers.batched": ("batched 3-D", "批量的三维"),
    # torch's message (as it is), then what this layer takes
    "layers.torch_check": (
        "{error} (this layer takes input {layout} and an initial state {sizes})",
        "{error}（本层接受形状为 {layout} 的输入，以及形状为 {sizes} 的初始状态）",
    ),
    # -- generation --------------------------------------------------------------------------------------------------------
    "generate.temperature": (
        "temperature must be between 0 (greedy) and 100, not {value!r}",
        "温度必须在 0（贪心）到 100 之间，而不是 {value!r}",
    ),
    "generate.top_k": (
        "top-k must be 0 (off) or a positive whole number, not {value!r}",
        "top-k 必须是 0（关闭）或正整数，而不是 {value!r}",
    ),
    "generate.top_p": (
        "top-p must be above 0 and at most 1 (1 is off), not {value!r}",
        "top-p 必须大于 0 且不超过 1（1 表示关闭），而不是 {value!r}",
    ),
    "generate.number_of_samples": ("number of samples", "样本数"),
    "generate.too_much": (
        "at most {samples} samples of {length:,} characters at a time",
        "一次最多生成 {samples} 个样本，每个最多 {length:,} 个字符",
    ),
    "generate.empty_prefix": (
        "the prefix is empty: give at least one character to start from",
        "前缀为空：请至少给出一个字符作为开头",
    ),
    "generate.bidirectional": (
        "This model is bidirectional: while training, each prediction saw the characters to its right, so its "
        "low perplexity comes from reading the answer. Generating left to right it has no future to read, and "
        "what it writes is gibberish — the d2l book's 'wrong application' of bidirectional RNNs.",
        "这个模型是双向的：训练时，每个预测都看到了它右边的字符，所以它的低困惑度来自偷看答案。"
        "从左到右生成时，它没有未来可看，写出来的只是胡言乱语——这正是 d2l 书中所说的双向循环神经网络的“错误应用”。",
    ),
    "generate.no_prefix": ("No prefix given: starting from {prefix!r}.", "没有给出前缀：从 {prefix!r} 开始。"),
    "generate.unknown_chars": (
        "The prefix has characters this model never saw: {chars}. They are read as {unk}, "
        "which the model knows little about.",
        "前缀中有这个模型从未见过的字符：{chars}。它们会被读作 {unk}，而模型对它所知甚少。",
    ),
    "generate.loop": (
        "The text fell into a loop: {cycle!r} repeats {repeats:.0f} times from character {start}. "
        "Greedy and low-temperature sampling do this; raise the temperature to break out.",
        "文本陷入了循环：从第 {start} 个字符起，{cycle!r} 重复了 {repeats:.0f} 次。"
        "贪心采样和低温度采样容易这样；调高温度就能跳出来。",
    ),
    # -- inspection: the gates and states a cell records ----------------------------------------------------------------
    "inspection.gate.i": ("input gate", "输入门"),
    "inspection.gate.f": ("forget gate", "遗忘门"),
    "inspection.gate.g": ("candidate", "候选记忆元"),  # the LSTM's candidate g: the candidate memory cell
    "inspection.gate.o": ("output gate", "输出门"),
    "inspection.gate.c": ("cell state", "记忆元"),
    "inspection.gate.h": ("hidden state", "隐状态"),
    "inspection.gate.r": ("reset gate", "重置门"),
    "inspection.gate.z": ("update gate", "更新门"),
    "inspection.gate.n": ("candidate", "候选隐状态"),  # the GRU's candidate n: the candidate hidden state
    "inspection.records_rnn": ("hidden state (h)", "隐状态（h）"),
    "inspection.records_gru": (
        "reset gate (r), update gate (z), candidate (n), hidden state (h)",
        "重置门（r）、更新门（z）、候选隐状态（n）、隐状态（h）",
    ),
    "inspection.records_lstm": (
        "input gate (i), forget gate (f), candidate (g), output gate (o), cell state (c), hidden state (h)",
        "输入门（i）、遗忘门（f）、候选记忆元（g）、输出门（o）、记忆元（c）、隐状态（h）",
    ),
    # -- inspection: properties of a text a unit may track ----------------------------------------------------------
    "inspection.property.inside_quotes": ("inside quotes", "引号内"),
    "inspection.property.inside_brackets": ("inside brackets", "括号内"),
    "inspection.property.position_in_the_line": ("position in the line", "行内位置"),
    "inspection.property.position_in_the_word": ("position in the word", "词内位置"),
    "inspection.property.start_of_a_word": ("start of a word", "词首"),
    "inspection.property.whitespace": ("whitespace", "空白字符"),
    "inspection.property.vowel": ("vowel", "元音"),
    "inspection.property.upper_case": ("upper case", "大写字母"),
    "inspection.property.punctuation": ("punctuation", "标点"),
    "inspection.property.digit": ("digit", "数字"),
    # -- inspection: a trace's notices, units, ablations ------------------------------------------------------------
    "inspection.truncated": (
        "Only the first {shown:,} characters are shown ({cut:,} more were cut).",
        "只显示前 {shown:,} 个字符（其余 {cut:,} 个已截去）。",
    ),
    "inspection.unknown_chars": (
        "Characters the model never saw, read as <unk>: {chars}.",
        "模型从未见过、按 <unk> 读入的字符：{chars}。",
    ),
    "inspection.bidirectional": (
        "This model is bidirectional: its guesses saw the characters to their right, "
        "so they are not predictions and its low loss is not earned.",
        "这个模型是双向的：它的猜测看到了右边的字符，所以算不上预测，它的低损失也名不副实。",
    ),
    "inspection.layer": ("layer {layer}", "第 {layer} 层"),
    "inspection.layer_reverse": ("layer {layer} (reverse)", "第 {layer} 层（反向）"),
    "inspection.layer_right_to_left": ("layer {layer} (right to left)", "第 {layer} 层（从右到左）"),
    "inspection.unit_tracks": (
        "unit {unit} of {where}'s {gate} tracks {property} (r = {r:+.2f})",
        "{where}{gate}的单元 {unit} 跟踪“{property}”（r = {r:+.2f}）",
    ),
    "inspection.unit_of": ("unit {unit} of {where}'s {gate}", "{where}{gate}的单元 {unit}"),
    "inspection.no_text": ("there is no text to inspect: type or paste some", "没有可查看的文本：请输入或粘贴一些"),
    "inspection.layers_one": ("{count} layer", "{count} 层"),
    "inspection.layers_many": ("{count} layers", "{count} 层"),
    "inspection.no_layer": (
        "this model has {layers}: there is no layer {layer}",
        "这个模型只有 {layers}：没有第 {layer} 层",
    ),
    "inspection.no_reverse": (
        "this model reads left to right only: it has no reverse direction",
        "这个模型只从左到右读：它没有从右到左的方向",
    ),
    "inspection.bad_direction": (
        "direction is 0 (left to right) or 1 (right to left), not {value!r}",
        "direction 只能是 0（从左到右）或 1（从右到左），而不是 {value!r}",
    ),
    "inspection.no_such_state": (
        "a {cell} has no {gate}; it records {recorded}",
        "{cell}没有{gate}；它记录的是{recorded}",
    ),
    "inspection.bad_unit": (
        "units are numbered 0 to {last} in each layer of this model, not {value!r}",
        "这个模型每层的单元编号为 0 到 {last}，没有 {value!r}",
    ),
    "inspection.one_direction": ("one direction", "一个方向"),
    "inspection.two_directions": ("two directions", "两个方向"),
    "inspection.path_right_to_left": (", right to left", "的从右到左方向"),
    "inspection.no_path_layer": (
        "this model has {layers} and {directions}: no layer {layer}{reverse}",
        "这个模型有 {layers}、{directions}：没有第 {layer} 层{reverse}",
    ),
    "inspection.path_state": (
        "the path follows the hidden state (h) or the LSTM's cell state (c), not {value!r}",
        "路径跟踪的是隐状态（h）或 LSTM 的记忆元（c），而不是 {value!r}",
    ),
    "inspection.path_too_short": ("a path needs at least three characters", "路径至少需要三个字符"),
    "inspection.switch_off_state": (
        "a unit is switched off in its hidden state (h) or cell state (c), not its {gate}",
        "关闭单元只能在它的隐状态（h）或记忆元（c）上进行，不能在它的{gate}上",
    ),
    "inspection.two_characters": (
        "give at least two characters: the second is the first one a model predicts",
        "请至少给出两个字符：第二个字符才是模型预测的第一个字符",
    ),
    # -- memory ------------------------------------------------------------------------------------------------------------
    "memory.too_long": (
        "this text has {chars:,} characters; at most {most:,} are measured at once "
        "(the work grows with the square of the length). Cut it to {most:,} or fewer.",
        "这段文本有 {chars:,} 个字符；一次最多测量 {most:,} 个（计算量随长度的平方增长）。请截短到 {most:,} 个字符以内。",
    ),
    "memory.bad_distance": (
        "the largest distance K must be a whole number of characters ≥ 1, not {value!r}",
        "最大距离 K 必须是 ≥ 1 的整数（以字符计），而不是 {value!r}",
    ),
    "memory.distance_too_long": (
        "the largest distance K = {k} is longer than the text allows: with {chars} characters "
        "a prediction can look back at most {most}. Give a longer text or a smaller K.",
        "最大距离 K = {k} 超出了文本所允许的范围：文本有 {chars} 个字符，一个预测最多只能回看 {most} 个。"
        "请给出更长的文本，或减小 K。",
    ),
}
