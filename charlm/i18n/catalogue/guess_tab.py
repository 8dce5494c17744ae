"""The Guess tab: Shannon's guessing game against the current model (charlm/ui/guess_tab.py)."""

TEXTS = {
    "guess.tab": ("Guess", "猜字"),
    "guess.intro": ("**Shannon's guessing game.** Read the passage, then guess the next character.",
                    "**香农猜字游戏。** 先读一段文字，再猜下一个字符。"),
    "guess.how": (
        "A wrong guess is counted and you try again, as Shannon's readers did in 1951. The model plays the same "
        "characters: its number of guesses is the character's rank in its prediction. From how many guesses each "
        "character took come the bounds on the entropy, in bits per character, the same unit as the Train tab's plot.",
        "猜错会被记下，然后再猜，就像 1951 年香农的读者那样。模型也猜同样的字符：它需要猜的次数就是该字符在其预测中的"
        "名次。由每个字符猜了几次，可以得出熵（每字符比特数）的上下界，与“训练”页图中的单位相同。",
    ),
    "guess.your_guess": ("Your guess", "你的猜测"),
    "guess.go": ("Guess", "猜"),
    "guess.give_up": ("Give up", "放弃"),
    "guess.new": ("New passage", "换一段文字"),
    "guess.own_passage": ("Your own passage", "使用你自己的文字"),
    "guess.own_label": ("A passage of your own: its first characters (up to 100) are read, the next 20 guessed",
                        "你自己的文字：前面的字符（最多 100 个）用来阅读，接下来的 20 个用来猜"),
    "guess.play_own": ("Play this passage", "用这段文字来玩"),
    "guess.start": ("Your turn: what comes next?", "轮到你了：下一个字符是什么？"),
    "guess.left": ("{left} characters to guess (type ⏎ for a line break).", "还要猜 {left} 个字符（换行请输入 ⏎）。"),
    "guess.over": ("The round is over: your guesses and the model's are compared below.",
                   "本轮结束：下面比较你和模型的猜测。"),
    "guess.wrong": ("Not “{typed}” ({count} wrong so far): try again.", "不是“{typed}”（已猜错 {count} 次）：再试一次。"),
    "guess.you": ("you needed {count}", "你猜了 {count} 次"),
    "guess.you_gave_up": ("you gave up (counted as {most}, the most it could take)",
                          "你放弃了（按最多可能的 {most} 次计）"),
    "guess.found": ("“{char}”: {you}; the model needed {rank} (it gave it a probability of {probability:.1%}).",
                    "“{char}”：{you}；模型猜了 {rank} 次（它给这个字符的概率是 {probability:.1%}）。"),
    "guess.round_over": ("There is no character to guess: press New passage to play a round.",
                         "现在没有要猜的字符：请点击“换一段文字”开始新的一轮。"),
    "guess.empty": ("Type one character, then press Guess (a space counts: it is a character too).",
                    "请输入一个字符，再点击“猜”（空格也算一个字符）。"),
    "guess.several": ("“{typed}” is {count} characters: guess one character at a time.",
                      "“{typed}”有 {count} 个字符：每次只猜一个字符。"),
    "guess.unknown": ("“{typed}” is not a character the model knows, so it cannot be the next one: its vocabulary "
                      "comes from its corpus (this one may be lower-case only).",
                      "“{typed}”不在模型的词表中，所以不可能是下一个字符：词表来自它的语料（这个语料可能只有小写字母）。"),
    "guess.again": ("You already tried “{typed}” for this character.", "这个字符你已经猜过“{typed}”了。"),
    "guess.text_not_kept": ("This model was trained on a text of your own that the app no longer holds (it keeps the "
                            "texts of this session's last runs): type a passage of your own below.",
                            "这个模型是在你自己的文本上训练的，而应用已不再保存该文本（它只保存本次会话最近几次训练的文本）："
                            "请在下面输入你自己的一段文字。"),
    "guess.short_validation": ("The model's validation text has only {chars} characters, too few for a round: type a "
                               "passage of your own.",
                               "模型的验证文本只有 {chars} 个字符，不够一轮：请输入你自己的文字。"),
    "guess.histogram_title": ("How many guesses each character took", "每个字符猜了几次"),
    "guess.bounds_title": ("Entropy bounds, bits per character", "熵的上下界（每字符比特数）"),
    "guess.player_you": ("you", "你"),
    "guess.player_model": ("the model", "模型"),
    "guess.cross_entropy": ("the model's cross-entropy", "模型的交叉熵"),
    "guess.shannon_range": ("Shannon's readers: 0.6–1.3", "香农的读者：0.6–1.3"),
    "guess.bounds_hover": ("lower {lower:.2f}, upper {upper:.2f} bits per character",
                           "下界 {lower:.2f}，上界 {upper:.2f} 每字符比特数"),
    "guess.guesses_axis": ("guesses", "猜测次数"),
    "guess.characters_axis": ("characters", "字符数"),
    "guess.bits_axis": ("bits per character", "每字符比特数"),
    "guess.caption": (
        "**How to read it.** Above: how many of the {chars} characters took 1, 2, 3, … guesses, for you and for the "
        "model (its rank). Below: each player's bounds on the entropy of this passage, from those counts alone — "
        "yours: lower {lower:.2f}, upper {upper:.2f} bits per character; the model's: lower {model_lower:.2f}, upper "
        "{model_upper:.2f} (Shannon's bounds assume fewer guesses are commoner than more; a round where they are not can "
        "put the lower above the upper) — with the "
        "model's cross-entropy (the Train tab's figure, which also uses how sure it was) and Shannon's range for "
        "English. Fewer guesses, lower bounds: the player who knows the text better. Given up: {gave_up} (each counted "
        "as {most} guesses). Twenty characters are a small sample: play a few rounds.",
        "**怎么看这张图。** 上：{chars} 个字符中有多少个猜了 1、2、3……次，分别是你和模型（它的名次）。下：仅由这些次数得出的"
        "本段文字熵的上下界（每字符比特数）——你的下界 {lower:.2f}、上界 {upper:.2f}，模型的下界 {model_lower:.2f}、上界 "
        "{model_upper:.2f}（香农的界假设猜的次数越少越常见；若某一轮并非如此，下界可能高于上界）"
        "——以及模型的交叉熵（“训练”页中的指标，它还用到了模型有多确定）和香农对英语的估计范围。猜的次数越少，界越低："
        "说明这一方更了解这段文字。放弃了 {gave_up} 次，每次按 {most} 次计。二十个字符的样本很小：多玩几轮。",
    ),
    # the room's round (a lecture: everyone plays the same passage; the projector shows the pooled bounds)
    "guess.room_start": ("Start a round for the room", "为课堂开始一轮"),
    "guess.no_room": ("Share a run with the room first (Train tab), then start the room's round here.",
                      "请先在“训练”页把一次训练分享给课堂，再在这里为课堂开始一轮。"),
    "guess.room_round": ("Room {code}'s passage, against the room's model: everyone in the room plays it. Your turn: "
                         "what comes next?",
                         "课堂 {code} 的文字，对手是课堂的模型：课堂里每个人都玩这一段。轮到你了：下一个字符是什么？"),
    "guess.room_waiting": ("Room {code}'s round has started: the room's guesses appear here as they come.",
                           "课堂 {code} 的一轮已经开始：大家的猜测会陆续显示在这里。"),
    "guess.room_pool": ("**Room {code}**: {players} players, {chars} characters guessed. The room's bounds: lower "
                        "{lower:.2f}, upper {upper:.2f} bits per character; the model's, over the same characters: lower "
                        "{model_lower:.2f}, upper {model_upper:.2f}.",
                        "**课堂 {code}**：{players} 人参与，共猜了 {chars} 个字符。课堂的界（每字符比特数）：下界 {lower:.2f}，"
                        "上界 {upper:.2f}；模型在同样字符上的界：下界 {model_lower:.2f}，上界 {model_upper:.2f}。"),
    "guess.player_room": ("the room ({players})", "课堂（{players} 人）"),
}
