"""One small registry type for every seam (answerers, embedders, readers, stores).

Built-ins register exactly as a new backend would; config validation, CLI choices, UI choices and
the docs all read `names()`, so adding a kind is one function plus one registration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind; an unknown name is a one-line `ConfigError` naming the known ones.

    `loader` registers the built-ins on first use, so importing a seam stays cheap (the openai SDK
    alone costs a second of cold start).
    """

    def __init__(self, kind: str, loader: Callable[[Registry[T]], None] | None = None) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._loader = loader
        self._loaded = loader is None

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Make `entry` available under `name`; re-registering a taken name needs `replace=True`."""
        self._load()
        if not name or not name.strip():
            raise ConfigError(f"a {self.kind} needs a name")
        if name in self._entries and not replace:
            raise ConfigError(f"{self.kind} '{name}' is already registered")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Forget a registration (tests and plugins that registered a temporary entry)."""
        self._load()
        self._entries.pop(name, None)

    def get(self, name: str) -> T:
        """The entry registered under `name`."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise ConfigError(
                f"unknown {self.kind} '{name}' (registered: {', '.join(self.names())})"
            ) from None

    def names(self) -> list[str]:
        """Registered names, sorted: what CLI, UI and settings offer."""
        self._load()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _load(self) -> None:
        if not self._loaded and self._loader is not None:
            self._loaded = True  # set first: the loader itself calls register()
            self._loader(self)
