"""The game loop, chimp.py style: ``load_*`` helpers, then one ``main()`` that ticks,
reads events, updates and draws.

Two ways to run. With a display, the engine plays through ``output="pygame"`` on its
own threads and the loop only posts to it and polls it. Headless (``seconds`` set),
the engine runs in pull mode and the loop renders its audio inline, one game frame
of it per frame at a fixed 60 fps game clock, into a WAV file: music and game time
stay in lockstep and the run is deterministic for a seed.

The environment (SDL_VIDEODRIVER, SDL_AUDIODRIVER) must be set before this module
is imported; ``demo.command`` does that.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pygame

from demo.game.audio import PullRecorder
from demo.game.bot import Autopilot
from demo.game.music import MusicDirector
from demo.game.render import SCREEN_H_PX, SCREEN_W_PX, Renderer
from demo.game.world import WON, Dungeon

log = logging.getLogger(__name__)

FPS = 60
MAX_DT_S = 0.05
SCORE_PATH = Path(__file__).resolve().parents[1] / "scores" / "dungeon.yaml"
KEYS_X = ((pygame.K_LEFT, -1), (pygame.K_a, -1), (pygame.K_RIGHT, 1), (pygame.K_d, 1))
KEYS_Y = ((pygame.K_UP, -1), (pygame.K_w, -1), (pygame.K_DOWN, 1), (pygame.K_s, 1))


@dataclass
class GameOptions:
    """How to run: ``seconds`` set means headless and pull mode; ``record_path`` is a WAV to write."""

    seconds: float | None = None
    autoplay: bool = False
    record_path: str | None = None
    screenshot_path: str | None = None
    seed: int = 1
    score_path: str = str(SCORE_PATH)
    sample_rate_hz: int = 48000

    @property
    def headless(self) -> bool:
        return self.seconds is not None


@dataclass
class RunReport:
    """What a run did, for the CLI to print and the tests to check."""

    game_s: float = 0.0
    frames: int = 0
    events_posted: dict[str, int] = field(default_factory=dict)
    states: list[tuple[float, str]] = field(default_factory=list)
    levels_won: int = 0
    deaths: int = 0
    frame_time_ms_p50: float = 0.0
    frame_time_ms_p99: float = 0.0
    render_ms_p99: float = 0.0
    underruns: int = 0
    audio_peak: float = 0.0
    audio_rms_dbfs: float = float("-inf")
    wav_path: str | None = None
    png_path: str | None = None


def load_screen() -> pygame.Surface:
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption("moodscore: dungeon")
    return pygame.display.set_mode((SCREEN_W_PX, SCREEN_H_PX))


def load_engine(options: GameOptions):
    """The game's one ``MusicEngine``, loaded with the dungeon score."""
    from engine import MusicEngine

    return MusicEngine.load(options.score_path, soundfont=None, model=None, seed=options.seed,
                            sample_rate_hz=options.sample_rate_hz, block_frames=256, latency_blocks=3)


def start_engine(engine, options: GameOptions) -> PullRecorder | None:
    """Start the engine's output; return the recorder the loop must pull from, if any.

    With a display the engine plays on its own threads. If pygame's audio cannot
    open, the game still runs, silent, pulling the engine itself so the music's
    clock (and the HUD) keep going.
    """
    if options.headless:
        engine.start(output="null")
        return PullRecorder(engine, options.sample_rate_hz, FPS, options.record_path)
    from engine.errors import EngineError

    try:
        engine.start(output="pygame")
        return None
    except EngineError as exc:
        log.warning("no audio output (%s): playing silent", exc)
        engine.start(output="null")
        return PullRecorder(engine, options.sample_rate_hz, FPS, None)


def keyboard_direction() -> tuple[float, float]:
    pressed = pygame.key.get_pressed()
    dx = sum(sign for key, sign in KEYS_X if pressed[key])
    dy = sum(sign for key, sign in KEYS_Y if pressed[key])
    return float(dx), float(dy)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def save_screenshot(screen: pygame.Surface, path: str) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(screen, path)
    return path


def main(options: GameOptions) -> RunReport:
    """Play until the window closes (or ``options.seconds`` of game time pass, headless)."""
    screen = load_screen()
    renderer = Renderer(screen)
    dungeon = Dungeon(options.seed)
    bot = Autopilot() if options.autoplay else None
    report = RunReport()
    frame_ms: list[float] = []
    frame_stats = ""
    clock = pygame.time.Clock()
    total_frames = round(options.seconds * FPS) if options.headless else None
    with load_engine(options) as engine:
        director = MusicDirector(engine)
        recorder = start_engine(engine, options)
        running = True
        try:
            while running:
                dt_s = 1.0 / FPS if options.headless else min(clock.tick(FPS) / 1000.0, MAX_DT_S)
                started = time.perf_counter()
                for event in pygame.event.get():
                    if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                        running = False
                    elif event.type == pygame.KEYDOWN and event.key == pygame.K_F12:
                        log.info("screenshot: %s", save_screenshot(screen, options.screenshot_path or "moodscore-demo.png"))
                direction = bot.direction(dungeon.level) if bot else keyboard_direction()
                happenings = dungeon.update(dt_s, direction)
                report.levels_won += happenings.count(WON)
                director.update(dt_s, dungeon.level, happenings)
                if recorder is not None:
                    recorder.pull()
                director.listen()
                snap = engine.snapshot()
                if not report.states or report.states[-1][1] != snap.state:
                    report.states.append((round(director.time_s, 3), snap.state))
                renderer.draw(dungeon.level, director, snap, frame_stats)
                if not options.headless:
                    pygame.display.flip()
                frame_ms.append((time.perf_counter() - started) * 1000.0)
                report.frames += 1
                if report.frames % 30 == 0:
                    recent = frame_ms[-120:]
                    frame_stats = f"frame {sum(recent) / len(recent):.1f} ms (p99 {percentile(recent, 0.99):.1f})   fps {clock.get_fps() if not options.headless else FPS:.0f}"
                if total_frames is not None and report.frames >= total_frames:
                    running = False
            if options.screenshot_path:
                report.png_path = save_screenshot(screen, options.screenshot_path)
            report.underruns = int(engine.snapshot().underruns)
            engine.stop(fade_s=0.0 if options.headless else 0.5)
        finally:
            if recorder is not None:
                recorder.close()
    report.game_s = round(director.time_s, 3)
    report.events_posted = dict(director.events_posted)
    report.deaths = dungeon.deaths
    report.frame_time_ms_p50 = round(percentile(frame_ms, 0.5), 2)
    report.frame_time_ms_p99 = round(percentile(frame_ms, 0.99), 2)
    if recorder is not None and options.headless:
        report.render_ms_p99 = round(percentile(recorder.render_ms, 0.99), 2)
        report.audio_peak = round(recorder.peak, 4)
        report.audio_rms_dbfs = round(recorder.rms_dbfs, 1)
        report.wav_path = options.record_path
    pygame.display.quit()
    return report
