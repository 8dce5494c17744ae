"""Texts of Shannon's guessing game (see catalogue/__init__.py): charlm/shannon.py's refusals and the lines that
``python -m charlm shannon`` prints (shannon.*)."""

TEXTS: dict[str, tuple[str, str]] = {
    # -- refusals ---------------------------------------------------------------------------------------------------
    "shannon.bidirectional": (
        "this model is bidirectional: its prediction of each character has already read that character (and the text "
        "after it), so it has nothing left to guess. Play the guessing game with a model that reads left to right.",
        "这个模型是双向的：它对每个字符的预测已经读过这个字符（以及它后面的文本），所以无字可猜。请用从左到右读的模型来玩猜字游戏。",
    ),
    "shannon.too_short": (
        "the guessing game needs at least two characters, not {chars}: the first is given, and each one after it is "
        "guessed",
        "猜字游戏至少需要两个字符，而这里只有 {chars} 个：第一个字符是给定的，它之后的每个字符才要猜",
    ),
    "shannon.unknown_chars": (
        "the text has characters this model's vocabulary lacks: {chars}. A model cannot guess a character it does not "
        "know: remove or replace them, or prepare the text as the model's training text was (its vocabulary holds "
        "{size} characters: {known})",
        "文本中有这个模型的词表里没有的字符：{chars}。模型猜不出它不认识的字符：请删除或替换它们，"
        "或者像处理模型的训练文本那样处理这段文本（它的词表有 {size} 个字符：{known}）",
    ),
    "shannon.no_guesses": (
        "no guess counts were given: write how many guesses each character took, in order, e.g. 3,1,1,2",
        "没有给出猜测次数：请按顺序写出每个字符猜了几次，例如 3,1,1,2",
    ),
    "shannon.bad_guesses": (
        "a guess count is a whole number ≥ 1 (how many guesses a character took; 1 = right first time), not {values}",
        "猜测次数必须是 ≥ 1 的整数（猜中一个字符用了几次；1 = 第一次就猜中），而不是 {values}",
    ),
    "shannon.too_many_guesses": (
        "{count:,} guess counts for a text of {chars:,} characters: only {predicted:,} are guessed (the first is "
        "given). Give at most {predicted:,}, one for each character after the first, in order.",
        "给出了 {count:,} 个猜测次数，但这段 {chars:,} 个字符的文本只需要猜 {predicted:,} 个（第一个是给定的）。"
        "请最多给出 {predicted:,} 个，按顺序对应第一个字符之后的每个字符。",
    ),
    # -- what the command prints ------------------------------------------------------------------------------------
    "shannon.checkpoint": ("checkpoint {name}: {model}", "检查点 {name}：{model}"),
    "shannon.played": (
        "{chars:,} characters: the model guessed the {predicted:,} after the first, each knowing all the text before it",
        "共 {chars:,} 个字符：模型猜了第一个之后的 {predicted:,} 个，每次都知道它前面的全部文本",
    ),
    "shannon.columns": ("guesses     model", "猜测次数      模型"),
    "shannon.columns_both": ("guesses     model       you", "猜测次数      模型        你"),
    "shannon.model_bounds": (
        "the model: upper bound {upper:.3f}, lower bound {lower:.3f} bits per character (Shannon 1951); its "
        "cross-entropy: {bpc:.3f} bits per character",
        "模型：上界 {upper:.3f}，下界 {lower:.3f}（每字符比特数，Shannon 1951）；它的交叉熵：{bpc:.3f}（每字符比特数）",
    ),
    "shannon.human_bounds": (
        "you, on the first {count:,} characters guessed: upper bound {upper:.3f}, lower bound {lower:.3f} bits per "
        "character; the model on the same characters: upper bound {model_upper:.3f}, lower bound {model_lower:.3f}",
        "你在猜过的前 {count:,} 个字符上：上界 {upper:.3f}，下界 {lower:.3f}（每字符比特数）；"
        "模型在同样这些字符上：上界 {model_upper:.3f}，下界 {model_lower:.3f}",
    ),
}
