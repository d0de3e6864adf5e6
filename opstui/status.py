"""Status levels shared by checks, KPIs and the ``check`` command (Nagios-numbered)."""

from __future__ import annotations

from enum import Enum, IntEnum


class Status(IntEnum):
    """The Nagios convention: the value is the exit code of ``opstui check``."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def label(self) -> str:
        return self.name

    @staticmethod
    def worst(statuses: list[Status]) -> Status:
        """CRITICAL beats UNKNOWN beats WARNING beats OK: a red KPI outranks a silent source."""
        order = [Status.OK, Status.WARNING, Status.UNKNOWN, Status.CRITICAL]
        return max(statuses, key=order.index, default=Status.OK)


class KpiLevel(Enum):
    """Where a KPI stands against its target / warning / critical thresholds."""

    TARGET = "target"
    """Meets its target."""
    OFF_TARGET = "off-target"
    """Misses the target but has not crossed the warning threshold."""
    WARNING = "warning"
    CRITICAL = "critical"
    STALE = "stale"
    """Had data, but its newest point is older than its source's ``stale_after``: the value is not now."""
    NO_DATA = "no-data"

    @property
    def status(self) -> Status:
        return {
            KpiLevel.TARGET: Status.OK,
            KpiLevel.OFF_TARGET: Status.OK,
            KpiLevel.WARNING: Status.WARNING,
            KpiLevel.CRITICAL: Status.CRITICAL,
            KpiLevel.STALE: Status.UNKNOWN,
            KpiLevel.NO_DATA: Status.UNKNOWN,
        }[self]
