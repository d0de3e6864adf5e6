"""People paged through their own methods: two real HTTP servers on 127.0.0.1 stand in for ana's and ben's
pagers, a third for the team's webhook, and a real SMTP server for email. An incident pages ana (primary), then
escalates to ben (secondary): each page reaches only the person it names, through that person's methods for the
severity, through the durable outbox; an acknowledgement still tells the team."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.errors import ConfigError
from opstui.config.loader import load_config_text
from opstui.config.models import Config
from opstui.incidents.manager import IncidentManager
from opstui.notify.dispatcher import NotificationDispatcher, build_channels
from opstui.notify.people import person_notifiers
from opstui.notify.state_outbox import StateOutbox
from opstui.state import SqliteState
from tests.incidents.conftest import START
from tests.notify.servers import HookServer, Inbox


@pytest.fixture
async def servers() -> AsyncIterator[tuple[HookServer, HookServer, HookServer]]:
    ana, ben, team = HookServer(), HookServer(), HookServer()
    for server in (ana, ben, team):
        await server.start()
    yield ana, ben, team
    for server in (ana, ben, team):
        await server.stop()


@pytest.fixture
async def mail() -> AsyncIterator[Inbox]:
    server = Inbox()
    await server.start()
    yield server
    await server.stop()


def config(ana: HookServer, ben: HookServer, team: HookServer, mail: Inbox) -> Config:
    return Config.model_validate(
        {
            "notifiers": [
                {"type": "webhook", "name": "team", "url": f"{team.url}/team"},
                {
                    "type": "email",
                    "name": "mail",
                    "host": "127.0.0.1",
                    "port": mail.port,
                    "starttls": False,
                    "sender": "opstui@example.com",
                    "to": ["eng@example.com"],
                },
            ],
            "rotation": {"people": ["ana", "ben"], "start": "2026-09-21T09:00:00+00:00", "manager": "carla"},
            "people": [
                {"name": "ana", "webhook": f"{ana.url}/page/ana", "phone": "+49 151 1111111"},
                {
                    "name": "ben",
                    "webhook": f"{ben.url}/page/ben",
                    "email": "ben@example.com",
                    "phone": "+49 151 2222222",
                    "rules": {"P0": "all", "P2": ["email"]},
                },
            ],
        }
    )


async def deliver(state: SqliteState, cfg: Config, clock: FakeClock) -> int:
    """One dispatcher pass as the console runs it: the team's notifiers and every person's methods."""
    channels = build_channels([*cfg.notifiers, *person_notifiers(cfg.people, cfg.notifiers)])
    dispatcher = NotificationDispatcher(StateOutbox(state, cfg.notifiers, clock, people=cfg.people), channels, clock)
    try:
        return await dispatcher.run_once()
    finally:
        await dispatcher.aclose()


def fired(severity: Severity, rule: str) -> AlertTransition:
    return AlertTransition(rule=rule, fingerprint=f"{rule}|", state=AlertState.FIRING, severity=severity, at=START)


def seen(server: HookServer) -> list[tuple[str, Any, Any, Any]]:
    return [
        (path, body["event"], body["target"], body["phone"])
        for path, body in zip(server.paths, server.received, strict=True)
    ]


async def test_an_escalation_page_reaches_only_the_person_it_names(
    tmp_path: Path, servers: tuple[HookServer, HookServer, HookServer], mail: Inbox
) -> None:
    ana, ben, team = servers
    clock = FakeClock(START)
    cfg = config(ana, ben, team, mail)
    rotation = cfg.rotation
    assert rotation is not None
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(
            state,
            clock,
            cfg.incidents,
            "alice",
            escalation=cfg.escalation,
            on_call=lambda: rotation.who_is_on_call(clock.now()),
        )
        await manager.on_transitions([fired(Severity.P0, "Payment System Down")])
        assert await deliver(state, cfg, clock) == 1
        assert seen(ana) == [("/page/ana", "triggered", "ana", "+49 151 1111111")]
        assert (ben.received, team.received, mail.messages) == ([], [], [])

        clock.advance(15 * 60)  # nobody acknowledged: the secondary, ben, by every method he has for a P0
        await manager.tick()
        assert await deliver(state, cfg, clock) == 2
        assert seen(ben) == [("/page/ben", "escalated", "ben", "+49 151 2222222")]
        [(envelope, message)] = mail.messages
        assert envelope.rcpt_tos == ["ben@example.com"]
        assert "escalated" in str(message["Subject"]) and "Payment System Down" in str(message["Subject"])
        assert len(ana.received) == 1 and team.received == []

        # The acknowledgement is news for the team, not a page: the team's notifiers have it, nobody's pager.
        [incident] = await manager.open_incidents()
        await manager.acknowledge(incident.id, by="ben")
        assert await deliver(state, cfg, clock) == 2  # the team webhook and the team mailing list
        assert [body["event"] for body in team.received] == ["acknowledged"]
        assert (len(ana.received), len(ben.received)) == (1, 1)
        assert mail.messages[-1][0].rcpt_tos == ["eng@example.com"]


async def test_a_p2_reaches_ben_by_email_only(
    tmp_path: Path, servers: tuple[HookServer, HookServer, HookServer], mail: Inbox
) -> None:
    ana, ben, team = servers
    clock = FakeClock(START)
    cfg = config(ana, ben, team, mail)
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(
            state, clock, cfg.incidents, "alice", escalation=cfg.escalation.model_copy(update={"path": ["ben"]})
        )
        await manager.on_transitions([fired(Severity.P2, "Email Delivery Issues")])
        assert await deliver(state, cfg, clock) == 1
        [(envelope, _message)] = mail.messages
        assert envelope.rcpt_tos == ["ben@example.com"]
        assert (ana.received, ben.received, team.received) == ([], [], [])


def test_a_person_with_slack_but_no_slack_notifier_is_refused_at_load() -> None:
    text = "people:\n  - name: ana\n    slack: '@ana'\n"
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, file="opstui.yaml")
    assert str(caught.value) == (
        "opstui.yaml:2: people[0]: slack needs a notifier of type slack to send through (none in notifiers)"
    )
    text = "people:\n  - name: ana\n    email: ana@example.com\n    rules: {P0: [webhook]}\n"
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, file="opstui.yaml")
    assert "rules.P0: ana has no webhook to page through" in str(caught.value)
    assert caught.value.line == 2


async def test_the_console_s_dispatcher_routes_a_page_to_the_person(
    tmp_path: Path, servers: tuple[HookServer, HookServer, HookServer], mail: Inbox
) -> None:
    from opstui.core import Core

    ana, ben, team = servers
    clock = FakeClock(START)
    cfg = config(ana, ben, team, mail)
    core = Core(cfg, clock, state_path=str(tmp_path / "console.db"))  # not started: its dispatcher, built as it runs
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(
            state, clock, cfg.incidents, "alice", escalation=cfg.escalation.model_copy(update={"path": ["ben"]})
        )
        await manager.on_transitions([fired(Severity.P0, "Payment System Down")])
        dispatcher = core.build_dispatcher(state)
        try:
            assert await dispatcher.run_once() == 2  # ben's webhook and ben's email, nobody else's
        finally:
            await dispatcher.aclose()
        assert seen(ben) == [("/page/ben", "triggered", "ben", "+49 151 2222222")]
        assert [envelope.rcpt_tos for envelope, _ in mail.messages] == [["ben@example.com"]]
        assert (ana.received, team.received) == ([], [])
