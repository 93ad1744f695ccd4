"""Refit the offline answerer's sentence model and abstention gate, and print the dev figures.

    .venv/bin/python benchmarks/fit_answer_model.py [--data ../shared/data] [--limit N]
        [--suites squad_v2_dev,multihop_rag,rgb_en_fact,evals/sample.yaml] [--cached] [--write]

One pass replays each question as `assistant ask` would (Assistant.request, the hand-set sentence
scores, then the features of `learned.py` for the top candidates) and labels every candidate: it
holds a gold answer or a gold evidence sentence. Two logistic models are fitted with numpy (L2,
Newton steps), each data set weighing the same and, within one, each question:
- the sentence model, on the candidates of answerable questions;
- the gate, on every question the single-sentence path decides (a question the passages never
  name is refused before it, one with many parts is judged by what sentences cover together).
The gate's threshold maximises the mean over data sets of accuracy (answerable: answered with a
right sentence among the first three; unanswerable: abstained) among thresholds that refuse at
most MAX_FALSE_ABSTENTION of any data set's answerable questions. Figures are printed in-sample
and 5-fold cross-validated (folds by question id) beside the hand-set rules', so the fit's optimism
and its gain are both visible. `--write` stores the models in assistant/calibration.json under the
configured embedder. Gate suites are refused: nothing is fitted on them.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant, AssistantError, Settings  # noqa: E402
from assistant.answerers.extractive import ExtractiveAnswerer, _query_weights, many_parts  # noqa: E402
from assistant.answerers.learned import GATE_FEATURES, SENTENCE_FEATURES  # noqa: E402
from assistant.calibration import (  # noqa: E402
    CALIBRATION_FILE,
    Calibration,
    Logistic,
    embedder_key,
    load_calibration,
    write_calibration,
)
from assistant.evals.benchmarks import benchmark_suite  # noqa: E402
from assistant.evals.metrics.text import fact_found, normalize  # noqa: E402
from assistant.evals.suites import Question, Suite, collection_name, load_suite  # noqa: E402
from assistant.framing import framing_terms  # noqa: E402

SOURCES = "squad_v2_dev,multihop_rag,rgb_en_fact,evals/sample.yaml"
MAX_FALSE_ABSTENTION = 0.10  # refusals of answerable questions a fit may make, per data set
SAID = 3  # an answer is right when one of its first sentences holds the gold


@dataclass
class Item:
    """One question's replay."""

    dataset: str
    qid: str
    answerable: bool
    path: str  # "single" (the gate decides), "many" or "unmentioned" (decided otherwise)
    hand_answers: bool  # what the hand-set rules decided
    hand_right: bool  # ... and whether their answer holds the gold
    x: np.ndarray  # top candidates x SENTENCE_FEATURES
    y: np.ndarray  # 1 where the candidate holds a gold answer or evidence
    rest: dict[str, float]  # the gate's other inputs: dense_top, missing


def labels(q: Question, sentences: list[str]) -> np.ndarray:
    golds = [*q.answers, *(a for f in q.facts for a in f)]
    evidence = [normalize(e) for alts in q.evidence for e in alts]
    out = []
    for s in sentences:
        flat = normalize(s)
        hit = fact_found(s, golds) if golds else False
        hit = hit or any(e and (e in flat or (len(flat) > 40 and flat in e)) for e in evidence)
        out.append(1.0 if hit else 0.0)
    return np.asarray(out)


def replay(suite: Suite, name: str, data_dir: Path) -> list[Item]:
    corpus = suite.corpus or REPO / "corpus"
    settings = Settings(
        data_dir=data_dir,
        corpus_dir=corpus,
        collection=suite.collection or collection_name(suite.name),
    )
    a = Assistant(settings)
    a.ingest([corpus], prune=True)
    current = load_calibration(embedder_key(settings))
    hand = ExtractiveAnswerer(current.abstain_threshold, settings.max_sentences, current, False)
    items: list[Item] = []
    for q in suite.questions:
        if q.turns:  # follow-ups depend on earlier answers
            continue
        try:
            request = a.request(q.question, hand)
        except AssistantError:
            continue
        cands = hand.score_sentences(request)
        chosen = hand.decide(request, cands).chosen
        if not cands:
            path = "none"
        elif hand.unmentioned(request):
            path = "unmentioned"
        elif many_parts(request):
            path = "many"
        else:
            path = "single"
        feats = hand.sentence_features(request, cands)
        x = np.asarray([[f[n] for n in SENTENCE_FEATURES] for f in feats]).reshape(
            len(feats), len(SENTENCE_FEATURES)
        )
        y = labels(q, [c.text for c in cands[: len(feats)]])
        rest = hand.gate_features(request, cands, feats[0]) if feats else {}
        if path == "many":  # judged by what the sentences cover together, against its own threshold
            weights = _query_weights(request, request.question)
            framing = framing_terms(request.question) & weights.keys()
            picked, rest["many"] = hand.cover(cands, weights, framing)
            rest["many_right"] = float(bool(picked) and labels(q, [c.text for c in picked]).any())
        hand_right = bool(chosen) and bool(labels(q, [c.text for c in chosen]).any())
        items.append(
            Item(name, q.id, not q.unanswerable, path, bool(chosen), hand_right, x, y, rest)
        )
    return items


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Weighted L2 logistic regression by Newton steps; returns [bias, *weights]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(60):
        p = 1 / (1 + np.exp(-np.clip(xb @ beta, -40, 40)))
        grad = xb.T @ (w * (p - y)) + reg @ beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + reg + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _dataset_weights(items: list[Item]) -> dict[str, float]:
    """Each data set weighs the same, and within one each question."""
    sizes: dict[str, int] = {}
    for it in items:
        sizes[it.dataset] = sizes.get(it.dataset, 0) + 1
    return {d: len(items) / (len(sizes) * n) for d, n in sizes.items()}


def fit_sentence(items: list[Item], l2: float = 1.0) -> Logistic:
    """A listwise model: the softmax over one question's candidates puts its mass on the right
    ones (a pointwise fit learns which questions are easy, not which sentence answers)."""
    rows = [it for it in items if it.answerable and len(it.y) and it.y.any()]
    weigh = _dataset_weights(rows)
    beta = np.zeros(len(SENTENCE_FEATURES))
    for _ in range(30):
        grad, hess = l2 * beta, l2 * np.eye(len(beta))
        for it in rows:
            s = it.x @ beta
            p = np.exp(s - s.max())
            p /= p.sum()
            q = p * it.y
            q /= q.sum()
            ex, eq = p @ it.x, q @ it.x
            w = weigh[it.dataset]
            grad += w * (ex - eq)
            hess += w * ((it.x * p[:, None]).T @ it.x - np.outer(ex, ex))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return Logistic(
        {n: round(float(b), 4) for n, b in zip(SENTENCE_FEATURES, beta, strict=True)}, 0.0
    )


def order(it: Item, sentence: Logistic | None) -> np.ndarray:
    """Candidate indices, best first: the model's order, or the hand order without one."""
    if sentence is None:
        return np.arange(len(it.y))
    logits = it.x @ np.asarray([sentence.weights.get(n, 0.0) for n in SENTENCE_FEATURES])
    return np.argsort(-logits, kind="stable")


def gate_row(it: Item, sentence: Logistic | None) -> dict[str, float]:
    best = dict(zip(SENTENCE_FEATURES, it.x[order(it, sentence)[0]], strict=True))
    logit = sentence.logit(best) if sentence is not None else best["score"]
    return {"best": logit, "score": best["score"], "kind": best["kind"]} | {
        k: it.rest[k] for k in ("dense_top", "missing")
    }


def fit_gate(items: list[Item], sentence: Logistic | None, names: tuple[str, ...]) -> Logistic:
    rows = [it for it in items if it.path == "single"]
    weigh = _dataset_weights(rows)
    x = np.asarray([[gate_row(it, sentence)[n] for n in names] for it in rows])
    y = np.asarray([1.0 if it.answerable else 0.0 for it in rows])
    w = np.asarray([weigh[it.dataset] for it in rows])
    beta = fit_logistic(x, y, w)
    return Logistic(
        {n: round(float(b), 4) for n, b in zip(names, beta[1:], strict=True)},
        round(float(beta[0]), 4),
    )


@dataclass
class Outcomes:
    """Per question, what decides it and whether its answer would be right: `p` is the gate's
    probability (single path), the sentences' joint score (many parts), or +-inf (decided
    before any threshold)."""

    items: list[Item]
    many: np.ndarray
    p: np.ndarray
    right: np.ndarray
    answerable: np.ndarray
    dataset: np.ndarray

    @classmethod
    def of(cls, items: list[Item], sentence: Logistic | None, gate: Logistic | None) -> Outcomes:
        many, p, right = [], [], []
        for it in items:
            said = order(it, sentence)[:SAID]
            guess = bool(it.y[said].any()) if len(it.y) else False
            if it.path == "many":
                many.append(True)
                p.append(it.rest["many"])
                right.append(bool(it.rest["many_right"]))  # what cover() would say
            elif it.path == "single" and gate is not None:
                many.append(False)
                p.append(gate.prob(gate_row(it, sentence)))
                same = sentence is None and it.hand_answers
                right.append(it.hand_right if same else guess)
            else:  # refused before any threshold (nothing found, an unmentioned name)
                many.append(False)
                p.append(-np.inf)
                right.append(False)
        return cls(
            items,
            np.asarray(many),
            np.asarray(p),
            np.asarray(right),
            np.asarray([it.answerable for it in items]),
            np.asarray([it.dataset for it in items]),
        )

    def figures(self, t_gate: float, t_many: float) -> dict[str, dict[str, float]]:
        answers = np.where(self.many, self.p >= t_many, self.p >= t_gate)
        out = {}
        for d in sorted(set(self.dataset)):
            m = self.dataset == d
            a, u = m & self.answerable, m & ~self.answerable
            out[d] = _rates(
                {
                    "questions": float(m.sum()),
                    "answerable": float(a.sum()),
                    "right": float((a & answers & self.right).sum() + (u & ~answers).sum()),
                    "abstained": float((u & ~answers).sum()),
                    "refused": float((a & ~answers).sum()),
                }
            )
        return out


def _rates(c: dict[str, float]) -> dict[str, float]:
    n_u = c["questions"] - c["answerable"]
    return c | {
        "accuracy": c["right"] / max(1, c["questions"]),
        "abstention_recall": c["abstained"] / n_u if n_u else float("nan"),
        "false_abstention": c["refused"] / max(1, c["answerable"]),
    }


GATE_GRID = [x / 100 for x in range(2, 99, 2)]
MANY_GRID = [x / 100 for x in range(20, 81, 2)]


def best_thresholds(out: Outcomes, floors: dict[str, float]) -> tuple[float, float, float]:
    """(gate threshold, many-parts threshold, mean accuracy): among the pairs that refuse at most
    MAX_FALSE_ABSTENTION of any data set's answerable questions and abstain on at least `floors`
    of its unanswerable ones, the lowest whose mean accuracy over data sets is within TIE of the
    best. Nearer than that is within one tuning question of the best: prefer answering."""
    allowed: list[tuple[float, float, float]] = []
    for tg in GATE_GRID:
        for tm in MANY_GRID:
            figs = out.figures(tg, tm)
            if all(
                f["false_abstention"] <= MAX_FALSE_ABSTENTION
                and not f["abstention_recall"] < floors.get(d, 0.0)  # nan: none to refuse
                for d, f in figs.items()
            ):
                allowed.append((tg, tm, float(np.mean([f["accuracy"] for f in figs.values()]))))
    if not allowed:
        return 0.5, 0.5, -1.0
    top = max(mean for _, _, mean in allowed)
    return min(a for a in allowed if a[2] >= top - TIE)


TIE = 0.01  # mean accuracy; one of the tuning suite's 54 questions moves it by 0.005


def abstention_floors(items: list[Item], hand: Calibration) -> dict[str, float]:
    """Per data set, the abstention recall a fit must keep: the hand rules', up to
    MIN_ABSTENTION_RECALL. A guess where the rules refused is the costlier error (an answer the
    reports do not support), so the fit may refuse less, never start guessing."""
    figs = outcomes_of(items, hand_fit(items, hand))
    return {
        d: min(MIN_ABSTENTION_RECALL, f["abstention_recall"])
        for d, f in figs.items()
        if f["abstention_recall"] == f["abstention_recall"]  # not nan
    }


MIN_ABSTENTION_RECALL = 0.9  # issue 10's bar for MultiHop-RAG's null queries


def choose(items: list[Item], hand: Calibration) -> Fit:
    """Fit on `items`: the sentence model when it beats the hand order, the gate's features by
    forward selection, and both thresholds."""
    sentence: Logistic | None = fit_sentence(items)
    if top_right(items, sentence) <= top_right(items, None):
        sentence = None
    names: tuple[str, ...] = ()
    fit = hand_fit(items, hand, sentence)  # a gate feature must beat this
    floors = abstention_floors(items, hand)
    # without a sentence model its log-odds ("best") would be the hand score twice over
    offered = [n for n in GATE_FEATURES if sentence is not None or n != "best"]
    for _ in offered:
        trials = []
        for extra in (n for n in offered if n not in names):
            gate = fit_gate(items, sentence, (*names, extra))
            tg, tm, mean = best_thresholds(Outcomes.of(items, sentence, gate), floors)
            trials.append((mean, extra, gate, tg, tm))
        if not trials:
            break
        mean, extra, gate, tg, tm = max(trials, key=lambda t: t[0])
        if mean < fit.mean + MIN_GAIN:
            break
        names = (*names, extra)
        fit = Fit(sentence, gate, tg, tm, mean)
    return fit


MIN_GAIN = 0.002  # a gate feature earns its place by this much mean dev accuracy


@dataclass(frozen=True)
class Fit:
    sentence: Logistic | None
    gate: Logistic | None  # None: the hand score's own threshold
    gate_threshold: float
    many_threshold: float
    mean: float


def step(threshold: float) -> Logistic:
    """A threshold on the hand score as a gate (probability 0.5 at the threshold)."""
    return Logistic({"score": 40.0}, -40.0 * threshold)


def hand_fit(items: list[Item], hand: Calibration, sentence: Logistic | None = None) -> Fit:
    """The hand-set rules as a fit (one threshold on the hand score for both paths), in the
    order of `sentence` when one is given."""
    t = hand.abstain_threshold
    figs = Outcomes.of(items, sentence, step(t)).figures(0.5, t).values()
    return Fit(sentence, None, t, t, float(np.mean([f["accuracy"] for f in figs])))


def top_right(items: list[Item], sentence: Logistic | None) -> float:
    """Mean over data sets of the share of answerable questions whose first sentence is right."""
    by: dict[str, list[bool]] = {}
    for it in items:
        if it.answerable and len(it.y):
            by.setdefault(it.dataset, []).append(bool(it.y[order(it, sentence)[0]]))
    return float(np.mean([np.mean(v) for v in by.values()]))


def outcomes_of(items: list[Item], fit: Fit) -> dict[str, dict[str, float]]:
    gate = fit.gate or step(fit.gate_threshold)
    t = fit.gate_threshold if fit.gate is not None else 0.5
    return Outcomes.of(items, fit.sentence, gate).figures(t, fit.many_threshold)


def fold(qid: str) -> int:
    return int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) % 5


def report(title: str, figs: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'data set':<16}{'n':>6}{'accuracy':>10}{'abst.rec':>10}{'false ab.':>10}")
    for d, f in figs.items():
        print(
            f"{d:<16}{int(f['questions']):>6}{f['accuracy']:>10.3f}"
            f"{f['abstention_recall']:>10.3f}{f['false_abstention']:>10.3f}"
        )


def collect(args: argparse.Namespace) -> list[Item]:
    cache = args.work / "replay.pkl"
    if args.cached and cache.exists():
        return list(pickle.loads(cache.read_bytes()))
    items: list[Item] = []
    for name in args.suites.split(","):
        if Path(name).name.startswith("gate"):
            raise SystemExit("gate suites are never fitted on (evals/README.md)")
        if Path(name).is_file():
            suite, label = load_suite(Path(name)), Path(name).stem
        else:
            found, why = benchmark_suite(name, args.data, args.work / "corpora", args.limit)
            if found is None:
                print(why)
                continue
            suite, label = found, name
        got = replay(suite, label, args.store or args.work / "data")
        print(f"{label}: {len(got)} questions replayed", flush=True)
        items += got
    cache.write_bytes(pickle.dumps(items))
    return items


def pooled(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """The folds' counts added up, per data set."""
    keys = ("questions", "answerable", "right", "abstained", "refused")
    return {d: _rates({k: sum(f[k] for f in rs) for k in keys}) for d, rs in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--suites", default=SOURCES)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None, help="questions per benchmark (all)")
    ap.add_argument("--work", type=Path, default=None, help="replay cache and stores (a temp dir)")
    ap.add_argument("--store", type=Path, default=None, help="reuse this data dir's collections")
    ap.add_argument("--cached", action="store_true", help="reuse the last replay in --work")
    ap.add_argument("--write", action="store_true", help="store the fit in calibration.json")
    ap.add_argument(
        "--calibration", type=Path, default=CALIBRATION_FILE, help="the file --write writes"
    )
    args = ap.parse_args()
    args.work = args.work or Path(tempfile.mkdtemp(prefix="fit-answer-model-"))
    args.work.mkdir(parents=True, exist_ok=True)
    key = embedder_key(Settings())
    hand = load_calibration(key)
    items = collect(args)
    report(
        "hand-set rules (one threshold on the hand score)",
        outcomes_of(items, hand_fit(items, hand)),
    )
    cv: dict[str, list[dict[str, float]]] = {}
    for k in range(5):  # each fold scored by a fit on the other four
        train = [it for it in items if fold(it.qid) != k]
        test = [it for it in items if fold(it.qid) == k]
        for d, f in outcomes_of(test, choose(train, hand)).items():
            cv.setdefault(d, []).append(f)
    fit = choose(items, hand)
    inside = outcomes_of(items, fit)
    crossed = pooled(cv)
    print(
        f"\nfirst sentence right (mean over data sets): hand {top_right(items, None):.3f}", end=""
    )
    print(f", sentence model {top_right(items, fit_sentence(items)):.3f} (in-sample)")
    print(
        "sentence model:",
        "the hand order (the fit did not beat it)"
        if fit.sentence is None
        else {k: round(v, 3) for k, v in fit.sentence.weights.items()},
    )
    print(
        "gate:",
        "the hand score"
        if fit.gate is None
        else {k: round(v, 3) for k, v in fit.gate.weights.items()},
        f"threshold {fit.gate_threshold:.2f}, many-parts threshold {fit.many_threshold:.2f}",
    )
    report("fitted, in-sample", inside)
    report("fitted, 5-fold cross-validated", crossed)
    if args.write:
        entry = replace(
            hand,
            embedder=key,  # a new embedder starts from DEFAULT, named "default"
            sentence_model=fit.sentence,
            gate=fit.gate,
            gate_threshold=fit.gate_threshold if fit.gate is not None else 0.5,
            abstain_threshold=fit.gate_threshold if fit.gate is None else hand.abstain_threshold,
            many_threshold=fit.many_threshold,
            figures={"in_sample": inside, "cross_validated": crossed},
            fitted_on=", ".join(f"{d} ({int(f['questions'])})" for d, f in inside.items())
            + ": benchmarks/fit_answer_model.py",
        )
        write_calibration(entry, args.calibration)
        print(f"wrote {args.calibration} [{key}]")


if __name__ == "__main__":
    main()
