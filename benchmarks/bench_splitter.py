"""Sentence splitter on SQuAD 2.0 dev paragraphs: false splits inside gold answers, splits after
abbreviations, sentences per paragraph and speed; optionally next to an earlier version.

    .venv/bin/python benchmarks/bench_splitter.py [--data ../shared/data] [--baseline REV]
        [--show N] [--repeat R] [--out benchmarks/results/splitter.json]

Data: `squad_v2_dev/corpus.jsonl` (1,204 paragraphs) and `questions.dev.jsonl` (its answerable
questions). The pages carry no answer offsets, so every occurrence of every distinct gold answer
in its paragraph is a gold span. Metrics, for each splitter:
- **answer spans cut**: gold spans with a sentence boundary strictly inside them (the span
  overlaps two segments): a false split, unless the answer itself runs over two sentences.
  **questions unquotable**: answerable questions none of whose gold spans lies in one segment.
- **splits after abbreviations**: boundaries right after a token ending in "." whose word is in
  the abbreviation lists of `lexicon_en` (the current lists, for both columns), a single capital letter
  or a dotted initialism ("U.S."). Some are right ("...in the U.S. The next day"): `--show` lists
  them to read.
- **sentences per paragraph** (all segments) and **ms per 1k paragraphs** (best of R runs).
- With `--baseline REV`, `assistant/sentences.py` at that git revision is loaded as the baseline
  (07f15c2 is the splitter before abbreviations were classified), and the sample corpus
  (`corpus/`) is split by both, listing every segment that changed.

The data stays in its folder; only numbers are written (JSON under `benchmarks/results/`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import lexicon_en  # noqa: E402
from assistant import sentences as current  # noqa: E402

_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«([¿¡"


class SegmentLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


Splitter = Callable[[str], Sequence[SegmentLike]]


def load_squad(data: Path) -> tuple[dict[str, str], list[list[tuple[str, int, int]]], int]:
    """Paragraphs by id, the gold spans of each answerable question, answers not found."""
    folder = data / "squad_v2_dev"
    if not (folder / "corpus.jsonl").is_file() or not (folder / "questions.dev.jsonl").is_file():
        sys.exit(
            f"bench_splitter: SQuAD 2.0 dev not found in {folder} (expected corpus.jsonl and "
            "questions.dev.jsonl); pass --data with the folder that holds squad_v2_dev/"
        )
    with (folder / "corpus.jsonl").open(encoding="utf-8") as f:
        paragraphs = {d["id"]: d["text"] for d in map(json.loads, f)}
    questions: list[list[tuple[str, int, int]]] = []
    missing = 0
    with (folder / "questions.dev.jsonl").open(encoding="utf-8") as f:
        for q in map(json.loads, f):
            if not q["answerable"]:
                continue
            pid = q["gold_doc_ids"][0]
            text = paragraphs[pid]
            spans: list[tuple[str, int, int]] = []
            for answer in dict.fromkeys(a.strip() for a in q["answers"] if a.strip()):
                i = text.find(answer)
                missing += i < 0
                while i >= 0:
                    spans.append((pid, i, i + len(answer)))
                    i = text.find(answer, i + 1)
            questions.append(spans)
    return paragraphs, questions, missing


def check_offsets(text: str, segs: Sequence[SegmentLike]) -> None:
    """The citation contract: ordered, disjoint, non-empty spans without outer whitespace."""
    last = 0
    for s in segs:
        if not (last <= s.start < s.end <= len(text)) or text[s.start].isspace():
            raise AssertionError(f"bad segment {s.start}:{s.end} in {text[:60]!r}")
        if text[s.end - 1].isspace():
            raise AssertionError(f"bad segment {s.start}:{s.end} in {text[:60]!r}")
        last = s.end


def is_cut(segs: Sequence[SegmentLike], start: int, end: int) -> bool:
    """A boundary lies strictly inside [start, end): the span overlaps two or more segments."""
    return sum(1 for s in segs if s.start < end and s.end > start) > 1


def token_before(text: str, end: int) -> str:
    """The whitespace-delimited token that ends at `end`, without outer quotes and brackets."""
    k = end
    while k > 0 and not text[k - 1].isspace():
        k -= 1
    return text[k:end].rstrip(_CLOSERS).lstrip(_OPENERS)


def is_abbreviation_token(token: str, words: frozenset[str]) -> bool:
    if not token.endswith(".") or token.endswith(".."):
        return False
    word = token[:-1]
    return word in words or (len(word) == 1 and word.isupper()) or bool(_INITIALISM.fullmatch(word))


def measure(
    split: Splitter,
    paragraphs: dict[str, str],
    questions: list[list[tuple[str, int, int]]],
    words: frozenset[str],
    repeat: int,
) -> dict[str, Any]:
    segs = {pid: split(text) for pid, text in paragraphs.items()}
    for pid, text in paragraphs.items():
        check_offsets(text, segs[pid])
    spans = sorted({span for q in questions for span in q})
    cut = [span for span in spans if is_cut(segs[span[0]], span[1], span[2])]
    unquotable = sum(1 for q in questions if q and all(is_cut(segs[p], a, b) for p, a, b in q))
    after: list[tuple[str, int]] = []  # (paragraph id, boundary end) after an abbreviation
    for pid, text in paragraphs.items():
        for s in list(segs[pid])[:-1]:
            if is_abbreviation_token(token_before(text, s.end), words):
                after.append((pid, s.end))
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in paragraphs.values():
            split(text)
        best = min(best, time.perf_counter() - started)
    n = len(paragraphs)
    return {
        "paragraphs": n,
        "gold_spans": len(spans),
        "answer_spans_cut": len(cut),
        "answer_spans_cut_share": len(cut) / len(spans),
        "answerable_questions": len(questions),
        "questions_unquotable": unquotable,
        "splits_after_abbreviations": len(after),
        "sentences_per_paragraph": sum(len(v) for v in segs.values()) / n,
        "ms_per_1k_paragraphs": best * 1000 * 1000 / n,
        "_cut": cut,
        "_after": after,
    }


def load_baseline(rev: str) -> ModuleType:
    """`assistant/sentences.py` as it was at git revision `rev`, as a module of its own."""
    try:
        source = subprocess.run(
            ["git", "show", f"{rev}:assistant/sentences.py"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"bench_splitter: cannot read assistant/sentences.py at {rev!r}: {exc}")
    with tempfile.TemporaryDirectory(prefix="bench_splitter_") as folder:
        path = Path(folder) / "sentences_baseline.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("sentences_baseline", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def context(text: str, start: int, end: int, width: int = 40) -> str:
    return repr(text[max(0, start - width) : end + width])


def show(name: str, result: dict[str, Any], paragraphs: dict[str, str], n: int) -> None:
    print(f"\n{name}: answer spans cut ({len(result['_cut'])})")
    for pid, a, b in result["_cut"][:n]:
        print(f"  {pid} {paragraphs[pid][a:b]!r} in {context(paragraphs[pid], a, b)}")
    print(f"{name}: splits after abbreviations ({len(result['_after'])})")
    for pid, e in result["_after"][:n]:
        print(f"  {pid} {context(paragraphs[pid], e, e)}")


def compare_sample(baseline: Splitter, split: Splitter) -> list[str]:
    """Segments of the sample corpus that differ between the two splitters."""
    changes: list[str] = []
    for path in sorted((REPO / "corpus").glob("*")):
        if path.suffix not in (".txt", ".md"):
            continue
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
        before = {(s.start, s.end) for s in baseline(text)}
        after = {(s.start, s.end) for s in split(text)}
        changes += [f"  {path.name} - {text[a:b]!r}" for a, b in sorted(before - after)]
        changes += [f"  {path.name} + {text[a:b]!r}" for a, b in sorted(after - before)]
    return changes


ROWS = (
    ("gold answer spans", "gold_spans", "{:,}"),
    ("answer spans cut", "answer_spans_cut", "{:,}"),
    ("answer spans cut %", "answer_spans_cut_share", "{:.3%}"),
    ("questions unquotable", "questions_unquotable", "{:,}"),
    ("splits after abbreviations", "splits_after_abbreviations", "{:,}"),
    ("sentences per paragraph", "sentences_per_paragraph", "{:.3f}"),
    ("ms per 1k paragraphs", "ms_per_1k_paragraphs", "{:.1f}"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--baseline", metavar="REV", help="git revision of the splitter to compare")
    ap.add_argument("--show", type=int, default=0, metavar="N", help="print N examples of each")
    ap.add_argument("--repeat", type=int, default=5, help="timing runs (the best is kept)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "splitter.json")
    args = ap.parse_args()

    paragraphs, questions, missing = load_squad(args.data)
    words = (
        lexicon_en.PREFIX_ABBREVIATIONS
        | lexicon_en.NUMBER_ABBREVIATIONS
        | lexicon_en.SUFFIX_ABBREVIATIONS
    )
    splitters: dict[str, Splitter] = {}
    if args.baseline:
        splitters[f"baseline ({args.baseline})"] = load_baseline(args.baseline).split_sentences
    splitters["current"] = current.split_sentences
    results = {
        name: measure(split, paragraphs, questions, words, args.repeat)
        for name, split in splitters.items()
    }
    print(
        f"SQuAD 2.0 dev (all {len(paragraphs):,} paragraphs; {len(questions):,} answerable "
        f"questions of questions.dev.jsonl; {missing} answers not found in their paragraph)"
    )
    names = list(results)
    print("| metric | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for label, key, fmt in ROWS:
        print(f"| {label} | " + " | ".join(fmt.format(results[n][key]) for n in names) + " |")
    if args.show:
        for name in names:
            show(name, results[name], paragraphs, args.show)
    record: dict[str, Any] = {
        name: {k: v for k, v in r.items() if not k.startswith("_")} for name, r in results.items()
    }
    if args.baseline:
        changes = compare_sample(splitters[names[0]], current.split_sentences)
        print(f"\nsample corpus (corpus/): {len(changes)} segments changed")
        for line in changes:
            print(line)
        record["sample_corpus_changes"] = changes
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
