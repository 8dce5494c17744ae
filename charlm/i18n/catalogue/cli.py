"""The command line's own lines (cli.py): what ``python -m charlm train | evaluate | generate | inspect | span`` prints
for a person, in the terminal's language. Its options' help (argparse), JSON and files stay in English."""

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
}
