"""Maximum disk usage of the cluster statistics (guide L1672-1690, SPEC 3.4).

One file per group, one per configured group-resource type and one per
configured monitor-resource type, each kept in two generations:

    total = group_mb x 2 + resource_mb x resource_types x 2 + monitor_mb x monitor_types x 2

The file sizes are cluster settings (1-99 MB each); the guide gives no
default, so callers pass theirs and :data:`DEFAULT_MB` is only a starting
point. The guide's own example comes out at 232 MB:

>>> b = budget(resource_types=["t%d" % i for i in range(5)], monitor_types=["m%d" % i for i in range(10)],
...            group_mb=1, resource_mb=3, monitor_mb=10)
>>> b.total_mb, b.formula
(232, '1 MB x 2 + 3 MB x 5 types x 2 + 10 MB x 10 types x 2 = 232 MB')
"""

from __future__ import annotations

from dataclasses import dataclass

from clpkit.config import ClusterConfig, require_linux

GENERATIONS = 2
DEFAULT_MB = 1
SIZE_RANGE = (1, 99)


@dataclass(frozen=True)
class Budget:
    group_mb: int
    resource_mb: int
    monitor_mb: int
    resource_types: tuple[str, ...]
    monitor_types: tuple[str, ...]

    @property
    def group_total_mb(self) -> int:
        return self.group_mb * GENERATIONS

    @property
    def resource_total_mb(self) -> int:
        return self.resource_mb * len(self.resource_types) * GENERATIONS

    @property
    def monitor_total_mb(self) -> int:
        return self.monitor_mb * len(self.monitor_types) * GENERATIONS

    @property
    def total_mb(self) -> int:
        return self.group_total_mb + self.resource_total_mb + self.monitor_total_mb

    @property
    def formula(self) -> str:
        return (
            f"{self.group_mb} MB x {GENERATIONS}"
            f" + {self.resource_mb} MB x {len(self.resource_types)} types x {GENERATIONS}"
            f" + {self.monitor_mb} MB x {len(self.monitor_types)} types x {GENERATIONS}"
            f" = {self.total_mb} MB"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "group_mb": self.group_mb,
            "resource_mb": self.resource_mb,
            "monitor_mb": self.monitor_mb,
            "resource_types": list(self.resource_types),
            "monitor_types": list(self.monitor_types),
            "generations": GENERATIONS,
            "group_total_mb": self.group_total_mb,
            "resource_total_mb": self.resource_total_mb,
            "monitor_total_mb": self.monitor_total_mb,
            "total_mb": self.total_mb,
            "formula": self.formula,
        }


def _check_size(name: str, mb: int) -> int:
    lo, hi = SIZE_RANGE
    if not lo <= mb <= hi:
        raise ValueError(f"{name} must be {lo}-{hi} MB (the cluster setting's range), got {mb}")
    return mb


def budget(
    resource_types: list[str] | tuple[str, ...],
    monitor_types: list[str] | tuple[str, ...],
    *,
    group_mb: int = DEFAULT_MB,
    resource_mb: int = DEFAULT_MB,
    monitor_mb: int = DEFAULT_MB,
) -> Budget:
    """The budget for the given distinct resource and monitor types (duplicates count once)."""
    return Budget(
        _check_size("group file size", group_mb),
        _check_size("resource file size", resource_mb),
        _check_size("monitor file size", monitor_mb),
        tuple(dict.fromkeys(resource_types)),
        tuple(dict.fromkeys(monitor_types)),
    )


def budget_for(cfg: ClusterConfig, **sizes: int) -> Budget:
    """The budget of a configured cluster: its distinct resource and monitor types (the Linux guide's
    formula: a Windows cluster is refused)."""
    require_linux(cfg, "the statistics budget is the Linux guide's")
    return budget([r.type for r in cfg.resources], [m.type for m in cfg.monitors], **sizes)
