"""How busy the machine was while a run took its timings.

Latencies measured beside a test suite or a second run are not comparable with an idle machine's,
so every run records the load average, the CPU count, and its own CPU time against wall time.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any

LoadAverage = tuple[float, float, float]
"""os.getloadavg(): runnable processes averaged over 1, 5 and 15 minutes."""


def load_average() -> LoadAverage | None:
    """The load average, or None where the OS has none (Windows)."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


@dataclass(frozen=True)
class MachineLoad:
    """Load before and after a timed stretch, and the CPU time this process spent in it."""

    cpu_count: int | None
    load_before: LoadAverage | None
    load_after: LoadAverage | None
    wall_s: float
    cpu_s: float

    @property
    def cores_used(self) -> float | None:
        """Process CPU time over wall time: about 1 for one busy thread, more with parallel work."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else None

    @property
    def busy(self) -> bool:
        """True when the 1-minute load exceeded the CPU count: timings are then pessimistic."""
        loads = [la[0] for la in (self.load_before, self.load_after) if la is not None]
        return bool(self.cpu_count and loads and max(loads) > self.cpu_count)

    def line(self) -> str:
        """One line for tables and reports."""
        cpus = f"{self.cpu_count} CPUs" if self.cpu_count else "CPUs unknown"
        if self.load_before is not None and self.load_after is not None:
            load = f"load {self.load_before[0]:.2f} → {self.load_after[0]:.2f} (1 min)"
        else:
            load = "load unknown"
        cores = f" = {self.cores_used:.2f} cores" if self.cores_used is not None else ""
        busy = " · BUSY machine: timings are pessimistic" if self.busy else ""
        return f"{cpus} · {load} · CPU {self.cpu_s:.1f} s in {self.wall_s:.1f} s wall{cores}{busy}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"cores_used": self.cores_used, "busy": self.busy}


class Stopwatch:
    """Started on creation; `stop()` gives the MachineLoad of the stretch since then."""

    def __init__(self) -> None:
        self._load = load_average()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def stop(self) -> MachineLoad:
        return MachineLoad(
            cpu_count=os.cpu_count(),
            load_before=self._load,
            load_after=load_average(),
            wall_s=time.perf_counter() - self._wall,
            cpu_s=time.process_time() - self._cpu,
        )
