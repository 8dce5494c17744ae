"""Texts of charlm's data (see catalogue/__init__.py): the corpora (their titles, notes and recipes, and what can go
wrong fetching or reading one), the user's own text, the split, the vocabulary, token files and provenance."""

TEXTS = {
    # -- the named corpora: titles, notes, recipes (corpora.CORPORA and RECIPE_NOTES hold the same English) --------
    "data.title.timemachine": ("The Time Machine (H. G. Wells)", "《时间机器》（The Time Machine，H. G. 威尔斯）"),
    "data.title.jaychou": ("Jay Chou lyrics (周杰伦歌词)", "周杰伦歌词"),
    "data.title.moliere": ("Molière, Œuvres complètes", "莫里哀全集（Molière, Œuvres complètes）"),
    "data.title.tinyshakespeare": ("Tiny Shakespeare", "Tiny Shakespeare（莎士比亚戏剧选段）"),
    "data.note.timemachine": (
        "Public domain; 179 KB. The d2l book's corpus: its recipe keeps lower-case letters and spaces.",
        "公有领域；179 KB。《动手学深度学习》（d2l）所用的语料：书中的预处理只保留小写字母和空格。",
    ),
    "data.note.jaychou": (
        "Lyrics under copyright: downloaded at run time, never redistributed; 63,282 characters.",
        "歌词受版权保护：运行时才下载，从不再分发；共 63,282 个字符。",
    ),
    "data.note.moliere": (
        "Public domain (Project Gutenberg volumes); 1.8 MB.",
        "公有领域（古登堡计划的各卷）；1.8 MB。",
    ),
    "data.note.tinyshakespeare": (
        "Public domain; 1.1 MB. The char-rnn / nanoGPT reference corpus.",
        "公有领域；1.1 MB。char-rnn 和 nanoGPT 的参考语料。",
    ),
    "data.recipe.timemachine_d2l": (
        "as in d2l.ai 1.0, lower-case letters and one space for each run of anything else",
        "与 d2l.ai 1.0 相同，只保留小写字母，其余字符每连续一段换成一个空格",
    ),
    "data.recipe.timemachine_d2l_017": (
        "as in the d2l book's 0.17 edition, lower-case letters and spaces line by line, the lines run together so "
        "that the words at line ends are glued",
        "与 d2l 书 0.17 版相同，逐行只保留小写字母和空格，再把各行直接首尾相接，于是行末的单词与下一行的首词粘在一起",
    ),
    "data.recipe.jaychou_d2l": (
        "as in the Chinese d2l book, newlines to spaces and the first 10,000 characters",
        "与中文版 d2l 书（《动手学深度学习》）相同，换行符换成空格，取前 10,000 个字符",
    ),
    "data.your_text": ("Your text", "你的文本"),
    "data.describe": (
        "{title}: {chars:,} characters, {distinct:,} distinct",
        "{title}：{chars:,} 个字符，{distinct:,} 种不同字符",
    ),
    "data.preprocessing": ("{recipe} preprocessing: {note}", "{recipe} 预处理：{note}"),
    "data.raw_characters": ("raw characters", "原始字符"),
    # -- fetching a named corpus ------------------------------------------------------------------------------------
    "data.no_such_corpus": (
        "there is no corpus named {name!r}. The corpora are: {names}",
        "没有名为 {name!r} 的语料。可用的语料有：{names}",
    ),
    "data.no_such_recipe": (
        "the corpus {name!r} has no recipe {recipe!r}. It offers: {recipes}",
        "语料 {name!r} 没有预处理方法 {recipe!r}。它提供的有：{recipes}",
    ),
    "data.folder_missing": ("that folder does not exist", "该文件夹不存在"),
    "data.file_missing": ("there is no such file", "其中没有这个文件"),
    "data.not_in_folder": (
        "the corpus {name!r} should be the file {filename} in {folder}, but {missing}. That folder comes from "
        "--data-dir or the {env} environment variable: put {filename} there (download it from {url}), or unset them "
        "to download it automatically.",
        "语料 {name!r} 应是 {folder} 中的文件 {filename}，但{missing}。该文件夹来自 --data-dir 或环境变量 {env}："
        "请把 {filename} 放到那里（从 {url} 下载），或取消这两项设置，让 charlm 自动下载。",
    ),
    "data.folder_checksum": (
        "{path} does not match the SHA-256 of the corpus {name!r}: expected {expected}, got {actual}. The file is "
        "damaged or a different version: replace it with the one from {url}.",
        "{path} 与语料 {name!r} 的 SHA-256 不符：应为 {expected}，实为 {actual}。该文件已损坏或版本不同："
        "请换成 {url} 上的文件。",
    ),
    "data.embedded_checksum": (
        "charlm's own copy of the corpus '{name}' ({path}) is damaged: its SHA-256 is {actual}, not {expected}. "
        "Reinstall charlm, or put the corpus in a folder and point CHARLM_DATA_DIR at it.",
        "charlm 自带的语料“{name}”（{path}）已损坏：其 SHA-256 为 {actual}，而不是 {expected}。"
        "请重新安装 charlm，或把语料放进一个文件夹，并让 CHARLM_DATA_DIR 指向它。",
    ),
    "data.download_failed": (
        "the corpus {name!r} could not be downloaded from {url} ({reason}). Connect to the internet and try again, "
        "or put {filename} in a folder and point {env} or --data-dir at it.",
        "无法从 {url} 下载语料 {name!r}（{reason}）。请连接网络后重试，或把 {filename} 放进一个文件夹，"
        "再用 {env} 或 --data-dir 指向它。",
    ),
    "data.download_error": (
        "the corpus {name!r} could not be downloaded from {url}: {error}",
        "无法从 {url} 下载语料 {name!r}：{error}",
    ),
    "data.download_checksum": (
        "the download of {name!r} from {url} does not match its SHA-256: expected {expected}, got {actual}. It was "
        "deleted; nothing was cached. The server may have sent a damaged or different file: try again later, or put "
        "a good copy of {filename} in a folder and point {env} or --data-dir at it.",
        "从 {url} 下载的 {name!r} 与其 SHA-256 不符：应为 {expected}，实为 {actual}。下载的文件已删除，缓存中没有留下"
        "任何文件。服务器发来的文件可能已损坏或版本不同：请稍后重试，或把一份完好的 {filename} 放进一个文件夹，"
        "再用 {env} 或 --data-dir 指向它。",
    ),
    "data.cache_unwritable": (
        "the corpus {name!r} could not be saved in the cache folder {folder} ({error}). Point {env} at a folder you "
        "can write to.",
        "无法把语料 {name!r} 保存到缓存文件夹 {folder}（{error}）。请让 {env} 指向一个你有写权限的文件夹。",
    ),
    "data.reason_http": ("the server answered HTTP {status} {reason}", "服务器返回 HTTP {status} {reason}"),
    "data.reason_timeout": ("the server did not answer in time", "服务器未能及时响应"),
    "data.reason_connection": (
        "no connection: offline, or the server refused or dropped it",
        "无法连接：网络已断开，或服务器拒绝或中断了连接",
    ),
    "data.reason_cut_short": (
        "the connection broke off before the whole file arrived",
        "文件还没有完整收到，连接就断了",
    ),
    "data.bad_zip": ("{path} is not a zip holding {member}: {error}", "{path} 不是包含 {member} 的 zip 文件：{error}"),
    # -- the user's own text ----------------------------------------------------------------------------------------
    "data.pasted_text": ("the pasted text", "粘贴的文本"),
    "data.file": ("{name}", "文件“{name}”"),
    "data.uploaded_file": ("the uploaded file", "上传的文件"),
    "data.upload_cap_invalid": (
        "{env} must be a number of megabytes above 0, such as 5, not {value!r}",
        "{env} 必须是大于 0 的兆字节数（例如 5），而不是 {value!r}",
    ),
    "data.size_bytes": ("{n:,} bytes", "{n:,} 字节"),
    "data.size_characters": ("{n:,} characters", "{n:,} 个字符"),
    "data.too_large": (
        "{what} is {size}, over the limit of {limit}. Use a shorter text, or raise the limit.",
        "{what}共 {size}，超过了上限 {limit}。请换一段更短的文本，或提高上限。",
    ),
    "data.too_large_env": (
        "{what} is {size}, over the limit of {limit}. Use a shorter text, or raise the limit with the {env} "
        "environment variable (megabytes).",
        "{what}共 {size}，超过了上限 {limit}。请换一段更短的文本，或用环境变量 {env}（单位：兆字节）提高上限。",
    ),
    "data.unit_bytes": ("bytes", "字节"),
    "data.unit_characters": ("characters", "字符"),
    "data.nul": (
        "{what} contains NUL {unit}: it looks like a binary file (an image, a zip, a PDF, a Word document), not "
        "plain text. Save it as a plain-text UTF-8 file (.txt).",
        "{what}含有 NUL {unit}：它看起来是二进制文件（图片、zip、PDF、Word 文档），而不是纯文本。"
        "请把它另存为 UTF-8 编码的纯文本文件（.txt）。",
    ),
    "data.controls": (
        "{count:,} of the {total:,} {unit} of {what} are control characters (more than {fraction:.0%}): it looks "
        "like a binary file (an image, a zip, a PDF), not plain text. Save it as a plain-text UTF-8 file (.txt).",
        "{what}的 {total:,} 个{unit}中有 {count:,} 个是控制字符（超过 {fraction:.0%}）：它看起来是二进制文件"
        "（图片、zip、PDF），而不是纯文本。请把它另存为 UTF-8 编码的纯文本文件（.txt）。",
    ),
    "data.empty": ("{what} is empty. Give some text to train on.", "{what}是空的。请提供一些用来训练的文本。"),
    "data.empty_file": (
        "{what} is empty (0 bytes). Give some text to train on.",
        "{what}是空的（0 字节）。请提供一些用来训练的文本。",
    ),
    "data.whitespace": (
        "{what} holds only whitespace ({chars:,} characters). Give some text to train on.",
        "{what}只有空白字符（{chars:,} 个）。请提供一些用来训练的文本。",
    ),
    "data.too_short": (
        "{what} has {chars} character; a model needs at least {need} to learn which follows which. Give a longer text.",
        "{what}只有 {chars} 个字符；模型至少需要 {need} 个字符，才能学到哪个字符跟在哪个后面。请提供更长的文本。",
    ),
    "data.not_a_string": ("{what} must be a string, not {type}", "{what}必须是字符串，而不是 {type}"),
    "data.utf16": (
        "{what} is UTF-16 text (Windows often calls it 'Unicode'); charlm reads UTF-8. Save it again with the "
        "encoding UTF-8 and upload it again.",
        "{what}是 UTF-16 编码的文本（Windows 常称之为“Unicode”），而 charlm 读取的是 UTF-8。"
        "请以 UTF-8 编码重新保存，再上传一次。",
    ),
    "data.not_utf8": (
        "{what} is not UTF-8 text: decoding failed at byte {at:,} (0x{byte:02x}) of {total:,}. It may be in another "
        "encoding such as Latin-1 or Windows-1252: save it again with the encoding UTF-8 and upload it again.",
        "{what}不是 UTF-8 文本：在全部 {total:,} 字节中的第 {at:,} 字节（0x{byte:02x}）处解码失败。它可能用的是别的"
        "编码，例如 Latin-1 或 Windows-1252：请以 UTF-8 编码重新保存，再上传一次。",
    ),
    "data.unreadable": ("could not read {path}: {error}. Check the path.", "无法读取 {path}：{error}。请检查路径。"),
    # -- the split and the batches ----------------------------------------------------------------------------------
    "data.valid_fraction": (
        "the validation fraction must be between 0 and 0.5, not {value!r}",
        "验证集所占比例必须在 0 与 0.5 之间，而不是 {value!r}",
    ),
    "data.split_too_short": (
        "the text has {chars:,} characters: too few to keep {fraction:.0%} for validation. Use a longer text.",
        "文本只有 {chars:,} 个字符，太少，留不出 {fraction:.0%} 用于验证。请使用更长的文本。",
    ),
    "data.batch_size": ("batch size", "批量大小"),
    "data.num_steps": ("number of steps", "时间步数"),
    "data.batch_too_long": (
        "the training split has {chars:,} characters, but a batch of {batch_size} × {num_steps} steps needs at least "
        "{need:,}. Use a longer text, or a smaller batch size or fewer steps.",
        "训练集有 {chars:,} 个字符，但一个 {batch_size} × {num_steps} 步的批量至少需要 {need:,} 个。"
        "请使用更长的文本，或减小批量大小、减少时间步数。",
    ),
    "data.sampling": (
        "sampling must be 'random' or 'sequential', not {value!r}",
        "采样方式必须是 'random' 或 'sequential'，而不是 {value!r}",
    ),
    # -- the vocabulary ---------------------------------------------------------------------------------------------
    "data.vocab_starts_with_unk": (
        "a vocabulary starts with {unk!r}, then one entry per character",
        "词表以 {unk!r} 开头，其后每个字符各占一项",
    ),
    "data.vocab_twice": ("the vocabulary lists these tokens twice: {tokens!r}", "词表中这些词元出现了两次：{tokens!r}"),
    "data.vocab_not_characters": (
        "vocabulary entries after {unk!r} must be single characters, not {entries!r}",
        "词表中 {unk!r} 之后的每一项都必须是单个字符，而不是 {entries!r}",
    ),
    "data.vocab_too_large": (
        "a vocabulary of {size:,} characters is more than a token file holds (65,536)",
        "{size:,} 个字符的词表超出了词元文件能容纳的上限（65,536）",
    ),
    # -- token files ------------------------------------------------------------------------------------------------
    "data.tokens_reused": ("token file re-used: {path}", "复用词元文件：{path}"),
    "data.tokens_made": ("token file made: {path}", "已生成词元文件：{path}"),
    "data.tokens_made_again": ("token file made again ({why}): {path}", "已重新生成词元文件（{why}）：{path}"),
    "data.tokens_format": ("format {found}, not {expected}", "格式为 {found}，而不是 {expected}"),
    "data.tokens_header_unreadable": ("its header is unreadable", "文件头无法读取"),
    "data.tokens_text_changed": ("the text changed", "文本变了"),
    "data.tokens_split_changed": ("another validation split", "验证集的划分不同"),
    "data.tokens_vocab_changed": ("another vocabulary", "词表不同"),
    "data.tokens_truncated": (
        "truncated: {size:,} bytes of {expected:,}",
        "文件不完整：只有 {size:,} 字节，应有 {expected:,} 字节",
    ),
    "data.tokens_counting": ("counting characters", "统计字符"),
    "data.tokens_encoding": ("encoding", "编码"),
    # -- provenance: a user's text file, checked again --------------------------------------------------------------
    "data.text_not_kept": (
        "this checkpoint was trained on a pasted or uploaded text that was not kept: give the text again with "
        "--text-file",
        "这个检查点是在粘贴或上传的文本上训练的，而该文本没有保留下来：请用 --text-file 再次提供该文本",
    ),
    "data.text_file_gone": (
        "this checkpoint was trained on {path}, which is no longer there (moved or deleted): give the file's new "
        "place with --text-file",
        "这个检查点是在 {path} 上训练的，但该文件已不在原处（被移动或删除）：请用 --text-file 给出它的新位置",
    ),
    "data.text_file_changed": (
        "{path} has changed since this checkpoint was trained on it (its SHA-256 was {was}…, now {now}…): figures on "
        "it would not compare with the model card's. Give --text-file explicitly to evaluate on the file as it is now",
        "{path} 在这个检查点训练之后被修改过（其 SHA-256 原为 {was}…，现为 {now}…）：在它上面算出的数值无法与"
        "模型卡片中的数值相比。若要在该文件的当前版本上评估，请明确给出 --text-file",
    ),
}
