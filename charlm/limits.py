"""Caps for a shared server: how big a model, how long a run, how many at once.

Each comes from an environment variable, with a default that suits a free 2-vCPU Hugging Face Space
visited by many people at once. A lecturer on their own laptop can raise them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import CharLMError
from .model import CharLMConfig
from .train import TrainConfig


@dataclass(frozen=True)
class Limits:
    max_hidden: int = 512  # CHARLM_MAX_HIDDEN: units per layer
    max_layers: int = 3  # CHARLM_MAX_LAYERS
    max_parameters: int = 5_000_000  # CHARLM_MAX_PARAMETERS: 20 MB of float32
    max_epochs: int = 500  # CHARLM_MAX_EPOCHS: the d2l book's runs are 500 epochs of 10,000 characters
    max_seconds: float = 600.0  # CHARLM_MAX_SECONDS: one training run's wall time, then it stops and keeps its best
    max_trainings: int = 2  # CHARLM_MAX_TRAININGS: runs training at once; later ones wait in a queue
    max_generate: int = 2000  # CHARLM_MAX_GENERATE: characters per sample
    max_samples: int = 5  # CHARLM_MAX_SAMPLES: samples per request
    max_inspect: int = 1000  # CHARLM_MAX_INSPECT: characters traced at once
    max_prefix: int = 1000  # CHARLM_MAX_PREFIX: characters a sample starts from (the model reads all of them first)
    # CHARLM_MAX_BATCH_TOKENS: characters per minibatch (batch size × steps); every preset fits (the largest, 12,800).
    # Memory grows with it: 100,000 × 35 on a 3 × 512 LSTM would ask for tens of GB.
    max_batch_tokens: int = 16_384
    # CHARLM_MAX_BATCH_SCORES: a minibatch's characters × the vocabulary, the scores (and one-hot inputs) a step
    # holds; 50 M is 200 MB a copy, and Jay Chou's raw lyrics (2,584 characters) fit at the largest batch.
    max_batch_scores: int = 50_000_000
    # CHARLM_MAX_INPUT_SIZE: the Cells tab's inputs per step, a one-hot vocabulary or an embedding; the app's largest
    # vocabulary is Jay Chou's raw lyrics' 2,584.
    max_input_size: int = 4096
    # CHARLM_MAX_VALID_CHARS: validation characters per epoch (a run validates before its time limit starts and after
    # it ends; Tiny Shakespeare's whole split through a 3 × 288 bidirectional peephole LSTM took a minute and more).
    max_valid_chars: int = 20_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            var = f"CHARLM_{f.name.upper()}"
            raw = environ.get(var, "").strip()
            if not raw:
                continue
            kind = float if f.type == "float" else int
            try:
                value = kind(raw)
            except ValueError:
                value = 0
            if not value > 0:
                if kind is float:
                    raise CharLMError("errors.env_positive_number", var=var, value=raw)
                raise CharLMError("errors.env_positive_whole", var=var, value=raw)
            values[f.name] = value
        return cls(**values)

    def check_model(self, config: CharLMConfig) -> None:
        """Refuse a model bigger than this server allows, saying which cap and how to lower it."""
        if config.hidden_size > self.max_hidden:
            raise CharLMError("errors.cap_hidden", hidden=config.hidden_size, cap=self.max_hidden)
        if config.num_layers > self.max_layers:
            raise CharLMError("errors.cap_layers", layers=config.num_layers, cap=self.max_layers)
        n = config.num_parameters()
        if n > self.max_parameters:
            raise CharLMError("errors.cap_parameters", n=n, cap=self.max_parameters)

    def check_layer(self, input_size: int, hidden_size: int, num_layers: int, parameters: int | None = None) -> None:
        """Refuse a recurrent stack bigger than this server allows (the Cells tab's, timed on the server): its inputs,
        units and layers, and ``parameters`` once it is built (on the meta device, where building takes no memory)."""
        if input_size > self.max_input_size:
            raise CharLMError("errors.cap_input", size=input_size, cap=self.max_input_size)
        if hidden_size > self.max_hidden:
            raise CharLMError("errors.cap_hidden", hidden=hidden_size, cap=self.max_hidden)
        if num_layers > self.max_layers:
            raise CharLMError("errors.cap_layers", layers=num_layers, cap=self.max_layers)
        if parameters is not None and parameters > self.max_parameters:
            raise CharLMError("errors.cap_layer_parameters", n=parameters, cap=self.max_parameters)

    def check_training(self, config: TrainConfig, vocab_size: int | None = None) -> None:
        """Refuse a run longer or hungrier than this server allows; ``vocab_size``, when known, caps a step's scores."""
        if config.epochs > self.max_epochs:
            raise CharLMError("errors.cap_epochs", epochs=config.epochs, cap=self.max_epochs)
        tokens = config.batch_size * config.num_steps
        if tokens > self.max_batch_tokens:
            raise CharLMError("errors.cap_batch", batch_size=config.batch_size, num_steps=config.num_steps,
                              tokens=tokens, cap=self.max_batch_tokens)  # fmt: skip
        if vocab_size is not None and tokens * vocab_size > self.max_batch_scores:
            raise CharLMError("errors.cap_batch_scores", tokens=tokens, vocab=vocab_size, scores=tokens * vocab_size,
                              cap=self.max_batch_scores)  # fmt: skip

    def check_generation(self, length: int, samples: int, prefix: str = "") -> None:
        if length > self.max_generate or samples > self.max_samples:
            raise CharLMError("errors.cap_generation", samples=self.max_samples, length=self.max_generate)
        if len(prefix) > self.max_prefix:
            raise CharLMError("errors.cap_prefix", chars=len(prefix), cap=self.max_prefix)
