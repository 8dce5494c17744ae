"""How far back a model looks: connectivity, memory span and gradients through time.

    c = connectivity(model, "the time traveller (for so it will be convenient ...")
    c.values[j - 1, t]       # how much input t moved the prediction of character j (Madsen 2019)
    c.profile(100)           # its average at each distance k = j − t, for k = 1 … 100
    c.span(100)              # the smallest k holding 90% of that profile: "it looks 23 characters back"
    g = gradient_through_time(model, text)
    g.norms[0, 0]            # ‖∂loss_T / ∂h_t‖ of layer 1 at every t: the vanishing gradient, measured
    m = measure(model, text) # all of it, and the same gradients for the architecture untrained, for pictures

**Connectivity** (Madsen 2019, "Visualizing memorization in RNNs", Distill): for the target
character j, the norm of the gradient of log p(x_j | x_<j) with respect to the input encoding of
each character t (its embedding vector, or its one-hot vector). One backward pass per target would
be slow (T passes for T targets), so it is one pass for many: the gates of a single forward pass
broadcast against a batch of gradients, one row per target, sent back through the hand-written
derivatives of ``charlm.bptt`` (``weights=False``: no weight gradients are formed). A target j
reaches back only to the characters before it, so one pass from the end of the text to its start
lets each target's row join at its own prediction: step t carries only the targets after it, T²/2
row-steps in all rather than T² (``python -m charlm bench``: 1.8 s for 300 characters of a 2 × 512 LSTM
on 2 cores of an AMD EPYC, where one autograd backward pass per target takes 23 s).

A bidirectional model's prediction of x_j has read the text to the right too, x_j itself included:
its connectivity has a right side, and its span measures only the left one.

**Gradients through time** (d2l, "Backpropagation Through Time"): ∂loss_T/∂h_t for the loss of the
last character, one autograd pass over the cells' own steps, which keeps every h_t; it carries
powers of W_hh, so for a vanilla RNN it shrinks (or grows) geometrically with the distance T − t.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .bptt import backward_of
from .errors import CharLMError
from .generate import evaluating
from .model import CharLM
from .provenance import Provenance

PICTURE_CHARS = 300  # what the app and the report measure: about 2 s for a 2 × 512 LSTM on 2 cores
MAX_CHARS = 1000  # connectivity costs about T²/2 backward row-steps: 1,000 characters is 11× the 300 of the app
DEFAULT_MAX_DISTANCE = 100  # K: the profile's distances 1 … K
SPAN_MASS = 0.9  # the span holds this share of the profile's mass
BLOCK = 48  # a bidirectional model's targets sent back together: a few MB of gradients per layer
# A gradient carried back this far has vanished for every picture: set to zero before it shrinks below float32's normal
# range (1.2e-38), where x86 CPUs compute on denormal numbers 10-100× slower. Connectivity of the untrained start-up
# architecture (2 × 512 LSTM) on 300 characters took 24.6 s on two threads and 48.8 s on one; 1.8 s and 2.8 s so, as the
# trained model takes (2-core Xeon). (torch.set_flush_denormal would reach only the calling thread, not torch's others.)
NEGLIGIBLE = 1e-30


def _check_text(model: CharLM, text: str, max_chars: int) -> torch.Tensor:
    if len(text) < 2:
        raise CharLMError("inspection.two_characters")
    if len(text) > max_chars:
        raise CharLMError("memory.too_long", chars=len(text), most=max_chars)
    return torch.tensor(model.vocab.encode(text), device=model.device)


def check_distance(max_distance: int, text_length: int) -> int:
    """K, checked against the text: a distance needs a target that far from the start."""
    if isinstance(max_distance, bool) or not isinstance(max_distance, int) or max_distance < 1:
        raise CharLMError("memory.bad_distance", value=max_distance)
    if max_distance > text_length - 1:
        raise CharLMError("memory.distance_too_long", k=max_distance, chars=text_length, most=text_length - 1)
    return max_distance


@dataclass
class Connectivity:
    """How much each input character moved each prediction."""

    text: str
    values: np.ndarray  # (T − 1, T): [j − 1, t] = ‖∂ log p(x_j | …) / ∂ e_t‖ for the target j = 1 … T − 1
    bidirectional: bool  # if so, row j − 1 also has values at t ≥ j: the model read the text to the right

    def profile(self, max_distance: int = DEFAULT_MAX_DISTANCE) -> np.ndarray:
        """(K,): the mean connectivity at distance k = j − t, for k = 1 … K, over every target j ≥ k."""
        K = check_distance(max_distance, len(self.text))
        j = np.arange(1, len(self.text))  # targets
        return np.array([self.values[j[k - 1 :] - 1, j[k - 1 :] - k].mean() for k in range(1, K + 1)])

    def span(self, max_distance: int = DEFAULT_MAX_DISTANCE, mass: float = SPAN_MASS) -> int:
        """The smallest distance k within which ``mass`` of the profile's total (k = 1 … K) lies."""
        return span_of(self.profile(max_distance), mass)


def span_of(profile: np.ndarray, mass: float = SPAN_MASS) -> int:
    cumulative = np.cumsum(profile)
    if cumulative[-1] <= 0:
        return 0  # the predictions depend on nothing before them
    return int(np.searchsorted(cumulative, mass * cumulative[-1] * (1 - 1e-12)) + 1)


@torch.no_grad()
def connectivity(model: CharLM, text: str, *, max_chars: int = MAX_CHARS) -> Connectivity:
    """The connectivity of every target character of ``text`` to every input (see the module's notes)."""
    ids = _check_text(model, text, max_chars)
    with evaluating(model):
        out, _, recording = model.rnn.record(model.encode_inputs(ids[:, None]))  # [layer][direction][name]: (T, 1, H)
        log_p = torch.log_softmax(model.head(out[:, 0]), dim=-1)  # (T, V)
    # ∂ log p(x_j) / ∂ logits = onehot(x_j) − softmax; through the head, to the top layer's output before x_j.
    d_logits = -log_p[:-1].exp()
    d_logits[torch.arange(len(ids) - 1), ids[1:]] += 1
    d_top = d_logits @ model.head.weight  # (T − 1, D·H): one row per target
    backward = _growing if model.rnn.num_directions == 1 else _in_blocks
    with denormals_flushed():
        values = backward(model.rnn, recording, d_top)
    return Connectivity(text, values, model.rnn.bidirectional)


@contextlib.contextmanager
def denormals_flushed():
    """Denormal numbers flushed to zero by this thread's CPU while it works (see NEGLIGIBLE): a bidirectional model's
    blocks run their steps inside ``charlm.bptt``, out of ``_growing``'s reach. It holds where torch runs on this one
    thread, as the app's model worker does: an untrained bidirectional 2 × 256 LSTM's connectivity on 300 characters,
    36.2 s on one core of the 2-core Xeon, 4.8 s so. The CPU's default (no flushing) is set back after."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def _growing(rnn, recording, d_top: torch.Tensor) -> np.ndarray:
    """Left to right only: one pass from the end of the text to its start, every layer at each step. Target
    j's row joins at step j − 1 (its prediction), so step t carries exactly the T − 1 − t targets after it."""
    T, H, zero = len(d_top) + 1, rnn.hidden_size, d_top.new_zeros(1, rnn.hidden_size)
    back, names = backward_of(rnn.cell), rnn.cell.state_names
    weights = [rnn._weights(layer, 0) for layer in range(rnn.num_layers)]
    d_state = [tuple(d_top.new_zeros(0, H) for _ in names) for _ in weights]  # per layer: (targets so far, H) each
    values = np.zeros((T - 1, T))
    for t in reversed(range(T - 1)):
        d_state = [tuple(torch.cat([zero, d]) for d in ds) for ds in d_state]  # target t + 1 joins, as row 0
        d_out = torch.cat([d_top[t : t + 1], d_top.new_zeros(T - 2 - t, H)])[None]  # (1, rows, H): only its own
        for layer in reversed(range(rnn.num_layers)):
            gates = recording[layer][0]
            saved = {k: v[t : t + 1] for k, v in gates.items()}  # step t, as one step's record
            state0 = tuple(gates[k][t - 1] if t else zero for k in names)  # the state step t started from
            d_xw, d_state[layer], _ = back(saved, state0, weights[layer], d_out, d_state[layer], weights=False)
            d_state[layer] = tuple(d.masked_fill_(d.abs() < NEGLIGIBLE, 0) for d in d_state[layer])  # no denormals
            d_out = d_xw @ weights[layer].weight_ih  # (1, rows, ·): to the layer below, or to the input encoding
        values[t:, t] = d_out[0].norm(dim=-1).double().cpu().numpy()
    return values


def _in_blocks(rnn, recording, d_top: torch.Tensor, block: int = BLOCK) -> np.ndarray:
    """Both directions: a block of targets at a time, each layer over the whole text (its right-to-left half
    carries gradients forward in time, so no step can be left out)."""
    T, D, H = len(d_top) + 1, rnn.num_directions, rnn.hidden_size
    back, names = backward_of(rnn.cell), rnn.cell.state_names
    values = np.zeros((T - 1, T))
    for first in range(0, T - 1, block):
        rows = torch.arange(first, min(T - 1, first + block), device=d_top.device)
        n = len(rows)
        d_out = d_top.new_zeros(T, n, D * H)
        d_out[rows, torch.arange(n)] = d_top[rows]  # each target's gradient at its prediction's position
        for layer in reversed(range(rnn.num_layers)):
            d_in = 0
            for direction in range(D):
                w = rnn._weights(layer, direction)
                saved, d = recording[layer][direction], d_out[..., direction * H : (direction + 1) * H]
                if direction:  # the derivatives run in the order the steps were taken: right to left
                    saved, d = {k: v.flip(0) for k, v in saved.items()}, d.flip(0)
                state0 = tuple(d_top.new_zeros(1, H) for _ in names)
                d_final = tuple(d_top.new_zeros(n, H) for _ in names)
                d_xw, _, _ = back(saved, state0, w, d, d_final, weights=False)  # (T, n, G·H)
                d_in = d_in + (d_xw.flip(0) if direction else d_xw) @ w.weight_ih
            d_out = d_in  # (T, n, ·): the layer below's outputs, or the input encodings
        values[first : first + n] = d_out.norm(dim=-1).t().double().cpu().numpy()
    return values


@dataclass
class GradientCurve:
    """‖∂loss_T / ∂h_t‖ for the loss of a text's last character, per layer and direction."""

    text: str
    norms: dict[tuple[int, int], np.ndarray]  # (layer, direction) → (T − 1,): at t = 0 … T − 2, input order
    clip: float | None = None  # the training's gradient-clipping threshold, when known

    def by_distance(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """The norms against k = T − 2 − t = 0, 1, …: k = 0 is the state that made the last prediction."""
        return self.norms[layer, direction][::-1]


def gradient_through_time(model: CharLM, text: str, *, max_chars: int = MAX_CHARS) -> GradientCurve:
    """∂loss/∂h_t for the loss of the last character of ``text``, every layer, direction and step t."""
    ids = _check_text(model, text, max_chars)
    rnn, cell = model.rnn, model.rnn.cell
    inputs = ids[:-1]  # the last character is only a target
    T, H = len(inputs), rnn.hidden_size
    with evaluating(model), torch.enable_grad():
        x = model.encode_inputs(inputs[:, None]).detach()  # (T, 1, E)
        kept: dict[tuple[int, int], list[torch.Tensor]] = {}
        for layer in range(rnn.num_layers):
            outputs = []
            for direction in range(rnn.num_directions):
                w = rnn._weights(layer, direction)
                xw = cell.project(x, w)
                state = tuple(x.new_zeros(1, H) for _ in cell.state_names)
                hs = [None] * T
                for t in reversed(range(T)) if direction else range(T):
                    state, _ = cell.step(xw[t], state, w)
                    hs[t] = state[0]
                kept[layer, direction] = hs
                outputs.append(torch.cat(hs))  # (T, H)
            x = torch.cat(outputs, dim=1)[:, None]  # (T, 1, D·H): the next layer's input
        loss = F.cross_entropy(model.head(x[-1]), ids[-1:])
        flat = [h for hs in kept.values() for h in hs]
        grads = torch.autograd.grad(loss, flat, allow_unused=True, materialize_grads=True)
    norms, k = {}, 0
    for key, hs in kept.items():
        norms[key] = torch.stack([g.norm() for g in grads[k : k + len(hs)]]).double().cpu().numpy()
        k += len(hs)
    return GradientCurve(text, norms, Provenance.of(model).training.config.get("clip") or None)


@dataclass
class Memory:
    """Everything this module measures on one text, for the app's and the report's pictures."""

    connectivity: Connectivity
    profile: np.ndarray  # (K,): connectivity against distance
    span: int
    gradients: GradientCurve  # the model's
    untrained: GradientCurve | None  # the same architecture with its initial weights (seed 0)


def measure(model: CharLM, text: str, max_distance: int = DEFAULT_MAX_DISTANCE, untrained: bool = True) -> Memory:
    """Connectivity, profile (K capped by the text's length), span and gradients through time, trained and (when
    ``untrained``) not."""
    c = connectivity(model, text)
    profile = c.profile(min(max_distance, len(text) - 1))
    initial = gradient_through_time(CharLM.seeded(model.config, 0).to(model.device), text) if untrained else None
    return Memory(c, profile, span_of(profile), gradient_through_time(model, text), initial)
