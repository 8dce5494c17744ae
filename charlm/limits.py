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

    def check_training(self, config: TrainConfig) -> None:
        if config.epochs > self.max_epochs:
            raise CharLMError("errors.cap_epochs", epochs=config.epochs, cap=self.max_epochs)

    def check_generation(self, length: int, samples: int) -> None:
        if length > self.max_generate or samples > self.max_samples:
            raise CharLMError("errors.cap_generation", samples=self.max_samples, length=self.max_generate)
