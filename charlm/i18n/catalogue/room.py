"""Rooms: a run shared with a lecture's room (charlm/ui/rooms.py), its owner's panel and the Room tab."""

TEXTS = {
    "room.tab": ("Room", "课堂"),
    # the owner's side, in the Train tab
    "room.share": ("Share with the room", "分享给课堂"),
    "room.code": ("Room code", "课堂代码"),
    "room.close": ("Close the room", "关闭课堂"),
    "room.fold": ("Hide / show the QR code", "隐藏/显示二维码"),
    "room.join_at": ("Scan the code with a phone, or open <strong>{address}</strong> and type the room code.",
                     "用手机扫描二维码，或打开 <strong>{address}</strong> 并输入课堂代码。"),  # HTML: under the QR code
    "room.shared": ("Room {code} is open: it follows this run, and your next ones, until you close it.",
                    "课堂 {code} 已开启：它会跟随这次训练以及你之后的训练，直到你关闭它。"),
    "room.already_open": ("Your room is open already: {code}. You have one room; it shows each of your runs.",
                          "你的课堂已经开启：{code}。每人只有一个课堂，它会显示你的每一次训练。"),
    "room.followers": ("{followers} following", "{followers} 人正在跟随"),
    "room.closed_now": ("Room {code} is closed. Your run and your model are as they were.",
                        "课堂 {code} 已关闭。你的训练和模型保持不变。"),
    "room.none_to_close": ("You have no open room to close.", "你没有可关闭的课堂。"),
    "room.no_run": ("There is no run to share yet: press Start, then share it (a finished run can be shared too).",
                    "还没有可分享的训练：请先点击“开始训练”，再分享（训练结束后也可以分享）。"),
    # the follower's side: the Room tab
    "room.join_code": ("Room code (on the projector)", "课堂代码（见投影）"),
    "room.join": ("Follow", "跟随"),
    "room.leave": ("Leave the room", "离开课堂"),
    "room.keep_copy": ("Keep a copy of the room's model", "保存课堂模型的副本"),
    "room.help": (
        "A lecturer shares a run from the Train tab; type its code here, or scan its QR code, to watch it train live. "
        "While you follow a room, Generate and Inspect use the room's model, with your own prefix, temperature and "
        "text. Following takes no training slot, and nothing you do here stops the run: only its owner can.",
        "讲师在“训练”页分享一次训练；在这里输入课堂代码，或扫描二维码，即可实时观看训练过程。跟随课堂时，“生成”和“查看”"
        "使用课堂的模型，而前缀、温度和文本由你自己决定。跟随课堂不占用训练名额，你在这里的任何操作都不会停止训练：只有它的"
        "主人可以。",
    ),
    "room.following": ("**Room {code}** · {followers} following · {name}",
                       "**课堂 {code}** · {followers} 人正在跟随 · {name}"),
    "room.model_waits": ("the room's model comes after the run's first epoch", "课堂的模型将在训练的第一个迭代周期后可用"),
    "room.model_name": ("room {code}'s model (run {name}, after epoch {epoch})",
                        "课堂 {code} 的模型（训练 {name}，第 {epoch} 个迭代周期后）"),
    "room.closed_line": ("**Room {code} is closed.** {why} Its last model stays your current model until you train or "
                         "load another.",
                         "**课堂 {code} 已关闭。** {why} 它最后的模型仍是你的当前模型，直到你训练或加载另一个。"),
    "room.left": ("You left room {code}. Its model stays your current model until you train or load another.",
                  "你已离开课堂 {code}。它的模型仍是你的当前模型，直到你训练或加载另一个。"),
    "room.not_following": ("You are not following a room: type a code and press Follow.",
                           "你没有在跟随课堂：请输入课堂代码并点击“跟随”。"),
    "room.copy_kept": ("Your own copy of room {code}'s model is your current model. Download it in the Models tab; "
                       "`python -m charlm train --resume DIR` trains it further.",
                       "课堂 {code} 模型的副本已成为你的当前模型。可在“模型”页下载它；"
                       "`python -m charlm train --resume DIR` 可以继续训练它。"),
    "room.no_model_yet": ("Room {code}'s model comes after its run's first epoch: try again in a few seconds.",
                          "课堂 {code} 的模型将在训练的第一个迭代周期后可用：请几秒后再试。"),
    "room.only_owner_stops": ("This run belongs to room {code}'s owner: only they can stop it. To train a model of your "
                              "own, press Start.",
                              "这次训练属于课堂 {code} 的主人：只有主人可以停止它。要训练你自己的模型，请点击“开始训练”。"),
    "room.only_owner_closes": ("Only the owner of room {code} can close it; you can leave it.",
                               "只有课堂 {code} 的主人可以关闭它；你可以离开它。"),
    # a code that does not lead to an open room
    "room.no_code": ("Type the room's code: 7 letters and digits, shown on the projector.",
                     "请输入课堂代码：投影上显示的 7 个字母和数字。"),
    "room.malformed": ("“{code}” is not a room code: a code has {length} letters and digits, with no 0, 1, I, L or O.",
                       "“{code}”不是课堂代码：课堂代码由 {length} 个字母和数字组成，不含 0、1、I、L 和 O。"),
    "room.unknown": ("There is no room {code} on this server. Check the code on the projector.",
                     "此服务器上没有课堂 {code}。请核对投影上的代码。"),
    "room.closed_by_owner": ("Room {code} was closed by its owner.", "课堂 {code} 已被它的主人关闭。"),
    "room.expired": ("Room {code} has closed: a room closes {minutes} minutes after its last run ended.",
                     "课堂 {code} 已关闭：课堂会在最后一次训练结束 {minutes} 分钟后关闭。"),
    "room.owner_left": ("Room {code} has closed: its owner has left.", "课堂 {code} 已关闭：它的主人已经离开。"),
    # the queue for training
    "room.queue": ("You are number {place} in the queue for training (training now: {running}; at most {slots} at a "
                   "time): about {wait} to wait, from the time limits of the runs ahead.",
                   "你在训练队列中排第 {place} 位（正在训练 {running} 次，最多同时 {slots} 次）：根据前面训练的时间限制，"
                   "大约还要等 {wait}。"),
    "room.queue_follow": ("Meanwhile, follow room [{code}](?room={code}), which is training on the projector (in a new "
                          "tab: this one keeps your place).",
                          "等待期间，可以跟随正在投影上训练的课堂 [{code}](?room={code})"
                          "（在新标签页中打开，本页保留你的位置）。"),
    "room.minutes": ("{minutes} min", "{minutes} 分钟"),
    "room.seconds": ("{seconds} s", "{seconds} 秒"),
}
