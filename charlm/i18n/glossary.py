"""The Chinese d2l book's terms (动手学深度学习, zh.d2l.ai), one per English term: every Chinese text in the catalogue
uses these, and a test holds it to them (``tests/test_i18n.py``). ``term`` writes one with its English beside it,
for the places a student would look it up."""

from __future__ import annotations

from . import active

# English term → the Chinese book's term. "strict" terms: wherever an English text says the left, its Chinese
# says the right (the test checks it); the others are the book's word, used where it fits the sentence.
STRICT = {
    "perplexity": "困惑度",
    "hidden state": "隐状态",
    "memory cell": "记忆元",
    "candidate memory cell": "候选记忆元",
    "forget gate": "遗忘门",
    "input gate": "输入门",
    "output gate": "输出门",
    "reset gate": "重置门",
    "update gate": "更新门",
    "candidate hidden state": "候选隐状态",
    "gradient clipping": "梯度裁剪",
    "one-hot": "独热编码",
    "vocabulary": "词表",
    "learning rate": "学习率",
    "minibatch": "小批量",
    "time step": "时间步",
    "backpropagation through time": "通过时间反向传播",
    "bidirectional": "双向",
    "language model": "语言模型",
    "embedding": "嵌入",
    "hidden units": "隐藏单元",
    "weight decay": "权重衰减",
    "optimizer": "优化器",
    "gradient": "梯度",
    "peephole": "窥视孔",
    "corpus": "语料",
    "checkpoint": "检查点",
    "preset": "预设",
    "temperature": "温度",
    "epoch": "迭代周期",
    "validation": "验证",
    "bits per character": "每字符比特数",
    "token": "词元",
    "gate": "门",
    "surprisal": "惊异",
}
# Where an English word is not the book's term: a Hugging Face "write token" is a 令牌, not a 词元.
OTHER_SENSES = {"token": ("write token", "access token")}
LOOSE = {
    "recurrent neural network": "循环神经网络",
    "RNN": "循环神经网络",
    "GRU": "门控循环单元",
    "LSTM": "长短期记忆网络",
    "deep RNN": "深度循环神经网络",
    "sequential partitioning": "顺序分区",
    "random sampling": "随机采样",
    "dropout": "暂退法",
    "training": "训练",
    "parameters": "参数",
    "layer": "层",
    "prefix": "前缀",
    "sample": "样本",
    "loss": "损失",
    "unit": "单元",
    "prediction": "预测",
    "overfitting": "过拟合",
    "exploding gradients": "梯度爆炸",
    "vanishing gradients": "梯度消失",
}
TERMS = STRICT | LOOSE


def term(english: str, lang: str | None = None) -> str:
    """A glossary term in ``lang`` (default: the active one); in Chinese, with the English beside it: 困惑度 (perplexity)."""
    if (lang or active()) != "zh":
        return english
    return f"{TERMS[english]} ({english})"
