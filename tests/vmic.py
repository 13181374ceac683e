"""The virtual microphone the mic tests record from: ``scripts/virtual-mic`` driven from pytest.

One PulseAudio server serves the whole run (``vmic`` in conftest.py); a test that pulls
the plug starts its own with :func:`up`.  The server logs at ``info`` into its folder, so
when it goes away the log says why, and the ``vmic`` fixture brings it back before the
next test rather than letting one lost server fail every microphone test after it.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import needs

ROOT = Path(__file__).resolve().parent.parent
VMIC = ROOT / "scripts" / "virtual-mic"

#: seconds without a client before a test server exits by itself (an interrupted run
#: leaves nothing behind); long enough for the slowest decode between two recordings
IDLE_S = 600


def missing() -> str | None:
    tools = [t for t in ("pulseaudio", "pactl", "paplay") if shutil.which(t) is None]
    if tools:
        return f"{', '.join(tools)} not found — apt install pulseaudio pulseaudio-utils"
    if ctypes.util.find_library("portaudio") is None:
        return "PortAudio not found — apt install libportaudio2"
    return None


def unavailable(reason: str) -> None:
    needs.unavailable("the microphone tests", reason)


def no_devices(tmp_path: Path) -> dict[str, str]:
    """An environment in which PortAudio sees no device at all (skips on a machine with a card)."""
    reason = missing()
    if reason:
        unavailable(reason)
    # No PulseAudio server to reach: on a machine without a sound card PortAudio sees nothing.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(PULSE_SERVER=f"unix:{tmp_path}/nothing-here", COACH_HOME=str(tmp_path))
    listed = subprocess.run(
        [sys.executable, "-c", "import sounddevice as sd; print(len(sd.query_devices()))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if listed.stdout.strip() != "0":
        pytest.skip("this machine has a sound card, so it always has a device")
    return env


@dataclass
class VirtualMic:
    """A running ``scripts/virtual-mic`` server: the env to reach it, and a player."""

    folder: Path
    players: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
        env.update(COACH_VMIC_DIR=str(self.folder), PULSE_SERVER=f"unix:{self.folder}/native")
        env.update(extra)
        return env

    def play(self, path: Path) -> subprocess.Popen[bytes]:
        player = subprocess.Popen(
            [str(VMIC), "play", str(path)], env=self.env(), stdin=subprocess.DEVNULL
        )
        self.players.append(player)
        return player

    def stop_players(self) -> None:
        for player in self.players:
            if player.poll() is None:
                player.terminate()
            player.wait(timeout=10)
        self.players.clear()

    def running(self) -> bool:
        """The server answers (``pactl info``)."""
        proc = subprocess.run(
            ["pactl", "info"],
            env=self.env(),
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=30,
        )
        return proc.returncode == 0

    def log(self, lines: int = 40) -> str:
        """The end of the server's log: what it said before it went away."""
        path = self.folder / "log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def up(folder: Path) -> VirtualMic:
    mic = VirtualMic(folder)
    proc = subprocess.run(
        [str(VMIC), "up"],
        env=mic.env(COACH_VMIC_IDLE=str(IDLE_S), COACH_VMIC_LOG="info"),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )
    if proc.returncode != 0:
        unavailable(f"scripts/virtual-mic up failed: {proc.stderr.strip()}")
    return mic


def down(mic: VirtualMic) -> None:
    mic.stop_players()
    subprocess.run([str(VMIC), "down"], env=mic.env(), check=False, timeout=30)


def restart_if_gone(mic: VirtualMic) -> str | None:
    """Bring a server that went away back; what its log said, or None if it was running."""
    if mic.running():
        return None
    said = mic.log()
    up(mic.folder)
    return said
