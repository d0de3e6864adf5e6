"""The console app: registers the themes, owns the core's lifetime, switches modes, paces redraws.

It stays thin on purpose: each screen lives in ``screens/``, each widget in ``widgets/``, the
styles in ``styles/*.tcss``. The app redraws the active screen at ``ui.refresh`` (1 Hz by default)
from the core's snapshot, never per event, so a burst of traffic costs the screen nothing extra.
The redraw pace is real (wall) time on purpose: it is a CPU budget, not domain time, and a
time-warped demo clock must not make the screen repaint faster.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import import_module
from pathlib import PurePath
from typing import Any, ClassVar

from textual import actions, work
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input, Tabs

from opstui.core import Core
from opstui.metrics.history_file import HistoryError
from opstui.replay import ReplayCore, replay_of
from opstui.sanitize import clean
from opstui.ui.keymap import VIEW_BINDINGS
from opstui.ui.messages import StateChanged
from opstui.ui.replay_keys import IN_CONSOLE_REFUSAL, JUMP, REPLAY_BINDINGS, REPLAY_REFUSAL, STEP
from opstui.ui.screens.base import ConsoleScreen
from opstui.ui.screens.engineering import EngineeringScreen
from opstui.ui.theming import DEFAULT_THEME, STATUS_DEFAULTS, ThemeMemory, load_themes
from opstui.ui.widgets.header import mute_text


@cache
def freeze_startup_heap() -> None:
    """Once a process, after the first frame: collect, then move every object alive now (modules, config, the
    screens and their widgets, the history read at start) out of the garbage collector's sight.

    Why: a full collection walks every tracked object, and with the console's heap it held the loop for 60-70 ms
    about every tenth refresh (docs/performance.md, "Fast under fire"): a keystroke landing then waited for it.
    After the freeze a full collection sees only what was made since. The cost: a reference cycle among the frozen
    objects is never collected; they are the start-up objects, which live as long as the console.
    """
    gc.collect()
    gc.freeze()


SCREENS_GROUP = Binding.Group("Screens", compact=True)
"""Keys 1-5 share one footer label ("12345 Screens") so an 80-column footer keeps room for each screen's
own keys and for ``q Quit``; the help screen (``?``) still lists each key with its screen."""

LAZY_SCREENS = {
    "oncall": ("opstui.ui.screens.oncall", "OnCallScreen"),
    "executive": ("opstui.ui.screens.executive", "ExecutiveScreen"),
    "checklist": ("opstui.ui.screens.checklist", "ChecklistScreen"),
    "audit": ("opstui.ui.screens.audit", "AuditScreen"),
}
"""Screens imported when first shown, not at start: the first frame needs only Engineering, and the
others' widgets, modals and forms cost ~70 ms of imports (bench/ui.py, first frame)."""


def _lazy_screen(module: str, name: str) -> Callable[[], Screen[None]]:
    def make() -> Screen[None]:
        screen: Screen[None] = getattr(import_module(module), name)()
        return screen

    return make


READ_ONLY_REFUSAL = "read-only console: this key acts, and this console only looks"


@cache
def _action_names(cls: type) -> frozenset[str]:
    """The actions a read-only console refuses on a node of ``cls``: those of every console key its class binds
    that is not one of :data:`~opstui.ui.keymap.VIEW_BINDINGS` (so a key added later is refused until it is
    listed as one that only looks). Textual's own keys (focus, cursor, palette) are not the console's."""
    return frozenset(
        actions.parse(binding.action)[1]
        for klass in cls.__mro__
        if klass.__module__.startswith("opstui.")
        for binding in klass.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id not in VIEW_BINDINGS
    )


MODE_TITLES = {
    "engineering": "Engineering",
    "oncall": "On-call",
    "executive": "Executive",
    "checklist": "Checklist",
    "audit": "Audit",
}


class OpstuiApp(App[int]):
    """The on-call console around one :class:`Core`."""

    TITLE = "opstui"
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/app.tcss", "styles/header.tcss", "styles/engineering.tcss"]
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        "engineering": EngineeringScreen,
        **{mode: _lazy_screen(module, name) for mode, (module, name) in LAZY_SCREENS.items()},
    }
    DEFAULT_MODE = "engineering"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "switch_mode('engineering')",
            "Engineering",
            id="mode.engineering",
            group=SCREENS_GROUP,
            tooltip="KPI tiles, health checks, latency, events",
        ),
        Binding(
            "2",
            "switch_mode('oncall')",
            "On-call",
            id="mode.oncall",
            group=SCREENS_GROUP,
            tooltip="Incidents to acknowledge",
        ),
        Binding(
            "3",
            "switch_mode('executive')",
            "Executive",
            id="mode.executive",
            group=SCREENS_GROUP,
            tooltip="Business KPIs",
        ),
        Binding(
            "4",
            "switch_mode('checklist')",
            "Checklist",
            id="mode.checklist",
            group=SCREENS_GROUP,
            tooltip="Due and overdue tasks",
        ),
        Binding(
            "5",
            "switch_mode('audit')",
            "Audit",
            id="mode.audit",
            group=SCREENS_GROUP,
            tooltip="Every action: who, when, from which host, what",
        ),
        Binding(
            "A",
            "acknowledge_banner",
            "Ack banner",
            id="app.acknowledge_banner",
            tooltip="Acknowledge the incident the banner names (the banner shows this key)",
            show=False,  # the banner line shows it, where it applies; the footer keeps its room at 80 columns
        ),
        Binding(
            "M",
            "mute",
            "Mute bell",
            id="app.mute",
            tooltip="Mute the bell for alerting.bell.mute_for (1 h), or unmute; the header shows it",
            show=False,  # the header says the bell is muted and until when; the footer keeps q Quit at 80 columns
        ),
        *REPLAY_BINDINGS,
        Binding("question_mark", "help", "Help", id="app.help", tooltip="This screen's help and every key"),
        Binding("t", "cycle_theme", "Theme", id="app.theme", tooltip="Next theme"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave the console"),
    ]

    def __init__(
        self,
        core: Core,
        theme: str | None = None,
        demo: bool = False,
        memory: ThemeMemory | None = None,
        speed: float = 1.0,
        read_only: bool = False,
    ) -> None:
        self.core = core
        """The core the screens read: the live one, or a replay in front of it (``P``)."""
        self.live_core = core
        """The core this app started and stops: it keeps running (sources, rules, pages) while a replay is shown."""
        self.replay: ReplayCore | None = core if isinstance(core, ReplayCore) else None
        """The replay shown, if any (``opstui replay``, or ``P`` in the console): every key that acts is refused."""
        self.demo = demo
        self.speed = speed
        self.read_only = read_only
        """``--read-only`` (a second screen, ``opstui serve --read-only``): every action key is hidden from the
        footer and the help and refused when pressed or clicked; the header says READ-ONLY."""
        """How much faster than real time the clock runs (``--demo --speed N``); the header says ``xN``."""
        self._themes = load_themes()
        self._memory = memory
        ui = core.config.ui
        # --theme, then ui.theme when the config sets it, then the theme chosen with `t` last time.
        configured = ui.theme if "theme" in ui.model_fields_set else None
        recalled = memory.recall() if memory is not None else None
        self._wanted_theme = theme or configured or recalled or ui.theme
        self._theme_touched = False
        self._last_banner: str | None = None
        self._refresh_timer: Timer | None = None
        self._unwatch: Callable[[], None] | None = None
        super().__init__()
        if ui.keys:
            self.set_keymap(ui.keys)  # the ids were checked at start (opstui.ui.keymap.check_keys)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_DEFAULTS)

    @property
    def theme_names(self) -> list[str]:
        """The console's own themes, in the order ``t`` cycles them."""
        return self._themes.names

    async def on_mount(self) -> None:
        for theme in self._themes.themes.values():
            self.register_theme(theme)
        for problem in self._themes.problems:
            self.notify(problem, title="theme skipped", severity="warning")
        if self._wanted_theme in self.available_themes:
            self.theme = self._wanted_theme
        else:
            self.notify(f"unknown theme {self._wanted_theme!r}; using {DEFAULT_THEME}", severity="warning")
            self.theme = DEFAULT_THEME
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._unwatch = self.core.on_change(self._state_changed)
        await self.core.start()
        self.tick()
        self._refresh_timer = self.set_interval(self.core.config.ui.refresh, self.tick, name="refresh")
        self.call_after_refresh(freeze_startup_heap)

    async def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
        if self.replay is not None and self.replay is not self.live_core:
            await self.replay.stop()
        await self.live_core.stop()

    def _state_changed(self, version: int) -> None:
        """The core's change listener: the screen in front hears of it as a message (see opstui.ui.messages)."""
        if self.live:
            self.screen.post_message(StateChanged(version))

    @property
    def live(self) -> bool:
        """True until the app starts to quit: after that nothing redraws a screen Textual is taking apart."""
        return self.is_running and not self._exit

    def exit(self, *args: Any, **kwargs: Any) -> None:
        # Stop the refresh timer before Textual removes the screens' widgets, so ``q`` never races teardown.
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        super().exit(*args, **kwargs)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification of the console (screens and modals call this too) is plain text, cleaned:
        a message may quote an incident title, a note or a server's error, which must show as written."""
        super().notify(
            clean(message, multiline=True), title=clean(title), severity=severity, timeout=timeout, markup=False
        )

    def tick(self) -> None:
        """One redraw: the active screen's header and body, from one snapshot; rings the bell when
        ``alerting.bell`` says so for the unacknowledged incidents (at most once a redraw)."""
        if not self.live:
            return
        live = self.live_core  # the bell rings for what is waiting now, a replay in front or not
        if live.bell.due(live.clock.now(), live.waiting):
            self.bell()
        banner = self.core.banner
        if banner != self._last_banner:
            self.refresh_bindings()  # the banner key shows exactly while there is a banner
        self._last_banner = banner
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The banner key is hidden while no P0/P1 waits: it never acknowledges anything else. ``P`` enters a
        replay from the live console and leaves one shown in it; a replay's keys apply while replaying (an
        input being typed in keeps its own space and arrows, focused tabs their own left and right)."""
        if action == "acknowledge_banner":
            return self.core.banner_incident is not None
        if action == "replay":
            return self.replay is None
        if action == "live":
            return self.replay is not None and self.replay is not self.live_core
        if action in ("toggle_replay", "step", "jump"):
            own_keys = Input | Tabs if action == "step" else Input
            return self.replay is not None and not isinstance(self.focused, own_keys)
        return True

    def refused(self, action: str | ActionParseResult, namespace: DOMNode | None) -> bool:
        """Whether a read-only console or a replay refuses ``action`` bound on ``namespace`` (an action key's)."""
        if not self.read_only and self.replay is None:
            return False
        name = action[1] if isinstance(action, tuple) else actions.parse(action)[1]
        return name in _action_names(type(self if namespace is None else namespace))

    def _check_action_state(self, action: str, default_namespace: DOMNode) -> bool | None:
        # Textual asks this for every binding it shows (footer, help): a refused key is not shown.
        if self.refused(action, default_namespace):
            return False
        return super()._check_action_state(action, default_namespace)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # Every key press, footer click and palette action arrives here: the one place to refuse them.
        if self.refused(action, default_namespace):
            self.notify(self._refusal(), severity="warning", timeout=3)
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def _refusal(self) -> str:
        if self.read_only or self.replay is None:
            return READ_ONLY_REFUSAL
        return REPLAY_REFUSAL if self.replay is self.live_core else IN_CONSOLE_REFUSAL

    def action_replay(self) -> None:
        self._enter_replay()

    @work(group="replay", exclusive=True, exit_on_error=False)
    async def _enter_replay(self) -> None:
        """Show a replay of this console's history and incidents from an hour ago, paused; the live core runs on."""
        try:
            replay = await replay_of(self.live_core)
        except HistoryError as exc:
            self.notify(str(exc), title="no replay", severity="warning")
            return
        if self.replay is not None or not self.live:  # pressed twice, or quitting meanwhile
            await replay.stop()
            return
        self.replay = self.core = replay
        self._redraw_for_core()
        self.notify("replay, paused: space plays, left/right a minute, shift for an hour; P back to live", timeout=6)

    async def action_live(self) -> None:
        """Leave the replay shown in the console: the live core, which never stopped, is in front again."""
        replay = self.replay
        if replay is None or replay is self.live_core:
            return
        self.replay, self.core = None, self.live_core
        self._redraw_for_core()
        await replay.stop()

    def _redraw_for_core(self) -> None:
        """The core in front changed: the keys (the acting ones hidden or shown again) and the screen, now."""
        self.refresh_bindings()
        if isinstance(self.screen, ConsoleScreen):
            self.screen.refresh_bindings()
        self.tick()

    def action_toggle_replay(self) -> None:
        if self.replay is not None:
            self.replay.toggle()
            self.tick()

    def action_step(self, minutes: int) -> None:
        if self.replay is not None:
            self.replay.move(minutes * STEP)
            self.tick()

    def action_jump(self, hours: int) -> None:
        if self.replay is not None:
            self.replay.move(hours * JUMP)
            self.tick()

    def action_acknowledge_banner(self) -> None:
        if (incident_id := self.core.banner_incident) is not None:
            self._acknowledge_banner(incident_id)

    @work(group="banner-ack", exclusive=True, exit_on_error=False)
    async def _acknowledge_banner(self, incident_id: int) -> None:
        """Acknowledge the banner's incident by its id (not whatever a list's cursor is on) and say which."""
        from opstui.ui.widgets.incident_actions import acknowledge  # the dialogs are not needed for the first frame

        await acknowledge(self.screen, incident_id)
        self.core.note_change()  # the lists and the detail re-read now, not at the change feed's next poll
        self.tick()

    def action_mute(self) -> None:
        """Mute the bell for ``alerting.bell.mute_for``, or unmute it; the header shows the mute until it ends."""
        core = self.core
        now = core.clock.now()
        if core.bell.muted(now):
            core.bell.unmute()
            self.notify("bell unmuted", timeout=3)
        else:
            until = core.bell.mute(now)
            self.notify(f"{mute_text(until, core.config.timezone)} (M unmutes)", timeout=4)
        self.tick()

    def _remember_theme(self, theme: Theme) -> None:
        """Persist a theme the user chose (``t`` or the palette), not the one the app started with."""
        self._theme_touched = self._theme_touched or theme.name != self._wanted_theme
        if self._memory is None or not self._theme_touched:
            return
        if problem := self._memory.remember(theme.name):
            self.notify(problem, severity="warning")

    def action_cycle_theme(self) -> None:
        names = self.theme_names
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"theme: {self.theme}", timeout=2)

    def action_help(self) -> None:
        from opstui.ui.screens.help import HelpScreen  # Markdown is not needed for the first frame

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        help_text = screen.HELP if isinstance(screen, ConsoleScreen) else ""
        if self.read_only:
            help_text = f"**Read-only console**: the keys that act are hidden and refused.\n\n{help_text}"
        elif self.replay is not None:
            back = (
                " `P` goes back to the live console, which kept running." if self.replay is not self.live_core else ""
            )
            help_text = (
                "**Replay**: the screens as they were at the time in the header; the keys that act are hidden and "
                f"refused. `space` plays or pauses, `left` / `right` move a minute, `shift` with them an hour.{back}"
                f"\n\n{help_text}"
            )
        self.push_screen(HelpScreen(help_text or "## opstui", self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """Every live binding as ``(key, description, where)``: what ``?`` and the README list."""
        ranked: list[tuple[int, tuple[str, str, str]]] = []
        screen_title = getattr(self.screen, "TITLE_TEXT", "")
        for active in self.active_bindings.values():
            binding, node = active.binding, active.node
            where = "everywhere" if node is self else getattr(node, "TITLE_TEXT", "") or type(node).__name__
            description = binding.description or binding.tooltip or binding.action
            if binding.action == "command_palette":
                description = "Command palette: every action by name"  # not in the footer, so say it here
            if binding.id:
                description = f"{description} · `{binding.id}`"  # the id ui.keys rebinds it by
            # The screen's own keys first, then the app's, then what Textual adds (focus, copy) and the
            # focused widget's navigation: our bindings all carry an id, Textual's do not.
            rank = 0 if where == screen_title and binding.id else 1 if where == "everywhere" else 2
            ranked.append((rank, (binding.key_display or self.get_key_display(binding), description, where)))
        return [row for _, row in sorted(ranked, key=lambda item: item[0])]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, title in MODE_TITLES.items():
            yield SystemCommand(f"Screen: {title}", f"Switch to the {title} screen", self._switcher(mode))
        yield SystemCommand("Cycle theme", "Switch to the next opstui theme", self.action_cycle_theme)
        yield SystemCommand("Keys and help", "Show this screen's help and every key", self.action_help)

    def _switcher(self, mode: str) -> Callable[[], None]:
        def switch() -> None:
            self.switch_mode(mode)

        return switch
