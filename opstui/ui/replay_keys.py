"""The replay's keys, for every console: ``P`` in and out of a replay shown in the live console, and the keys
that move a replay's time cursor. The app (:class:`~opstui.ui.app.OpstuiApp`) binds them and enables each only
where it applies (``check_action``); while a replay is shown every key that acts is refused with these words."""

from __future__ import annotations

from textual.binding import Binding, BindingType

REPLAY_REFUSAL = "replay: this key acts, and a replay only looks"
IN_CONSOLE_REFUSAL = f"{REPLAY_REFUSAL} (P goes back to live)"
STEP = 60.0
"""``left`` / ``right`` in a replay: one minute."""
JUMP = 3600.0
"""``shift+left`` / ``shift+right`` in a replay: one hour."""
STEP_GROUP = Binding.Group("±1m", compact=True)
"""A replay's ``left`` / ``right`` share one footer label (``←→ ±1m``): 80 columns keep ``q Quit`` in a replay."""

REPLAY_BINDINGS: list[BindingType] = [
    Binding(
        "P",
        "replay",
        "Replay",
        id="app.replay",
        tooltip="Replay the last hour: metrics, events, alerts, incidents (read-only; P again: back to live)",
        show=False,  # in `?`: an 80-column footer has no room left on the screens with action keys
    ),
    Binding("P", "live", "Live", id="app.live", tooltip="Leave the replay: back to the live console"),
    # A replay's keys, only while replaying. Priority: a focused table has its own left / right and the
    # Checklist its own space; in a replay they move the cursor in time (an input keeps its own keys).
    Binding("space", "toggle_replay", "Play", id="replay.pause", tooltip="Pause or play the replay", priority=True),
    Binding("left", "step(-1)", "-1m", id="replay.back", tooltip="One minute back", group=STEP_GROUP, priority=True),
    Binding("right", "step(1)", "+1m", id="replay.forward", tooltip="One minute on", group=STEP_GROUP, priority=True),
    Binding("shift+left", "jump(-1)", "-1h", id="replay.jump_back", show=False, tooltip="One hour back", priority=True),
    Binding(
        "shift+right", "jump(1)", "+1h", id="replay.jump_forward", show=False, tooltip="One hour on", priority=True
    ),
]
