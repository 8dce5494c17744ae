"""charlm: character-level recurrent language models from one from-scratch cell library.

The modules, in the order data flows through them:
    cells    the RNN, GRU, LSTM and peephole LSTM cells, written as their equations
    bptt     their derivatives, by hand: backpropagation through time for the scratch engine
    layers   stacked, bidirectional layers over the cells: drop-ins for torch.nn.RNN/GRU/LSTM
    vocab    characters ↔ ids
    model    CharLM: encoding → recurrent stack → head; checkpoints (safetensors, Hugging Face Hub)
    corpora, data      the texts (downloaded, verified, cached) and their batches
    train    the training loop, as a stream of typed events
    inspection, memory   looking inside: gates, units, the hidden state's path, ablation; connectivity, memory
             span and gradients through time (how far back a prediction looks)
    run      a run put together in one place: RunSpec → corpus, dataset, model, trainer; provenance
    remote   a run trained in another process (a ZeroGPU worker), its weights sent back every epoch
    ui       the web app's tabs (gradio; app.py builds them)
    device   CUDA, then Apple MPS, else the CPU
    errors   the errors a user can act on
"""

__version__ = "0.2.0"  # the package's (pyproject.toml reads it), `charlm --version`, and every checkpoint's provenance

from .device import pick_device
from .errors import CharLMError, CheckpointError
from .layers import GRU, LSTM, RNN, PeepholeLSTM, RecurrentLayer, to_torch
from .model import CharLM, CharLMConfig
from .vocab import Vocab

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "CharLM",
    "CharLMConfig",
    "CharLMError",
    "CheckpointError",
    "PeepholeLSTM",
    "RecurrentLayer",
    "Vocab",
    "pick_device",
    "to_torch",
]
