"""Invented reports in bulk, for tests of the report library at scale: every place, publisher and
event is made up, and the same seed writes the same files (no network, no corpus of anyone's)."""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

PLACES = [
    "Port Elden", "Varrow", "Kestrel Bay", "Lindqvist", "Marrowgate", "Oskaland", "Tessaly Ford",
    "Brannock", "Quillon", "Saltmere", "Dunhaven", "Ysolde", "Carrick Mire", "Norland Cross",
]  # fmt: skip
PUBLISHERS = [
    "Harbour Times", "Northern Ledger", "Valley Courier", "Relief Bulletin", "Coastal Wire",
    "Field Dispatch",
]  # fmt: skip
EVENTS = [
    ("flood", "Floodwaters cut the main road", "rose over the river banks"),
    ("convoy", "Aid convoy reaches", "delivered flour and blankets"),
    ("strike", "Dock workers strike in", "stopped work at three berths"),
    ("fire", "Fire destroys market in", "burned through forty stalls"),
    ("clinic", "New clinic opens in", "began treating patients"),
    ("bridge", "Bridge repairs finish in", "reopened to heavy trucks"),
    ("ferry", "Will the ferry run again from", "waited for a repaired engine"),
]
START = date(2019, 1, 1)


def invented_report(i: int, rng: random.Random) -> tuple[str, str, str, date]:
    """(file name, text, publisher, publication date) of the i-th invented report."""
    kind, head, verb = EVENTS[i % len(EVENTS)]
    place = rng.choice(PLACES)
    publisher = PUBLISHERS[i % len(PUBLISHERS)]
    day = START + timedelta(days=rng.randrange(0, 5 * 365))
    title = f"{head} {place}" + ("?" if head.startswith("Will") else f" (report {i})")
    count = rng.randrange(2, 900)
    body = [
        f"Officials in {place} said the {kind} {verb} on {day:%A}.",
        f"About {count} residents were affected, according to the {publisher} desk.",
        f"Local volunteers counted {rng.randrange(3, 60)} trucks on the road by evening.",
    ]
    if i % 10 == 0:
        body.append(f"A rare marker word, zephyrine{i // 10}, appears in this report only.")
    rng.shuffle(body)
    text = (
        f"{title}\n\nSource: {publisher}\nPublished: {day.isoformat()}\n\n" + "\n".join(body) + "\n"
    )
    return f"report-{i:04d}-{kind}.txt", text, publisher, day


def write_reports(folder: Path, n: int, seed: int = 12) -> list[tuple[str, str, date]]:
    """Write `n` invented reports into `folder`; returns (file name, publisher, date) of each."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name, text, publisher, day = invented_report(i, rng)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        stamp = datetime.combine(day, time(12), UTC).timestamp()
        os.utime(path, (stamp, stamp))  # the file was last changed the day it was published
        out.append((name, publisher, day))
    return out
