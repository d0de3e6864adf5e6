"""The rule engine: evaluates every rule against the metric store and runs Prometheus' alert states.

For each rule and each series its expression returns (the alert's *fingerprint*: rule name + labels):

- inactive -> **pending** when the condition first holds (at once **firing** when ``for`` is 0);
- pending -> **firing** at the first evaluation where it has held for ``for`` (``now - active_at >= for``),
  and pending -> inactive if it stops holding before that (no incident, nothing sent);
- firing -> **resolved** at the first evaluation where it has not held for ``keep_firing_for``, on data the
  engine can see. Stale data is absent (see :mod:`opstui.metrics.freshness`): a pending alert whose series
  went stale goes back to inactive, but a firing one whose series went stale *stays firing*, marked
  ``data_stale_since``: silence from a dead source is not a recovery, and its incident stays open, saying so;
- resolved -> pending again if it comes back (the incident manager then reopens or re-fires the same
  incident, so a flapping alert never opens a new incident each time), or forgotten after
  ``resolved_retention``.

The engine keeps this state in memory and returns the transitions; what they mean for incidents is the
:class:`~opstui.incidents.manager.IncidentManager`'s business. Its size is bounded by the metric store's
``max_series``: there is at most one alert per series a rule's expression can return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from opstui.alerts.evaluate import Context, Vector, evaluate
from opstui.alerts.expr import Node, Selector, main_metric, metrics, parse
from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import Clock
from opstui.config.alerting import AlertingSettings, AlertRule, render_summary
from opstui.metrics.freshness import Freshness
from opstui.metrics.sample import series_key
from opstui.metrics.store import MetricStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as the engine last saw it: what the On-call screen lists as pending or firing."""

    rule: str
    fingerprint: str
    labels: tuple[tuple[str, str], ...]
    state: AlertState
    active_at: float
    """When the condition started holding (the start of pending)."""
    last_true: float
    """The last evaluation at which the condition held."""
    value: float
    fired_at: float | None = None
    resolved_at: float | None = None
    data_stale_since: float | None = None
    """Firing, and the data it is judged on went stale at this time: kept firing, never resolved on silence."""


@dataclass(frozen=True, slots=True)
class RuleState:
    """One line of the alerts view: a rule with no alert (inactive), or one of its alerts."""

    rule: str
    severity: Severity
    state: AlertState
    fingerprint: str
    labels: tuple[tuple[str, str], ...]
    value: float | None
    """The alert's value at its last true evaluation; for an inactive rule, its main metric now (None: no data)."""
    since: float | None
    """When it entered its state (pending: the condition started holding; firing: fired; resolved: resolved)."""
    error: str | None
    """Why the rule's last evaluation failed (the same for every line of the rule)."""
    metric: str | None


class Verdict(StrEnum):
    """What the engine says now of an alert that has an open incident (see :meth:`RuleEngine.verdict`)."""

    FIRING = "firing"
    PENDING = "pending"
    """Holding again, ``for`` not yet elapsed: wait and see."""
    QUIET = "quiet"
    """Not holding, on data the engine can see: the alert has cleared."""
    UNKNOWN = "unknown"
    """No data to judge by yet (just started, the metric absent), or not a rule of this engine: say nothing."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: AlertRule
    expr: Node
    metric: str | None
    reads: frozenset[str] = frozenset()
    """Every metric the expression reads: any of them stale stops a firing alert from resolving."""


def fingerprint(rule: str, labels: dict[str, str]) -> str:
    """``High Error Rate`` or ``Service Down{source="api"}``: what silences and incidents key on."""
    return series_key(rule, labels)


class RuleEngine:
    """Evaluates alert rules on demand; :meth:`evaluate` returns what changed since the last call."""

    def __init__(
        self,
        rules: Sequence[AlertRule],
        store: MetricStore,
        clock: Clock,
        settings: AlertingSettings | None = None,
        freshness: Freshness | None = None,
    ) -> None:
        self.settings = settings or AlertingSettings()
        self._rules = [
            _Compiled(rule, node := parse(rule.expr), main_metric(node), frozenset(metrics(node))) for rule in rules
        ]
        self._store = store
        self._freshness = freshness
        self._clock = clock
        self._alerts: dict[str, dict[str, Alert]] = {rule.name: {} for rule in rules}
        self.errors: dict[str, str] = {}
        """Rules whose last evaluation failed, with why (shown, logged; the others still run)."""
        self.evaluated_at: float | None = None
        self._seen: set[str] = set()
        """Rules whose main metric had data at the last evaluation: only they can call an alert quiet."""

    @property
    def rules(self) -> list[AlertRule]:
        return [compiled.rule for compiled in self._rules]

    def alerts(self) -> list[Alert]:
        """Every pending, firing or recently resolved alert, firing first, then by rule name."""
        order = {AlertState.FIRING: 0, AlertState.PENDING: 1, AlertState.RESOLVED: 2}
        everything = [alert for alerts in self._alerts.values() for alert in alerts.values()]
        return sorted(everything, key=lambda a: (order.get(a.state, 3), a.rule, a.fingerprint))

    def overview(self) -> list[RuleState]:
        """Every rule, in config order: each of its alerts, or one inactive line with its main metric now."""
        out: list[RuleState] = []
        for compiled in self._rules:
            rule = compiled.rule
            error = self.errors.get(rule.name)
            alerts = sorted(self._alerts[rule.name].values(), key=lambda a: a.fingerprint)
            for alert in alerts:
                since = {
                    AlertState.FIRING: alert.fired_at,
                    AlertState.RESOLVED: alert.resolved_at,
                }.get(alert.state, alert.active_at)
                out.append(
                    RuleState(
                        rule.name,
                        rule.severity,
                        alert.state,
                        alert.fingerprint,
                        alert.labels,
                        alert.value,
                        since,
                        error,
                        compiled.metric,
                    )
                )
            if not alerts:
                value = self._store.value(compiled.metric) if compiled.metric else None
                labels = tuple(sorted(rule.labels.items()))
                fp = fingerprint(rule.name, dict(rule.labels))
                out.append(
                    RuleState(
                        rule.name, rule.severity, AlertState.INACTIVE, fp, labels, value, None, error, compiled.metric
                    )
                )
        return out

    def firing_transition(self, fingerprint: str) -> AlertTransition | None:
        """A FIRING transition at now for an alert that is firing, to announce it again; else None."""
        for compiled in self._rules:
            alert = self._alerts[compiled.rule.name].get(fingerprint)
            if alert is not None and alert.state is AlertState.FIRING:
                return self._transition(compiled, alert, AlertState.FIRING, self._clock.now())
        return None

    def verdict(self, rule: str, fingerprint: str) -> Verdict:
        """Whether the alert behind an incident (opened by an earlier run or another console) fires now.

        Used at start to reconcile open incidents with the rules: an alert that cleared while the console
        was down is QUIET once the rule's metric has fresh data, and the incident is then marked cleared.
        """
        if self.evaluated_at is None:
            return Verdict.UNKNOWN
        if not any(c.rule.name == rule for c in self._rules):
            return Verdict.UNKNOWN  # not this engine's alert (Alertmanager's, or a rule since removed)
        alert = self._alerts[rule].get(fingerprint)
        if alert is not None and alert.state in (AlertState.FIRING, AlertState.PENDING):
            return Verdict(alert.state.value)
        return Verdict.QUIET if rule in self._seen else Verdict.UNKNOWN

    def evaluate(self) -> list[AlertTransition]:
        """Evaluate every rule at the clock's now; return the state changes, in rule order."""
        now = self._clock.now()
        self.evaluated_at = now
        ctx = Context(self._store, now, self.settings.lookback, self._stale_at(now))
        transitions: list[AlertTransition] = []
        for compiled in self._rules:
            try:
                result = evaluate(compiled.expr, ctx)
            except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
                message = f"{type(exc).__name__}: {exc}"
                if self.errors.get(compiled.rule.name) != message:
                    log.warning("alert rule %r failed: %s", compiled.rule.name, message)
                self.errors[compiled.rule.name] = message
                continue
            self.errors.pop(compiled.rule.name, None)
            transitions += self._step(compiled, result, now)
            if compiled.metric is None or evaluate(Selector(compiled.metric, (), 0), ctx):
                self._seen.add(compiled.rule.name)
            else:
                self._seen.discard(compiled.rule.name)
        return transitions

    def stale_alerts(self) -> dict[str, float]:
        """Fingerprints of the firing alerts kept firing on stale data, and since when."""
        return {
            alert.fingerprint: alert.data_stale_since
            for alerts in self._alerts.values()
            for alert in alerts.values()
            if alert.state is AlertState.FIRING and alert.data_stale_since is not None
        }

    def _stale_at(self, now: float) -> Callable[[str, dict[str, str]], bool] | None:
        """The context's staleness test: a series no source claims is judged by ``lookback`` alone."""
        freshness = self._freshness
        if freshness is None:
            return None
        return lambda metric, labels: freshness.is_stale(metric, labels or None, now)

    def _data_stale(self, compiled: _Compiled, alert: Alert, now: float) -> bool:
        """Whether a series this alert's rule reads, with labels the alert carries, is stale now."""
        freshness = self._freshness
        if freshness is None:
            return False
        carried = set(alert.labels)
        return any(
            set(labels.items()) <= carried and freshness.is_stale(metric, labels or None, now)
            for metric in compiled.reads
            for _, labels in self._store.series(metric)
        )

    def _step(self, compiled: _Compiled, result: Vector, now: float) -> list[AlertTransition]:
        rule = compiled.rule
        alerts = self._alerts[rule.name]
        out: list[AlertTransition] = []
        holding: set[str] = set()
        for key, value in result.items():
            labels = {**dict(key), **rule.labels}
            fp = fingerprint(rule.name, labels)
            holding.add(fp)
            alert = alerts.get(fp)
            if alert is None or alert.state in (AlertState.INACTIVE, AlertState.RESOLVED):
                alert = Alert(rule.name, fp, tuple(sorted(labels.items())), AlertState.PENDING, now, now, value)
                state = AlertState.PENDING
                if rule.for_ <= 0:
                    state = AlertState.FIRING
                    alert = replace(alert, state=state, fired_at=now)
                out.append(self._transition(compiled, alert, state, now))
            elif alert.state is AlertState.PENDING and now - alert.active_at >= rule.for_:
                alert = replace(alert, state=AlertState.FIRING, fired_at=now, last_true=now, value=value)
                out.append(self._transition(compiled, alert, AlertState.FIRING, now))
            else:
                alert = replace(alert, last_true=now, value=value, data_stale_since=None)
            alerts[fp] = alert
        for fp, alert in list(alerts.items()):
            if fp in holding:
                continue
            if alert.state is AlertState.PENDING:
                del alerts[fp]
                out.append(self._transition(compiled, alert, AlertState.INACTIVE, now))
            elif alert.state is AlertState.FIRING:
                if self._data_stale(compiled, alert, now):
                    if alert.data_stale_since is None:
                        alerts[fp] = replace(alert, data_stale_since=now)
                        log.info("alert %s: data stale, kept firing", fp)
                    continue
                if now - alert.last_true < rule.keep_firing_for:
                    continue
                alerts[fp] = replace(alert, state=AlertState.RESOLVED, resolved_at=now)
                out.append(self._transition(compiled, alerts[fp], AlertState.RESOLVED, now))
            elif alert.resolved_at is not None and now - alert.resolved_at >= self.settings.resolved_retention:
                del alerts[fp]
        return out

    def _transition(self, compiled: _Compiled, alert: Alert, state: AlertState, now: float) -> AlertTransition:
        rule = compiled.rule
        summary = render_summary(rule.summary, alert.value, dict(alert.labels), rule.name, rule.severity.value)
        return AlertTransition(
            rule=rule.name,
            fingerprint=alert.fingerprint,
            state=state,
            severity=rule.severity,
            at=now,
            value=alert.value,
            summary=summary,
            runbook=rule.runbook,
            metric=compiled.metric,
            labels=alert.labels,
        )
