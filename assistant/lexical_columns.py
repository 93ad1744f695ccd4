"""Per-passage columns of the lexical index as numpy arrays rather than a million Python objects:
a growable numeric column, and strings stored flat (UTF-8 bytes plus offsets). Both can wrap the
read-only arrays of a memory-mapped snapshot without copying them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Column:
    """A numeric column with amortised appends; `values` is a view of the live part. It wraps
    a read-only array as is, and copies it only when something is appended."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self._buf: np.ndarray = np.zeros(16, dtype=dtype)
        self._n = 0

    @classmethod
    def of(cls, values: np.ndarray) -> Column:
        col = cls(values.dtype.type)
        col._buf, col._n = values, len(values)
        return col

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._buf[: self._n]

    def append(self, value: float | int | bool) -> None:
        self._room(1)
        self._buf[self._n] = value
        self._n += 1

    def extend(self, values: np.ndarray) -> None:
        self._room(len(values))
        self._buf[self._n : self._n + len(values)] = values
        self._n += len(values)

    def _room(self, more: int) -> None:
        if self._n + more > len(self._buf) or not self._buf.flags.writeable:
            grown = np.zeros(max(16, 2 * len(self._buf), self._n + more), dtype=self._buf.dtype)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown


class Strings:
    """Strings as one UTF-8 blob and n+1 offsets; item i is decoded when asked for."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob, self.offsets = blob, offsets

    @classmethod
    def empty(cls) -> Strings:
        return cls(np.zeros(0, np.uint8), np.zeros(1, np.int64))

    @classmethod
    def of(cls, values: Sequence[str]) -> Strings:
        encoded = [v.encode() for v in values]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), np.uint8), offsets)

    @classmethod
    def concat(cls, first: Strings, second: Strings) -> Strings:
        return cls(
            np.concatenate([first.blob, second.blob]),
            np.concatenate([first.offsets, first.offsets[-1] + second.offsets[1:]]),
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self.blob[self.offsets[i] : self.offsets[i + 1]].tobytes().decode()

    def take(self, keep: np.ndarray) -> Strings:
        """The strings at positions `keep`, in that order, gathered without decoding them."""
        starts, sizes = self.offsets[:-1][keep], np.diff(self.offsets)[keep]
        offsets = np.zeros(len(keep) + 1, np.int64)
        np.cumsum(sizes, out=offsets[1:])
        index = np.repeat(starts - offsets[:-1], sizes) + np.arange(offsets[-1])
        return Strings(self.blob[index], offsets)
