"""Fit the learned fusion of dense and BM25 evidence (issue 13, point 1) on the public dev splits,
and print what it does to first-hit recall against reciprocal-rank fusion.

    .venv/bin/python benchmarks/fit_fusion.py [--data ../shared/data] [--work /tmp/fit-fusion]
        [--folds 5] [--write]

Stages: ingest each dev corpus into its own store under --work (kept between runs), collect the
candidates the retriever sees for every answerable question (its dense and BM25 lists) with the
features `assistant.fusion` computes at query time, then fit a linear listwise (softmax) ranker
with k-fold cross-validation grouped by document group (SQuAD article, MultiHop question), so no
figure is measured on questions the weights were fitted on. `--write` refits on all of it and
writes the weights into the package (`assistant/fusion.json`, keyed by embedding model).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evals.benchmarks import benchmark_suite  # noqa: E402
from assistant.fusion import FEATURES, WEIGHTS_FILE, Candidate, features, sentences_of  # noqa: E402

Raw = tuple[str, str, list[Candidate], set[str], int]  # question, group, candidates, gold, n gold


@dataclass
class Query:
    """One question's candidates as the retriever sees them, with which of them are gold."""

    group: str
    feats: np.ndarray  # candidates x features
    gold: np.ndarray  # candidates, bool
    reports: list[str]
    rrf: np.ndarray  # the fixed RRF score, for the baseline
    n_gold_reports: int


def collect(
    name: str, data: Path, work: Path, limit: int | None, sentence_vectors: bool = False
) -> list[Query]:
    """The questions' candidates (cached under --work: retrieval is the slow part, features are
    recomputed on every run so they can change without re-retrieving)."""
    suite, why = benchmark_suite(name, data, work / "corpora", limit)
    if suite is None:
        raise SystemExit(why)
    settings = Settings(data_dir=work / "stores", collection=f"fit-{name}".replace("_", "-"))
    assistant = Assistant(settings)
    t0 = time.monotonic()
    summary = assistant.ingest([Path(suite.corpus)])
    print(
        f"{name}: ingest {time.monotonic() - t0:.0f} s, {len(summary.added)} reports added",
        file=sys.stderr,
    )
    retriever = assistant.retriever
    cache = work / f"candidates-{name}-{limit}.pkl"
    raw: list[Raw] = []
    if cache.exists() and not summary.added:
        raw = pickle.loads(cache.read_bytes())
    else:
        for item in suite.questions:
            gold = set(item.reports) | {Path(r).stem for r in item.reports}
            if item.unanswerable or not gold:
                continue
            extra = assistant.aliases().query_words(item.question)
            cands = retriever.candidates_for(item.question, extra)
            group = item.reports[0] if name == "squad_v2_dev" else item.id
            raw.append((item.question, group, cands, gold, len(item.reports)))
        cache.write_bytes(pickle.dumps(raw))
    raw = [r for r in raw if r[2]]
    extra = sentence_similarity(assistant, raw, work, name) if sentence_vectors else None
    out = []
    for i, (question, group, cands, gold, n_gold) in enumerate(raw):
        feats = features(question, cands, retriever.idf)
        if extra is not None:
            best = extra[i]
            feats = np.column_stack([feats, best, best - best.max()])
        out.append(
            Query(
                group=group,
                feats=feats,
                gold=np.array([c.passage.report_id in gold for c in cands]),
                reports=[c.passage.report_id for c in cands],
                rrf=np.array([c.rrf for c in cands]),
                n_gold_reports=n_gold,
            )
        )
    return out


def sentence_similarity(
    assistant: Assistant, raw: list[Raw], work: Path, name: str
) -> list[np.ndarray]:
    """For the experiment of sentence vectors beside passage vectors: each candidate's best
    question-to-sentence cosine, from every sentence embedded once (cached under --work)."""
    emb = assistant.embedder
    assert emb is not None
    cache = work / f"sentences-{name}.pkl"
    vecs: dict[str, np.ndarray] = pickle.loads(cache.read_bytes()) if cache.exists() else {}
    wanted = sorted(
        {s for _, _, cands, _, _ in raw for c in cands for s in sentences_of(c.passage)} - set(vecs)
    )
    t0 = time.monotonic()
    for i in range(0, len(wanted), 64):
        batch = wanted[i : i + 64]
        vecs.update(zip(batch, emb.embed_passages(batch), strict=True))
    if wanted:
        cache.write_bytes(pickle.dumps(vecs))
        print(
            f"{name}: embedded {len(wanted)} sentences in {time.monotonic() - t0:.0f} s",
            file=sys.stderr,
        )
    out = []
    for question, _, cands, _, _ in raw:
        q = emb.embed_query(question)
        out.append(
            np.array([max(float(vecs[s] @ q) for s in sentences_of(c.passage)) for c in cands])
        )
    return out


def fit(queries: list[Query], l2: float = 1e-4, steps: int = 1000, lr: float = 0.05) -> np.ndarray:
    """A linear listwise ranker: maximise the softmax probability of the gold candidates (Adam
    on padded arrays, numpy only: the model is a dozen weights, not worth a dependency)."""
    queries = [q for q in queries if q.gold.any()]
    width = max(len(q.feats) for q in queries)
    n_feat = queries[0].feats.shape[1]
    x = np.zeros((len(queries), width, n_feat))
    mask = np.zeros((len(queries), width), dtype=bool)
    target = np.zeros((len(queries), width))
    for i, q in enumerate(queries):
        x[i, : len(q.feats)] = q.feats
        mask[i, : len(q.feats)] = True
        target[i, : len(q.feats)] = q.gold / q.gold.sum()
    # Standardised features converge in a few hundred steps; the weights are mapped back below
    # (the shift drops out of a softmax, so only the scale needs undoing).
    scale = x[mask].std(axis=0)
    scale[scale == 0] = 1.0
    x = x / scale
    w = np.zeros(n_feat)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        s = np.where(mask, x @ w, -np.inf)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        grad = np.einsum("qc,qcf->f", p - target, x) / len(queries) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w / scale


def report_ranking(scores: np.ndarray, q: Query) -> list[str]:
    """Reports ranked by their best candidate (ties by id, as the retriever breaks them)."""
    best: dict[str, float] = {}
    for s, r in zip(scores.tolist(), q.reports, strict=True):
        best[r] = max(best.get(r, -np.inf), s)
    return sorted(best, key=lambda r: (-best[r], r))


def ranking_metrics(scored: list[tuple[Query, np.ndarray]]) -> dict[str, float]:
    """Report-level recall@1/@5 and Hits@4/@10 of questions ranked by the given scores."""
    r1 = r5 = h4 = h10 = 0.0
    for q, scores in scored:
        ranked = report_ranking(scores, q)
        gold = {r for r, g in zip(q.reports, q.gold, strict=True) if g}
        r1 += ranked[0] in gold
        r5 += bool(gold & set(ranked[:5]))
        h4 += len(gold & set(ranked[:4])) / q.n_gold_reports
        h10 += len(gold & set(ranked[:10])) / q.n_gold_reports
    n = max(len(scored), 1)
    return {
        "recall@1": round(r1 / n, 4),
        "recall@5": round(r5 / n, 4),
        "hits@4": round(h4 / n, 4),
        "hits@10": round(h10 / n, 4),
    }


def fold_of(group: str, folds: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % folds


def cross_validate(by_set: dict[str, list[Query]], folds: int) -> dict[str, dict[str, float]]:
    """Fit on every set's other folds, score each held-out fold: out-of-fold figures per set."""
    scored: dict[str, list[tuple[Query, np.ndarray]]] = {name: [] for name in by_set}  # q, scores
    for k in range(folds):
        train = [q for qs in by_set.values() for q in qs if fold_of(q.group, folds) != k]
        w = fit(train)
        for name, qs in by_set.items():
            for q in qs:
                if fold_of(q.group, folds) == k:
                    scored[name].append((q, q.feats @ w))
    return {name: ranking_metrics(pairs) for name, pairs in scored.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--work", type=Path, default=Path("/tmp/fit-fusion"))
    p.add_argument("--sets", default="squad_v2_dev,multihop_rag")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--sentence-vectors",
        action="store_true",
        help="experiment: add each candidate's best question-sentence cosine (not shipped)",
    )
    p.add_argument("--write", action="store_true", help="refit on everything, write the weights")
    args = p.parse_args()
    if args.write and args.sentence_vectors:
        p.error("--sentence-vectors is an experiment: its feature is not computed at query time")
    by_set = {
        name: collect(name, args.data, args.work, args.limit, args.sentence_vectors)
        for name in args.sets.split(",")
    }
    print(f"features: {', '.join(FEATURES)}")
    for name, qs in by_set.items():
        print(
            f"{name}: {len(qs)} answerable questions; RRF: {ranking_metrics([(q, q.rrf) for q in qs])}"
        )
    cv = cross_validate(by_set, args.folds)
    for name, m in cv.items():
        print(f"{name}: learned, {args.folds}-fold out-of-fold: {m}")
    if args.write:
        w = fit([q for qs in by_set.values() for q in qs])
        model = Assistant(Settings(data_dir=args.work / "stores")).embed_model_name
        current = json.loads(WEIGHTS_FILE.read_text()) if WEIGHTS_FILE.exists() else {}
        current[model] = {
            "features": list(FEATURES),
            "weights": [round(float(x), 6) for x in w],
            "fitted_on": sorted(by_set),
            "cross_validated": cv,
        }
        WEIGHTS_FILE.write_text(json.dumps(current, indent=2) + "\n")
        print(f"wrote {WEIGHTS_FILE}: {dict(zip(FEATURES, w.round(3).tolist(), strict=True))}")


if __name__ == "__main__":
    main()
