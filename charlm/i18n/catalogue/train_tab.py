"""The Train tab: presets, the corpus, the model and training options, Start and Stop, the live plot, the status."""

TEXTS = {
    "train.tab": ("Train", "训练"),
    "train.start": ("Start training", "开始训练"),
}
