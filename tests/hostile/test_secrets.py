"""Item 6: a password planted in every DSN form, a notifier URL and an SMTP password appears in no output of
any command and on no screen; a state DSN with port 99999 or abc is one clear line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config import load_config
from opstui.core import Core
from opstui.redact import redact
from tests.hostile.payloads import SECRET
from tests.hostile.test_screens import screen_text, settle
from tests.ui.conftest import make_app

STATE_DSNS = {
    "url": f"postgresql://ops:{SECRET}@127.0.0.1:1/ops",
    "url, encoded": f"postgresql://ops:{SECRET.replace('-', '%2D')}@127.0.0.1:1/ops",
    "query parameter": f"postgresql://ops@127.0.0.1:1/ops?password={SECRET}",
    "keyword/value": f"host=127.0.0.1 port=1 user=ops password={SECRET} dbname=ops",
    "keyword/value, quoted": f"host=127.0.0.1 port=1 user=ops password='{SECRET} x' dbname=ops",
}

NOTIFIERS = f"""
notifiers:
  - {{type: webhook, name: hook, url: "https://u:{SECRET}@hooks.example/in/{SECRET}?token={SECRET}",
     headers: {{Authorization: "Bearer {SECRET}"}}}}
  - {{type: slack, name: chat, webhook_url: "https://hooks.slack.com/services/T0/B0/{SECRET}"}}
  - {{type: email, name: mail, host: 127.0.0.1, port: 1, sender: a@example.com, to: [b@example.com],
     username: ops, password: "{SECRET}"}}
"""


def config_for(tmp_path: Path, dsn: str) -> Path:
    path = tmp_path / "opstui.yaml"
    source = f"postgresql://ops:{SECRET}@127.0.0.1:1/shop"
    path.write_text(
        f'state:\n  backend: postgres\n  dsn: "{dsn}"\n  timeout: 2s\n'
        f"sources:\n  - {{name: shopdb, type: postgres, dsn: '{source}', connect_timeout: 1s}}\n" + NOTIFIERS,
        encoding="utf-8",
    )
    return path


COMMANDS: list[tuple[str, ...]] = [
    ("validate",),
    ("check",),
    ("check", "--json"),
    ("incidents",),
    ("incidents", "--json"),
    ("ack", "1"),
    ("resolve", "1"),
    ("report", "1"),
    ("audit",),
    ("checklist", "--export", "md"),
    ("state", "migrate"),
]


@pytest.mark.parametrize("form", list(STATE_DSNS))
def test_no_command_prints_the_password(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for(tmp_path, STATE_DSNS[form])
    monkeypatch.setenv("OPSTUI_CONFIG", str(config))
    for command in COMMANDS:
        code = main(list(command))
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert SECRET not in text, f"{command}: {text}"
        assert "Traceback" not in text
        assert code in (0, 1, 3), f"{command}: exit {code}: {text}"  # the config is valid: never 2
    dsn = STATE_DSNS[form] if "://" in STATE_DSNS[form] else f"postgres:{STATE_DSNS[form]}"
    assert main(["state", "copy", "--from", f"sqlite:{tmp_path / 's.db'}", "--to", dsn]) == 1
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


@pytest.mark.parametrize("port", ["99999", "abc", "0"])
def test_a_state_dsn_with_a_bad_port_is_one_clear_line(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for dsn in (f"postgresql://ops:{SECRET}@db:{port}/ops", f"host=db port={port} password={SECRET}"):
        config = tmp_path / "opstui.yaml"
        config.write_text(f"state:\n  backend: postgres\n  dsn: '{dsn}'\n", encoding="utf-8")
        commands = (["validate"], ["incidents"], ["ack", "1"], ["report", "1"], ["audit"], ["check"])
        for command in commands:
            expected = 3 if command == ["check"] else 2  # check's contract: a bad config is UNKNOWN
            assert main([*command, "--config", str(config)]) == expected, command
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "state.dsn: the DSN's port must be a number from 1 to 65535" in err
            assert SECRET not in err


def test_redact_masks_every_form_in_free_text() -> None:
    text = (
        f"failed: postgresql://ops:{SECRET}@db/x host=db password={SECRET} "
        f"password = '{SECRET} x' https://h/?token={SECRET}&a=1 sslpassword={SECRET}"
    )
    assert SECRET not in redact(text)
    assert redact(f"auth failed for {SECRET}", [SECRET]) == "auth failed for ***"


async def test_no_screen_shows_the_password(tmp_path: Path, clock: FakeClock) -> None:
    config = load_config(config_for(tmp_path, STATE_DSNS["keyword/value"]))
    core = Core(config.model_copy(update={"sources": []}), clock)
    app = make_app(core)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert core.state_error is not None, "the state store is unreachable: the header says so"
        for key in "123451":
            await pilot.press(key)
            await settle(app, pilot)
            shown = "\n".join(screen_text(app))
            assert SECRET not in shown
            if key == "1":
                assert "state store unavailable" in shown
