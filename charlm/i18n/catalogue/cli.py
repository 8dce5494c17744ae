"""The command line's own texts (cli.py, commands.py, options.py): what ``python -m charlm train | evaluate | generate |
inspect | span | shannon | app | bench`` prints for a person, and its ``--help``, in the terminal's language; its JSON
and files stay in English. The options' help texts are named by the fields that declare the options (charlm.options);
argparse's own strings are here too, under their English as argparse has it, to the letter."""

TEXTS = {
    "cli.error": ("error: {message}", "错误：{message}"),
    "cli.interrupted": ("interrupted", "已中断"),
    "cli.app_needs_extra": ("the app needs its extra dependencies ({missing} is missing): pip install 'charlm[app]'",
                            "网页应用需要额外的依赖（缺少 {missing}）：pip install 'charlm[app]'"),
    "cli.note": ("note: {note}", "注意：{note}"),
    # -- train ----------------------------------------------------------------------------------------------------
    "cli.group_line": ("{name:<18} {title} — the source: {published}", "{name:<18} {title} — 来源：{published}"),
    "cli.pair_ratio": (
        "{first} / {second}: {ratio:.2f}× the tokens/s here; the source: {published}",
        "{first} / {second}：在本机上每秒词元数是后者的 {ratio:.2f} 倍；来源：{published}",
    ),
    "cli.group_resume": (
        "{group} is a group of presets: it trains {count} models from the start, and --resume goes on from one "
        "checkpoint; resume each of them on its own, e.g. --resume {folder}",
        "{group} 是一组预设：它从头训练 {count} 个模型，而 --resume 只能从一个检查点继续；请分别继续其中每一个，例如 "
        "--resume {folder}",
    ),
    "cli.group_perplexities": (
        "training perplexity after the last epoch: {items}; the source: {published}",
        "最后一个迭代周期后的训练困惑度：{items}；来源：{published}",
    ),
    "cli.processes": (
        "{world} processes train together (torchrun): each takes about {rows} of a batch's {batch_size} rows; rank 0 "
        "prints and saves",
        "{world} 个进程一起训练（torchrun）：每个批量共 {batch_size} 行，每个进程约分到 {rows} 行；由 rank 0 负责输出和保存",
    ),
    "cli.data": (
        "{corpus}; {train:,} for training, {valid:,} for validation",
        "{corpus}；其中 {train:,} 用于训练，{valid:,} 用于验证",
    ),
    "cli.valid_chars": (
        "each epoch is validated on the validation split's first {used:,} characters (--valid-chars), not all {total:,}",
        "每个迭代周期只在验证集的前 {used:,} 个字符上验证（--valid-chars），而不是全部 {total:,} 个",
    ),
    "cli.model": ("model: {model}", "模型：{model}"),
    "cli.valid_unknown": (
        "note: {count} validation characters never occur in training: they count as <unk>",
        "注意：验证集中有 {count} 个字符从未在训练集中出现，它们按 <unk> 计",
    ),
    "cli.started": (
        "training on {device} with the {engine} engine in {precision}, epochs {first}–{last}",
        "在 {device} 上用 {engine} 引擎以 {precision} 训练，迭代周期 {first}–{last}",
    ),
    "cli.epoch_zero": (
        "epoch    0  train ppl {train:8.3f}  valid ppl {valid:8.3f}  (untrained)",
        "迭代周期    0  训练困惑度 {train:8.3f}  验证困惑度 {valid:8.3f}  （未训练）",
    ),
    "cli.epoch": (
        "epoch {epoch:>4}  train ppl {train:8.3f}  valid ppl {valid:8.3f}  ({bpc:.3f} bits/char)  {speed:9,.0f} "
        "tokens/s{per_process}  clipped {clipped:4.0%}  {elapsed:6.1f} s{best}",
        "迭代周期 {epoch:>4}  训练困惑度 {train:8.3f}  验证困惑度 {valid:8.3f}  （{bpc:.3f} 比特/字符）  {speed:9,.0f} "
        "词元/秒{per_process}  裁剪 {clipped:4.0%}  {elapsed:6.1f} s{best}",
    ),
    "cli.per_process": (" ({speed:,.0f} per process)", "（每个进程 {speed:,.0f}）"),
    "cli.sample": ("    sample: {text!r}", "    样本：{text!r}"),
    "cli.interrupted_saving": ("interrupted: saving the best weights so far", "已中断：正在保存目前最好的权重"),
    "cli.saved": (
        "saved to {out}  (load it with CharLM.from_pretrained({path!r}))",
        "已保存到 {out}  （可用 CharLM.from_pretrained({path!r}) 加载）",
    ),
    # the progress bar on stderr: "epoch 3 ████···· 120/400 steps  loss …  2 min 05 s left"
    "cli.bar_epoch": ("epoch {epoch}", "迭代周期 {epoch}"),
    "cli.bar_steps": (
        "loss {loss:.3f}  ppl {perplexity:7.3f}  |g| {norm:6.2f}{clipped:8}  {speed:8,.0f} tok/s",
        "损失 {loss:.3f}  困惑度 {perplexity:7.3f}  |g| {norm:6.2f}{clipped:8}  {speed:8,.0f} 词元/秒",
    ),
    "cli.bar_clipped": (" clipped", " 已裁剪"),
    "cli.bar_step_unit": ("steps", "步"),
    "cli.bar_character_unit": ("characters", "个字符"),
    "cli.bar_left": ("  {duration} left", "  剩余 {duration}"),
    # -- evaluate -------------------------------------------------------------------------------------------------
    "cli.no_corpus": (
        "this checkpoint does not say which corpus it was trained on: give --corpus or --text-file",
        "这个检查点没有记录它是在哪个语料上训练的：请指定 --corpus 或 --text-file",
    ),
    "cli.eval_data": (
        "{corpus} ({preprocessing}); validation: the last {fraction:.0%}, {chars:,} characters",
        "{corpus}（{preprocessing}）；验证集：最后 {fraction:.0%}，共 {chars:,} 个字符",
    ),
    "cli.eval_unknown": (
        "note: {count} validation characters are outside the model's vocabulary and count as <unk>",
        "注意：验证集中有 {count} 个字符不在模型的词表中，按 <unk> 计",
    ),
    "cli.eval_result": (
        "validation perplexity {perplexity:.3f}  ({bpc:.3f} bits per character, {nats:.4f} nats)  in {seconds:.1f} s",
        "验证困惑度 {perplexity:.3f}  （每字符比特数 {bpc:.3f}，{nats:.4f} 奈特）  用时 {seconds:.1f} s",
    ),
    # -- generate -------------------------------------------------------------------------------------------------
    "cli.sample_header": ("--- sample {number}", "--- 样本 {number}"),
    # -- inspect --------------------------------------------------------------------------------------------------
    "cli.traced": (
        "traced {chars:,} characters; mean surprisal {surprisal:.3f} nats per character",
        "已追踪 {chars:,} 个字符；平均惊异度为每字符 {surprisal:.3f} 奈特",
    ),
    "cli.inspect_span": (
        "memory span {span} characters (connectivity over {measured} characters)",
        "记忆跨度 {span} 个字符（连通性基于{measured}个字符）",
    ),
    "cli.measured_first": ("the first {count}", "前 {count} "),
    "cli.measured_all": ("all {count}", "全部 {count} "),
    "cli.wrote_page": ("wrote {path} ({size:.1f} MB; opens offline)", "已写入 {path}（{size:.1f} MB；可离线打开）"),
    # -- span -----------------------------------------------------------------------------------------------------
    "cli.source_given": ("the text given", "给定的文本"),
    "cli.source_own": (
        "the first model's own writing (seed 0, temperature 0.7)",
        "第一个模型自己写出的文本（种子 0，温度 0.7）",
    ),
    "cli.span_measured": (
        "{name}: {model}\nmeasured on {source}: {chars:,} characters, in {seconds:.2f} s",
        "{name}：{model}\n测量所用文本：{source}，共 {chars:,} 个字符，用时 {seconds:.2f} s",
    ),
    # the table's header: columns 5, 12 and 14 wide (a Chinese character takes two)
    "cli.span_columns": ("    k  connectivity  share within k", "    k        连通性      k 以内占比"),
    "cli.span_marker": ("  ← span", "  ← 跨度"),
    "cli.span": (
        "memory span: {span} characters ({mass:.0%} of the connectivity within k = 1 … {k})",
        "记忆跨度：{span} 个字符（占 k = 1 … {k} 范围内连通性的 {mass:.0%}）",
    ),
    "cli.span_bidirectional": (
        "note: this model is bidirectional: its predictions also read the text to the right; the span measures only "
        "the left",
        "注意：这是一个双向模型，它的预测也会读取右侧的文本；跨度只衡量左侧",
    ),
    "cli.wrote": ("wrote {path}", "已写入 {path}"),

    # -- --help: the command line, its commands (a line in the list; what --help says first) and the sections ---------
    "cli.about": ("Train, evaluate and sample character-level recurrent language models.",
                  "训练和评估字符级循环神经网络语言模型，并从中采样。"),
    "cli.command.train": ("train a model and save it as a checkpoint folder", "训练一个模型并保存为检查点文件夹"),
    "cli.about.train": (
        "Train a character-level language model. One line per epoch with train and validation perplexity; at the end a "
        "checkpoint folder that CharLM.from_pretrained loads, with its model card.",
        "训练一个字符级语言模型。每个迭代周期输出一行训练困惑度和验证困惑度；最后得到一个可由 CharLM.from_pretrained "
        "加载的检查点文件夹，附带它的模型卡。",
    ),
    "cli.command.generate": ("print text sampled from a checkpoint", "打印从检查点采样得到的文本"),
    "cli.about.generate": (
        "Warm a model up on a prefix, then sample. Temperature 0 is greedy (the d2l book's predict_ch8).",
        "先用前缀预热模型，然后采样。温度为 0 时是贪心采样（d2l 书中的 predict_ch8）。",
    ),
    "cli.command.inspect": ("write every gate's activity on a text to one offline HTML page",
                            "把每个门在一段文本上的活动写入一个可离线打开的 HTML 页面"),
    "cli.about.inspect": (
        "Trace a text through a checkpoint and write heatmaps of every gate, the text coloured by the units that track "
        "something, gate saturation and a table of interpretable units into one HTML page.",
        "用检查点追踪一段文本，并把每个门的热图、按追踪某种特征的单元着色的文本、门的饱和度以及可解释单元的表格写入一个 "
        "HTML 页面。",
    ),
    "cli.command.span": ("how far back a checkpoint's predictions look: its connectivity profile and memory span",
                         "检查点的预测能往回看多远：它的连通性曲线和记忆跨度"),
    "cli.about.span": (
        "Connectivity (Madsen 2019): how much each earlier character moved each prediction, averaged at each distance "
        "k. The memory span is the smallest k holding 90% of that profile (k = 1 … K). Without --text or --text-file "
        "the text is the model's own writing (its usual prefix and 300 characters, seed 0).",
        "连通性（Madsen 2019）：每个更早的字符对每个预测的影响有多大，在每个距离 k 上取平均。记忆跨度是占这条曲线 90% "
        "的最小 k（k = 1 … K）。没有 --text 或 --text-file 时，所用文本是模型自己写的（从它常用的前缀开始，300 "
        "个字符，种子 0）。",
    ),
    "cli.command.shannon": (
        "Shannon's guessing game: how many guesses a checkpoint needs per character, and the entropy bounds",
        "香农猜字游戏：检查点每个字符要猜几次，以及熵的上下界",
    ),
    "cli.about.shannon": (
        "Shannon (1951): each character after the first is guessed from all the text before it, until right; from the "
        "share q_i of characters that took i guesses, the entropy per character lies between sum i (q_i - q_i+1) log2 "
        "i and -sum q_i log2 q_i. A model's guess count is the true character's rank in its prediction. With "
        "--guesses, a person's counts are scored the same way. --json: the last line is one object.",
        "香农（1951）：第一个字符之后的每个字符，都根据它前面的全部文本来猜，直到猜中；设 q_i 为猜了 i "
        "次的字符所占的比例，则每个字符的熵介于 sum i (q_i - q_i+1) log2 i 与 -sum q_i log2 q_i "
        "之间。模型的猜测次数是真实字符在它的预测中的排名。给出 --guesses 时，人的猜测次数也按同样的方式计分。--json："
        "最后一行是一个对象。",
    ),
    "cli.command.app": ("serve the web app (needs charlm[app]: gradio, plotly)",
                        "启动网页应用（需要 charlm[app]：gradio、plotly）"),
    "cli.about.app": (
        "Serve the web app until interrupted: train, inspect, generate, compare, rooms. The pretrained checkpoints "
        "are not in the package: --checkpoints names a folder of them (a checkout's checkpoints/), else the app starts "
        "on an untrained model and its Models tab loads from the Hugging Face Hub.",
        "启动网页应用，直到被中断：训练、检查、生成、比较、课堂。预训练的检查点不在安装包里：--checkpoints "
        "指定存放它们的文件夹（代码仓库中的 checkpoints/），否则应用从一个未训练的模型开始，它的“模型”页从 "
        "Hugging Face Hub 加载。",
    ),
    "cli.command.bench": (
        "measure training, inference, generation and trace speed against torch.nn and a naive baseline",
        "测量训练、推理、生成和追踪的速度，与 torch.nn 和一个朴素的基线对比",
    ),
    "cli.about.bench": (
        "Tokens/s of torch.nn, charlm's fused and scratch engines and a naive d2l-style loop, side by side in one run, "
        "with ratios; plus generation and trace speed, app start-up time and peak memory.",
        "在一次运行中并排给出 torch.nn、charlm 的 fused 和 scratch 引擎以及一个 d2l 风格的朴素循环每秒处理的词元数，"
        "以及它们的比值；另有生成和追踪的速度、应用的启动时间和内存峰值。",
    ),
    "cli.command.evaluate": ("print a checkpoint's validation perplexity and bits per character",
                             "打印检查点的验证困惑度和每字符比特数"),
    "cli.about.evaluate": (
        "Evaluate a checkpoint on its validation split. Corpus, preprocessing and split are the ones saved in the "
        "checkpoint unless given here.",
        "在检查点的验证集上评估它。语料、预处理和划分都用检查点中保存的，除非在这里给出。",
    ),
    "cli.section.presets": ("presets", "预设"),
    "cli.section.data": ("data", "数据"),
    "cli.section.token_files": ("token files", "词元文件"),
    "cli.section.model": ("model", "模型"),
    "cli.section.training": ("training", "训练"),
    "cli.section.checkpoints": ("checkpoints", "检查点"),
    # -- --help: each option's text, by the id its field names (charlm.options.option) --------------------------------
    # train: the run's text (RunSpec), model (CharLMConfig) and training (TrainConfig); the command's own
    "cli.help.corpus": ("a named corpus, downloaded and verified on first use", "一个有名字的语料，第一次使用时下载并校验"),
    "cli.help.text_file": ("your own UTF-8 text file instead of a named corpus", "用你自己的 UTF-8 文本文件代替有名字的语料"),
    "cli.help.data_dir": (
        "read named corpora from this folder instead of downloading them (default: $CHARLM_DATA_DIR)",
        "从这个文件夹读取有名字的语料，而不是下载（默认：$CHARLM_DATA_DIR）",
    ),
    "cli.help.recipe": ("raw characters, or a book's recipe: {recipes}", "原始字符，或某本书的预处理方案：{recipes}"),
    "cli.help.recipe_item": ("{recipe} for {corpus}, {note}", "{recipe} 用于 {corpus}，{note}"),
    "cli.help.max_chars": ("keep only the first N characters (the d2l book: 10000)", "只保留前 N 个字符（d2l 书：10000）"),
    "cli.help.cell": ("recurrent cell", "循环单元"),
    "cli.help.hidden_size": ("hidden units per layer", "每层的隐藏单元数"),
    "cli.help.num_layers": ("stacked layers", "堆叠的层数"),
    "cli.help.bidirectional": ("also read right to left (cannot generate: it sees the future)",
                               "双向：也从右往左读（不能生成文本：它能看到未来）"),
    "cli.help.dropout": ("dropout between layers and before the head", "层与层之间以及输出层之前的暂退法（dropout）概率"),
    "cli.help.weight_drop": ("DropConnect on the recurrent weights while training (Merity et al. 2017)",
                             "训练时对循环权重使用 DropConnect（Merity 等，2017）"),
    "cli.help.embedding_dim": ("learned embedding size; 0 for one-hot inputs as in the d2l book",
                               "学习得到的嵌入的维度；0 表示像 d2l 书中那样使用独热编码输入"),
    "cli.help.nonlinearity": ("the vanilla RNN's activation", "普通循环神经网络的激活函数"),
    "cli.help.epochs": ("passes over the training split", "遍历训练集的次数（迭代周期数）"),
    "cli.help.batch_size": ("sequences per minibatch", "每个小批量中的序列数"),
    "cli.help.num_steps": ("characters per sequence (truncated backpropagation through time)",
                           "每个序列的字符数（截断的通过时间反向传播）"),
    "cli.help.sampling": ("random: shuffled sequences, state reset; sequential: state carried across batches",
                          "random：打乱的序列，状态重置；sequential：状态在批量之间传递"),
    "cli.help.optimizer": ("optimizer", "优化器"),
    "cli.help.lr": ("learning rate", "学习率"),
    "cli.help.lr_decay": (
        "multiply the learning rate by this after every epoch past --lr-decay-after (char-rnn: 0.97)",
        "在 --lr-decay-after 之后的每个迭代周期结束时，把学习率乘以这个数（char-rnn：0.97）",
    ),
    "cli.help.lr_decay_after": ("the last epoch at the full learning rate (char-rnn: 10)",
                                "保持完整学习率的最后一个迭代周期（char-rnn：10）"),
    "cli.help.clip": ("clip the gradient norm to this; 0 = off", "把梯度范数裁剪到这个值；0 = 不裁剪"),
    "cli.help.weight_decay": ("weight decay", "权重衰减"),
    "cli.help.valid_fraction": ("the last part of the text held out for validation", "留作验证的文本末尾部分所占的比例"),
    "cli.help.valid_chars": (
        "validate each epoch on the validation split's first N characters only (a large corpus's); 0: all",
        "每个迭代周期只在验证集的前 N 个字符上验证（用于大语料）；0：全部",
    ),
    "cli.help.seed": ("random seed", "随机种子"),
    "cli.help.engine": (
        "scratch: charlm's cells; fused: torch's kernels; auto: fused where it exists; naive: charlm's cells written "
        "the slow way, one matrix product per gate and input per step (the d2l book's scratch code)",
        "scratch：charlm 自己的单元；fused：torch 的内核；auto：有 fused 实现时用 fused；naive：用慢的方式写的 charlm "
        "单元，每一步对每个门和每个输入各做一次矩阵乘法（d2l 书中从零开始实现的代码）",
    ),
    "cli.help.device": ("auto, cpu, cuda, cuda:N or mps", "auto、cpu、cuda、cuda:N 或 mps"),
    "cli.help.precision": (
        "bfloat16: mixed-precision training steps (2-3x faster on CPUs with AMX and on GPUs); weights, validation and "
        "samples stay float32. auto: bfloat16 where the hardware is fast at it",
        "bfloat16：训练步使用混合精度（在带 AMX 的 CPU 和 GPU 上快 2-3 倍）；权重、验证和样本仍为 float32。auto："
        "在硬件擅长时用 bfloat16",
    ),
    "cli.help.compile": ("torch.compile the training step (CUDA graphs on a GPU); compiling takes 20-60 s first",
                         "用 torch.compile 编译训练步（在 GPU 上使用 CUDA 图）；第一次编译需要 20-60 秒"),
    "cli.help.sample_every": ("epochs between samples; 0 = none", "每隔多少个迭代周期采样一次；0 = 不采样"),
    "cli.help.sample_prefix": ("where samples start; empty: where the corpus's samples usually start",
                               "样本开头的文本；为空时：从这个语料的样本通常的开头开始"),
    "cli.help.sample_length": ("characters per sample", "每个样本的字符数"),
    "cli.help.max_seconds": ("stop after this many seconds; 0 = no limit", "运行这么多秒后停止；0 = 不限时"),
    "cli.help.keep": (
        "the weights a run ends with: the best validation epoch's, or the last epoch's (the d2l book's figures are its "
        "final model's training perplexity)",
        "一次运行最终留下的权重：验证结果最好的迭代周期的，或最后一个迭代周期的（d2l 书中的数字是它最终模型的训练困惑度）",
    ),
    "cli.help.preset": (
        "a recipe from a book or notebook: it sets the corpus, recipe, model, training and sample prefix; options "
        "given explicitly override it (see --list-presets)",
        "来自书或笔记本的配方：它设定语料、预处理方案、模型、训练方式和样本前缀；明确给出的选项会覆盖它（见 "
        "--list-presets）",
    ),
    "cli.help.list_presets": ("print each preset with its source's figure and exit", "列出每个预设及其来源公布的数字，然后退出"),
    "cli.help.token_file": (
        "encode the text once into a memory-mapped token file, re-used while the text is unchanged (a large corpus "
        "then costs its size on disk, not 20 times it in memory); --no-token-file keeps the ids in memory",
        "把文本一次性编码为内存映射的词元文件，文本不变时重复使用（这样大语料只占它本身大小的磁盘空间，而不是 20 "
        "倍的内存）；--no-token-file 把编号留在内存中",
    ),
    "cli.help.token_dir": (
        "where token files are kept (default: $CHARLM_TOKEN_DIR, else tokens/ in the corpora's cache)",
        "词元文件存放的位置（默认：$CHARLM_TOKEN_DIR，否则为语料缓存中的 tokens/）",
    ),
    "cli.help.out": ("where to save the model (default: runs/CORPUS-CELL)", "模型保存的位置（默认：runs/CORPUS-CELL）"),
    "cli.help.resume": ("continue a run saved by --out (up to --epochs in all)",
                        "继续一次由 --out 保存的运行（总共训练到 --epochs 为止）"),
    "cli.help.save_dtype": ("float16 halves the checkpoint's size; it loads back as float32",
                            "float16 使检查点的大小减半；加载时恢复为 float32"),
    # the other commands
    "cli.help.checkpoint": ("a checkpoint folder or Hugging Face Hub id", "检查点文件夹，或 Hugging Face Hub 上的 id"),
    "cli.help.generate_prefix": ("text to start from (default: the prefix the model was trained with)",
                                 "生成的起始文本（默认：模型训练时用的前缀）"),
    "cli.help.length": ("characters to generate per sample", "每个样本生成的字符数"),
    "cli.help.temperature": ("0 = greedy; below 1 safer, above 1 wilder", "0 = 贪心；小于 1 更稳妥，大于 1 更奔放"),
    "cli.help.top_k": ("draw only from the k likeliest characters; 0 = off", "只从最可能的 k 个字符中抽取；0 = 关闭"),
    "cli.help.top_p": ("draw only from the likeliest characters holding this mass",
                       "只从累计概率达到这个值的最可能的字符中抽取"),
    "cli.help.generate_seed": ("the same seed gives the same text", "相同的种子给出相同的文本"),
    "cli.help.samples": ("how many samples", "样本数"),
    "cli.help.inspect_text": ("the text to inspect", "要检查的文本"),
    "cli.help.inspect_text_file": ("a UTF-8 file with the text to inspect", "包含要检查的文本的 UTF-8 文件"),
    "cli.help.inspect_max_chars": ("longer texts are cut, with a notice", "更长的文本会被截断，并给出提示"),
    "cli.help.inspect_out": ("where to write the page", "页面写入的位置"),
    "cli.help.span_checkpoints": ("checkpoint folders or Hugging Face Hub ids: several are measured on the same text",
                                  "检查点文件夹或 Hugging Face Hub 上的 id：多个检查点在同一段文本上测量"),
    "cli.help.span_text": ("the text to measure on", "用来测量的文本"),
    "cli.help.span_text_file": ("a UTF-8 file with the text (at most {max_text:,} characters)",
                                "包含这段文本的 UTF-8 文件（最多 {max_text:,} 个字符）"),
    "cli.help.max_distance": ("the profile's longest distance", "曲线的最大距离"),
    "cli.help.span_json": ("print JSON, a line per checkpoint: span, profile, and more",
                           "输出 JSON，每个检查点一行：跨度、曲线等"),
    "cli.help.span_html": ("also write the pictures, the checkpoints side by side (offline)",
                           "同时写出图，各检查点并排（可离线打开）"),
    "cli.help.shannon_text": ("the text to play on", "用来玩猜字游戏的文本"),
    "cli.help.shannon_text_file": ("a UTF-8 file with the text to play on", "包含用来玩猜字游戏的文本的 UTF-8 文件"),
    "cli.help.guesses": (
        "a person's guess counts for the first characters after the first, in order: scored beside the model's",
        "一个人对第一个字符之后的前几个字符的猜测次数，按顺序：与模型的并排计分",
    ),
    "cli.help.shannon_json": ("print one JSON object: characters, model, human", "输出一个 JSON 对象：字符、模型、人"),
    "cli.help.host": ("the address to serve at (default: $CHARLM_HOST, else 127.0.0.1)",
                      "服务的地址（默认：$CHARLM_HOST，否则为 127.0.0.1）"),
    "cli.help.port": ("the port (default: $CHARLM_PORT, else 7860)", "端口（默认：$CHARLM_PORT，否则为 7860）"),
    "cli.help.app_checkpoints": (
        "the pretrained checkpoints to offer (default: $CHARLM_CHECKPOINTS, else ./checkpoints)",
        "提供的预训练检查点（默认：$CHARLM_CHECKPOINTS，否则为 ./checkpoints）",
    ),
    "cli.help.bench_settings": (
        "the sizes each cell is timed at: d2l (the d2l book's, 1 × 256, batch 32), large (2 × 512, batch 128), app "
        "(the app's start-up model, 2 × 256)",
        "每种循环单元计时所用的规模：d2l（d2l 书中的，1 × 256，批量 32）、large（2 × 512，批量 128）、app"
        "（应用启动时的模型，2 × 256）",
    ),
    "cli.help.bench_cells": ("the cells to time", "要计时的循环单元"),
    "cli.help.repeats": ("timed repeats per figure (the median is reported)", "每个数字计时重复的次数（报告中位数）"),
    "cli.help.warmup": ("untimed runs first", "先运行这么多次，不计时"),
    "cli.help.bench_device": ("cpu, cuda, cuda:N or mps", "cpu、cuda、cuda:N 或 mps"),
    "cli.help.no_startup": ("skip timing the app's start-up", "不测应用的启动时间"),
    "cli.help.bench_compile": ("also time the scratch engine under torch.compile (CUDA graphs on a GPU)",
                               "也测 torch.compile 编译后的 scratch 引擎（在 GPU 上使用 CUDA 图）"),
    "cli.help.no_processes": ("skip timing training on 1 and 2 processes (torchrun, gloo; CPU only, about 30 s)",
                              "不测 1 个和 2 个进程的训练（torchrun、gloo；仅限 CPU，约 30 秒）"),
    "cli.help.bench_json": ("print JSON instead of a table", "输出 JSON，而不是表格"),
    # -- argparse's own strings, by their English as argparse writes it (its gettext message ids): %-style parameters --
    "cli.argparse.usage": ("usage: ", "用法: "),
    "cli.argparse.positionals": ("positional arguments", "位置参数"),
    "cli.argparse.options": ("options", "选项"),
    "cli.argparse.help": ("show this help message and exit", "显示这条帮助信息并退出"),
    "cli.argparse.version": ("show program's version number and exit", "显示程序的版本号并退出"),
    "cli.argparse.default": (" (default: %(default)s)", "（默认：%(default)s）"),
    "cli.argparse.error": ("%(prog)s: error: %(message)s\n", "%(prog)s：错误：%(message)s\n"),
    "cli.argparse.argument": ("argument %(argument_name)s: %(message)s", "参数 %(argument_name)s：%(message)s"),
    "cli.argparse.ambiguous": ("ambiguous option: %(option)s could match %(matches)s",
                               "选项有歧义：%(option)s 可能是 %(matches)s"),
    "cli.argparse.one_value": ("expected one argument", "需要一个值"),
    "cli.argparse.at_most_one": ("expected at most one argument", "最多需要一个值"),
    "cli.argparse.at_least_one": ("expected at least one argument", "至少需要一个值"),
    "cli.argparse.values": ("expected %s argument", "需要 %s 个值"),
    "cli.argparse.values_plural": ("expected %s arguments", "需要 %s 个值"),
    "cli.argparse.ignored": ("ignored explicit argument %r", "这个选项不带值，%r 被忽略"),
    "cli.argparse.invalid_value": ("invalid %(type)s value: %(value)r", "无效的 %(type)s 值：%(value)r"),
    "cli.argparse.invalid_choice": ("invalid choice: %(value)r (choose from %(choices)s)",
                                    "无效的选择：%(value)r（可选：%(choices)s）"),
    "cli.argparse.not_allowed": ("not allowed with argument %s", "不能与参数 %s 同时使用"),
    "cli.argparse.one_required": ("one of the arguments %s is required", "必须给出参数 %s 之一"),
    "cli.argparse.required": ("the following arguments are required: %s", "缺少以下必需的参数：%s"),
    "cli.argparse.unrecognized": ("unrecognized arguments: %s", "无法识别的参数：%s"),
    "cli.argparse.unknown_command": ("unknown parser %(parser_name)r (choices: %(choices)s)",
                                     "未知的子命令 %(parser_name)r（可选：%(choices)s）"),
}
