"""The Inspect tab (``inspect.*``), the Generate tab (``gen_tab.*``) and the figures and offline reports
(``figures.*``: charlm/figures.py). Plotly's own placeholders in hover templates are doubled: ``%{{x}}``."""

TEXTS = {
    # -- directions (gates, states and properties are named by the library: inspection.gate_name, property_name) -
    "figures.direction.forward": ("forward", "前向"),
    "figures.direction.reverse": ("reverse", "反向"),
    # -- where in the model ----------------------------------------------------------------------------------
    "figures.layer": ("layer {layer}", "第 {layer} 层"),
    "figures.layer_right_to_left": ("layer {layer}, right to left", "第 {layer} 层，从右到左"),
    "figures.first_units": (" (first {units} of {all_units} units)", "（{all_units} 个单元中的前 {units} 个）"),
    "figures.first_chars": (" (first {chars} of {all_chars} characters)", "（{all_chars} 个字符中的前 {chars} 个）"),
    "figures.first_both": (
        " (first {units} of {all_units} units, first {chars} of {all_chars} characters)",
        "（{all_units} 个单元中的前 {units} 个，{all_chars} 个字符中的前 {chars} 个）",
    ),
    # -- how to read the pictures ----------------------------------------------------------------------------
    "figures.explain.i": (
        "Input gate: how much of the new candidate is written into the cell (0 = ignore this character).",
        "输入门：新的候选值有多少写入记忆元（0 = 忽略这个字符）。",
    ),
    "figures.explain.f": (
        "Forget gate: how much of the old cell is kept (1 = remember everything, 0 = wipe it).",
        "遗忘门：旧的记忆元保留多少（1 = 全部记住，0 = 全部清除）。",
    ),
    "figures.explain.g": (
        "Candidate: the new content proposed for the cell, in (−1, 1).",
        "候选记忆元：为记忆元提出的新内容，取值在 (−1, 1) 内。",
    ),
    "figures.explain.o": (
        "Output gate: how much of the cell is shown to the next layer and the output (0 = hide it).",
        "输出门：记忆元有多少传给下一层和输出（0 = 全部隐藏）。",
    ),
    "figures.explain.c": (
        "Cell state: the LSTM's memory, carried from character to character, added to and forgotten.",
        "记忆元：LSTM 的记忆，从一个字符带到下一个字符，不断写入，也不断遗忘。",
    ),
    "figures.explain.h": (
        "Hidden state: what the layer outputs at each character, and feeds back to itself.",
        "隐状态：该层在每个字符处的输出，同时也反馈给它自己。",
    ),
    "figures.explain.r": (
        "Reset gate: how much of the old state the candidate may look at (0 = start afresh).",
        "重置门：候选隐状态可以参考多少旧状态（0 = 从头开始）。",
    ),
    "figures.explain.z": (
        "Update gate: how much of the old state is kept (1 = keep it, 0 = take the candidate).",
        "更新门：旧状态保留多少（1 = 全部保留，0 = 采用候选隐状态）。",
    ),
    "figures.explain.n": (
        "Candidate: the GRU's proposed new state, in (−1, 1).",
        "候选隐状态：GRU 提出的新状态，取值在 (−1, 1) 内。",
    ),
    "figures.caption.connectivity": (
        "Connectivity (Madsen 2019): the redder a character, the more it moved the prediction of the boxed one — the "
        "size of the gradient of that prediction's log-probability with respect to the character.",
        "连通度（Madsen 2019）：字符越红，它对方框中那个字符的预测影响越大——即该预测的对数概率关于这个字符的梯度的大小。",
    ),
    "figures.caption.span": (
        "Mean connectivity against the distance back (log scale). The memory span, dashed, is the distance within "
        "which 90% of it lies: how far back the predictions look.",
        "平均连通度随往前距离的变化（对数刻度）。虚线标出记忆跨度，即 90% 的连通度所在的距离范围：预测往前看了多远。",
    ),
    "figures.caption.gradients": (
        "How strongly the loss of the last character reaches back to each earlier hidden state (log scale). A "
        "straight fall is the vanishing gradient; the untrained architecture, dotted, for comparison.",
        "最后一个字符的损失回传到之前每个隐状态时还剩多强（对数刻度）。直线下降就是梯度消失；点线是未训练的同一架构，"
        "用作对照。",
    ),
    "figures.caption.compare": (
        "How strongly the loss of the last character reaches back to each earlier hidden state, per model (log scale): "
        "a straight fall is a vanishing gradient, a constant factor lost per step; the slower the fall, the further "
        "back the loss still reaches.",
        "每个模型中，最后一个字符的损失回传到之前每个隐状态时还剩多强（对数刻度）：直线下降就是梯度消失，每回传一步都"
        "衰减固定的倍数；下降得越慢，损失能回传得越远。",
    ),
    "figures.caption.path": (
        "Each point is the hidden state after one character, on the two directions the states vary most in. Words "
        "that repeat retrace similar paths; colours show a property of the text.",
        "每个点是读完一个字符后的隐状态，画在状态变化最大的两个方向上。重复出现的词会走出相似的路径；颜色表示文本的某种"
        "性质。",
    ),
    # -- perplexity per epoch --------------------------------------------------------------------------------
    "figures.perplexity.title": ("Perplexity per epoch", "每个迭代周期的困惑度"),
    "figures.perplexity.validation": ("validation", "验证"),
    "figures.perplexity.training": ("training", "训练"),
    "figures.perplexity.hover": (
        "{name}<br>epoch %{{x}}<br>{label} perplexity %{{y:.3f}}<extra></extra>",
        "{name}<br>迭代周期 %{{x}}<br>{label}困惑度 %{{y:.3f}}<extra></extra>",
    ),
    "figures.perplexity.x": ("epoch", "迭代周期"),
    "figures.perplexity.y": ("perplexity (log scale; lower is better)", "困惑度（对数刻度，越低越好）"),
    # -- the gates, unit by unit -----------------------------------------------------------------------------
    "figures.heatmap.hover": (
        "position · character %{{x}}<br>unit %{{y}}<br>value %{{z:.3f}}<extra></extra>",
        "位置 · 字符 %{{x}}<br>单元 %{{y}}<br>值 %{{z:.3f}}<extra></extra>",
    ),
    "figures.heatmap.x": ("character", "字符"),
    "figures.heatmap.y": ("unit", "单元"),
    "figures.heatmap.title": ("{gate}, layer {layer}{cut}", "{gate}，第 {layer} 层{cut}"),
    "figures.heatmap.title_right_to_left": (
        "{gate}, layer {layer}, right to left{cut}",
        "{gate}，第 {layer} 层，从右到左{cut}",
    ),
    "figures.tint.tip": (
        "{char!r} · value {value:+.3f} · next: {guesses}",
        "{char!r} · 值 {value:+.3f} · 下一个：{guesses}",
    ),
    "figures.tint.actual": (
        " · actual {char!r}, surprisal {surprisal:.2f} nats",
        " · 实际是 {char!r}，惊异度 {surprisal:.2f} 奈特",
    ),
    "figures.tint.gate_scale": ("0 → 1: white to red", "0 → 1：从白到红"),
    "figures.tint.scale": (
        "blue −{scale:.2f} · white 0 · red +{scale:.2f}",
        "蓝 −{scale:.2f} · 白 0 · 红 +{scale:.2f}",
    ),
    "figures.tint.unit": ("unit {unit} of layer {layer}, {state}", "第 {layer} 层{state}的单元 {unit}"),
    "figures.tint.unit_right_to_left": (
        "unit {unit} of layer {layer} (right to left), {state}",
        "第 {layer} 层（从右到左）{state}的单元 {unit}",
    ),
    "figures.tint.legend": (
        "{name} — {scale}; hover a character for the model's guesses",
        "{name} — {scale}；把鼠标停在字符上可看到模型的猜测",
    ),
    # -- how far back it looks -------------------------------------------------------------------------------
    "figures.connectivity.target": ("the target: {char!r}, position {position}", "目标：{char!r}，位置 {position}"),
    "figures.connectivity.tip": (
        "{char!r}, {back} back: connectivity {value:.3g} ({share:.0%} of the most)",
        "{char!r}，往前第 {back} 个：连通度 {value:.3g}（最大值的 {share:.0%}）",
    ),
    "figures.connectivity.after": ("after the target: unseen", "在目标之后：未读到"),
    "figures.connectivity.ahead": (
        " The model also read the text to the right (it is bidirectional), so the right side is tinted too.",
        "模型也读了右边的文本（它是双向的），所以右边也着了色。",
    ),
    "figures.connectivity.legend": (
        "How much each character moved the prediction of the boxed {char!r} (position {position}): the norm of the "
        "gradient of its log-probability with respect to each input; red = the most, fading to white at a "
        "{fraction:,}th of it.{ahead}",
        "每个字符对方框中 {char!r}（位置 {position}）的预测影响有多大：该预测的对数概率关于每个输入的梯度的范数；红色"
        "表示影响最大，降到最大值的 {fraction:,} 分之一时褪为白色。{ahead}",
    ),
    "figures.span.title": ("How far back the predictions look", "预测往前看了多远"),
    "figures.span.name": ("{name}: span {span}", "{name}：跨度 {span}"),
    "figures.span.hover": (
        "{name}<br>%{{x}} characters back<br>connectivity %{{y:.3g}}<extra></extra>",
        "{name}<br>往前 %{{x}} 个字符<br>连通度 %{{y:.3g}}<extra></extra>",
    ),
    "figures.span.x": ("distance k: characters back from the predicted one", "距离 k：从被预测的字符往前数的字符数"),
    "figures.span.y": ("mean connectivity (log scale)", "平均连通度（对数刻度）"),
    "figures.memory_span": ("Memory span: {span} characters", "记忆跨度：{span} 个字符"),
    "figures.gradients.title": ("Gradients through time", "通过时间回传的梯度"),
    "figures.gradients.hover": (
        "{name}<br>k = %{{x}}<br>gradient norm %{{y:.3g}}<extra></extra>",
        "{name}<br>k = %{{x}}<br>梯度范数 %{{y:.3g}}<extra></extra>",
    ),
    "figures.gradients.clip": (
        "clipping threshold {clip:g} (on the whole gradient)",
        "裁剪阈值 {clip:g}（作用于整个梯度）",
    ),
    "figures.gradients.x": ("k: steps back from the last prediction", "k：从最后一个预测往回的步数"),
    "figures.gradients.y": ("‖∂loss / ∂h‖ (log scale)", "‖∂loss / ∂h‖（对数刻度）"),
    "figures.trained": ("trained", "已训练"),
    "figures.untrained": ("untrained (same architecture)", "未训练（同一架构）"),
    # -- the path of the hidden state ------------------------------------------------------------------------
    "figures.path.hover": (
        "%{{text}} (position %{{customdata}})<extra></extra>",
        "%{{text}}（位置 %{{customdata}}）<extra></extra>",
    ),
    "figures.path.cut": (", first {shown} of {total} characters", "，{total} 个字符中的前 {shown} 个"),
    "figures.path.x": ("first principal component ({share:.0%} of the variance)", "第一主成分（占方差的 {share:.0%}）"),
    "figures.path.y": ("second ({share:.0%})", "第二主成分（{share:.0%}）"),
    "figures.path.title": ("The path of the {state}, {where}{cut}", "{state}的路径，{where}{cut}"),
    # -- a unit switched off ---------------------------------------------------------------------------------
    "figures.ablation.held": (
        "<b>{unit}, held at 0.</b> Perplexity of the text: {on:.3f} with it, {off:.3f} without ({change:+.1%}).",
        "<b>{unit}，固定为 0。</b>文本的困惑度：有它时 {on:.3f}，没有它时 {off:.3f}（{change:+.1%}）。",
    ),
    "figures.ablation.moved": ("The characters whose probability moved most:", "概率变化最大的字符："),
    "figures.ablation.position": ("position", "位置"),
    "figures.ablation.character": ("character", "字符"),
    "figures.ablation.p_on": ("p with the unit", "有该单元时的 p"),
    "figures.ablation.p_off": ("p without", "没有它时的 p"),
    "figures.ablation.samples": ("Samples from the same seed:", "同一随机种子生成的样本："),
    "figures.ablation.with": ("With the unit", "有该单元"),
    "figures.ablation.without": ("Without it", "没有它"),
    # -- gate saturation -------------------------------------------------------------------------------------
    "figures.saturation.name": ("{gate}, layer {layer}", "{gate}，第 {layer} 层"),
    "figures.saturation.name_reverse": ("{gate}, layer {layer} reverse", "{gate}，第 {layer} 层（反向）"),
    "figures.saturation.hover": (
        "{name}, unit %{{customdata}}<br>shut (< 0.1) %{{x:.0%}} of the time<br>open (> 0.9) %{{y:.0%}}<extra></extra>",
        "{name}，单元 %{{customdata}}<br>关闭（< 0.1）的时间占 %{{x:.0%}}<br>打开（> 0.9）占 %{{y:.0%}}<extra></extra>",
    ),
    "figures.saturation.x": ("fraction of characters with the gate shut (< 0.1)", "门关闭（< 0.1）的字符比例"),
    "figures.saturation.y": ("fraction with the gate open (> 0.9)", "门打开（> 0.9）的比例"),
    "figures.saturation.title": (
        "Gate saturation: one point per unit (Karpathy, Johnson & Fei-Fei 2015)",
        "门的饱和度：每个单元一个点（Karpathy, Johnson & Fei-Fei 2015）",
    ),
    # -- the units table -------------------------------------------------------------------------------------
    "figures.units.tracks": ("tracks", "追踪的性质"),
    "figures.units.layer": ("layer", "层"),
    "figures.units.direction": ("direction", "方向"),
    "figures.units.state": ("state", "状态"),
    "figures.units.unit": ("unit", "单元"),
    "figures.units.correlation": ("correlation", "相关系数"),
    # -- the offline reports (charlm inspect, charlm span) ---------------------------------------------------
    "figures.report.units": ("Units that track something", "追踪某种性质的单元"),
    "figures.report.how_far": ("How far back it looks", "它往前看了多远"),
    "figures.report.path": ("The path of the hidden state", "隐状态的路径"),
    "figures.report.saturation": ("Gate saturation", "门的饱和度"),
    "figures.report.every_gate": ("Every gate, every character", "每个门，每个字符"),
    "figures.this_model": ("this model", "本模型"),
    "figures.report.how_far_they": ("How far back they look", "它们往前看了多远"),
    "figures.report.measured_on": (
        "Measured on {source}: {chars:,} characters.",
        "在 {source} 上测量：{chars:,} 个字符。",
    ),
    "figures.report.last_prediction": ("What the last prediction looked at", "最后一个预测看了哪些字符"),
    # -- the Inspect tab -------------------------------------------------------------------------------------
    "inspect.tab": ("Inspect", "查看"),
    "inspect.intro": (
        "What every gate did at every character of a text: the model's own writing, or yours (type it here, then Trace).",
        "每个门在文本的每个字符处做了什么：文本可以是模型自己写的，也可以是你的（在这里输入，再点“追踪”）。",
    ),
    "inspect.layer": ("Layer", "层"),
    "inspect.direction": ("Direction", "方向"),
    "inspect.gate_or_state": ("Gate or state", "门或状态"),
    # the gate dropdown's choices: the Chinese book's term, with the English beside it to look it up
    "inspect.gate.i": ("input gate (i)", "输入门（input gate，i）"),
    "inspect.gate.f": ("forget gate (f)", "遗忘门（forget gate，f）"),
    "inspect.gate.g": ("candidate (g)", "候选记忆元（candidate memory cell，g）"),
    "inspect.gate.o": ("output gate (o)", "输出门（output gate，o）"),
    "inspect.gate.c": ("cell state (c)", "记忆元（memory cell，c）"),
    "inspect.gate.h": ("hidden state (h)", "隐状态（hidden state，h）"),
    "inspect.gate.r": ("reset gate (r)", "重置门（reset gate，r）"),
    "inspect.gate.z": ("update gate (z)", "更新门（update gate，z）"),
    "inspect.gate.n": ("candidate (n)", "候选隐状态（candidate hidden state，n）"),
    "inspect.heatmap": ("Units × characters", "单元 × 字符"),
    "inspect.text": ("Text", "文本"),
    "inspect.trace": ("Trace", "追踪"),
    "inspect.units": (
        "**Units that track something.** Click a row to colour the text by that unit.",
        "**追踪某种性质的单元。** 点击一行，按该单元的值给文本着色。",
    ),
    "inspect.saturation": ("Gate saturation", "门的饱和度"),
    "inspect.how_far": ("### How far back it looks", "### 它往前看了多远"),
    "inspect.target": (
        "Predicted character (its position): the characters before it are tinted by how much they moved the prediction",
        "被预测的字符（填它的位置）：它前面的字符按对这个预测的影响大小着色",
    ),
    "inspect.span": ("Memory span", "记忆跨度"),
    "inspect.gradients": ("Gradients through time", "通过时间回传的梯度"),
    "inspect.path_heading": ("### The path of the hidden state", "### 隐状态的路径"),
    "inspect.colour_by": ("Colour the points by", "点的颜色表示"),
    "inspect.path": ("Path of the state (layer and state as picked above)", "状态的路径（层和状态取上方所选）"),
    "inspect.off_heading": (
        "### Switch a unit off\nHold one unit at 0 and see what changes. Click a row of the units "
        "table above to pick its unit.",
        "### 关掉一个单元\n把一个单元固定为 0，看看有什么变化。点击上方单元表中的一行即可选中该单元。",
    ),
    "inspect.state": ("State", "状态"),
    "inspect.state_h": ("hidden state h", "隐状态 h"),
    "inspect.state_c": ("cell state c", "记忆元 c"),
    "inspect.unit": ("Unit", "单元"),
    "inspect.switch_off": ("Switch it off", "关掉它"),
    "inspect.summary": (
        "Traced {chars:,} characters · mean surprisal {surprisal:.3f} nats per character.",
        "已追踪 {chars:,} 个字符 · 平均惊异度为每字符 {surprisal:.3f} 奈特。",
    ),
    "inspect.gate_note": (
        "**{name}:**{meaning} Zoom the heatmap to read its labels.",
        "**{name}：** {meaning}放大热图即可看清标签。",  # the space: "**" after "：" closes only before a space
    ),
    "inspect.measured_over": (
        "Measured over the first {chars} characters of the text.",
        "在文本的前 {chars} 个字符上测得。",
    ),
    "inspect.untrained": ("the same architecture, untrained", "同一架构，未训练"),
    "inspect.trace_first": (
        "Trace a text first: the unit is switched off while the model reads it.",
        "请先追踪一段文本：单元是在模型读这段文本时关掉的。",
    ),
    # -- the Generate tab ------------------------------------------------------------------------------------
    "gen_tab.tab": ("Generate", "生成"),
    "gen_tab.prefix": ("Prefix (empty: the model's usual one)", "前缀（留空：用模型惯用的前缀）"),
    "gen_tab.temperature": ("Temperature (0 = greedy)", "温度（0 = 贪心）"),
    "gen_tab.go": ("Generate", "生成"),
    "gen_tab.output": ("Generated text", "生成的文本"),
    "gen_tab.more": (
        "More options: length, samples, top-k, top-p, seed",
        "更多选项：长度、样本数、top-k、top-p、种子",
    ),
    "gen_tab.length": ("Length", "长度"),
    "gen_tab.samples": ("Samples", "样本数"),
    "gen_tab.top_k": ("Top-k (0 = off)", "Top-k（0 = 关闭）"),
    "gen_tab.top_p": ("Top-p (1 = off)", "Top-p（1 = 关闭）"),
    "gen_tab.seed": ("Seed (−1 = random)", "随机种子（−1 = 随机）"),
    # what a wrong value is called in its error ("Temperature must be a number, not 'x'.")
    "gen_tab.name.temperature": ("Temperature", "温度"),
    "gen_tab.name.top_k": ("Top-k", "Top-k 值"),
    "gen_tab.name.top_p": ("Top-p", "Top-p 值"),
    "gen_tab.name.seed": ("Seed", "随机种子"),
    "gen_tab.sample": ("── sample {sample} ──", "── 样本 {sample} ──"),
    "gen_tab.loop": ("Sample {sample}: {loop}", "样本 {sample}：{loop}"),
    # the same prefix and seed at several temperatures, side by side
    "gen_tab.compare": ("Compare temperatures", "比较不同温度"),
    "gen_tab.at_temperature": ("Temperature {temperature}", "温度 {temperature}"),
    "gen_tab.same_seed": (
        "The same prefix and the same seed ({seed}) at each temperature: only the temperature differs. Low ones keep to "
        "the likeliest characters and fall into loops; high ones reach for unlikely ones until the text falls apart.",
        "每个温度都用同样的前缀和同样的随机种子（{seed}）：不同的只有温度。温度低时只挑最可能的字符，容易陷入循环；"
        "温度高时常常挑到不太可能的字符，直到文本变得支离破碎。",
    ),
    "gen_tab.loop_at": ("Temperature {temperature}: {loop}", "温度 {temperature}：{loop}"),
}
