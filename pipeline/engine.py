"""Where a stage's maps run: the engines, and the `engine:` setting's value."""

from dataclasses import dataclass

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Engine:
    """Where the maps run: `local` worker processes, or `ray` tasks on the cluster at
    `address` (`auto`: the one this machine belongs to)."""

    name: str = "local"
    address: str = "auto"
