"""Generate N synthetic but realistic situation reports (hard-wrapped lines, headings without full
stops, datelines, attributed and contradicting claims, casualty figures, dates), deterministically.

    .venv/bin/python benchmarks/make_corpus.py OUT_DIR --reports 1000 [--seed 7]

Scale runs need no download; each report has 8-20 sentences (about 5-9 passages).
"""

from __future__ import annotations

import argparse
import random
import textwrap
from pathlib import Path

CITIES = [
    "Aleppo",
    "Idlib",
    "Homs",
    "Hama",
    "Raqqa",
    "Deir ez-Zor",
    "Latakia",
    "Daraa",
    "Qamishli",
    "Manbij",
    "Afrin",
    "Kobani",
    "Tartus",
    "Palmyra",
    "Douma",
    "Jableh",
    "Azaz",
    "Tal Abyad",
]
DISTRICTS = [
    "the old city",
    "the northern outskirts",
    "the industrial zone",
    "the eastern districts",
    "the refugee camp",
    "the airport road",
    "the market area",
    "the university quarter",
]
ACTORS = [
    ("the Syrian army", "the Ministry of Defense"),
    ("the Syrian Democratic Forces", "the SDF media center"),
    ("opposition armed groups", "a spokesman for the opposition"),
    ("pro-government militias", "the state news agency SANA"),
    ("Turkish-backed factions", "the Syrian National Army"),
]
WITNESSES = [
    "local media",
    "residents",
    "a medical source",
    "the civil defense",
    "the Health Directorate",
    "the UN humanitarian office",
    "the Syrian Observatory for Human Rights",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozens of"]
HEADINGS = [
    "Mutual accusations",
    "Civilian toll",
    "Displacement",
    "Humanitarian access",
    "Political reactions",
    "A fragile truce",
    "Roads closed",
    "Claims and denials",
]


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def report(rng: random.Random, i: int) -> str:
    city, district = rng.choice(CITIES), rng.choice(DISTRICTS)
    (side_a, voice_a), (side_b, voice_b) = rng.sample(ACTORS, 2)
    day, month = rng.randint(1, 28), rng.choice(MONTHS)
    killed, injured = rng.choice(NUMBERS), rng.choice(NUMBERS)
    witness = rng.choice(WITNESSES)
    paragraphs = [
        f"{city}, Syria – Clashes broke out on {month} {day} between {side_a} and {side_b} in "
        f"{district} of {city}, report number {i}.",
        rng.choice(HEADINGS),
        f"{cap(witness)} said that {killed} people were killed and {injured} others were "
        f"injured when shells hit residential buildings in {district}.",
        f"{cap(voice_a)} accused {side_b} of launching a surprise attack on its positions "
        f"near {rng.choice(CITIES)} road.",
        f"For its part, {voice_b} denied the accusations, asserting that {side_a} started the "
        f"shelling and that its forces only responded to the sources of fire.",
        rng.choice(HEADINGS),
        f"Dozens of families fled {district} towards {rng.choice(CITIES)}, according to {rng.choice(WITNESSES)}.",
        f"The road between {city} and {rng.choice(CITIES)} was closed for {rng.randint(2, 48)} hours.",
    ]
    for _ in range(rng.randint(0, 8)):
        paragraphs.append(
            f"{cap(rng.choice(WITNESSES))} reported {rng.choice(NUMBERS)} incidents in "
            f"{rng.choice(DISTRICTS)} on {rng.choice(MONTHS)} {rng.randint(1, 28)}, and "
            f"{rng.choice(ACTORS)[1]} called for restraint."
        )
    lines: list[str] = []
    for p in paragraphs:
        lines += textwrap.wrap(p, width=rng.choice([70, 90, 120])) if len(p.split()) > 8 else [p]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.reports):
        (args.out / f"report-{i:06d}.txt").write_text(report(rng, i), encoding="utf-8")
    print(f"wrote {args.reports} reports to {args.out}")


if __name__ == "__main__":
    main()
