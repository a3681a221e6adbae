"""The shipped systemd unit: what it promises, and that systemd itself accepts it.

``systemd-analyze verify`` fails on an ExecStart that does not exist, and only warns (exit status
0) about a misspelt key or value. So the test verifies the shipped unit byte for byte except its
install folder, which it points at a temporary one holding a real executable as .venv/bin/python,
and it fails on any warning that names the unit. (verify does not look up User=, so the system
user need not exist.) A second run with a misspelt key shows that such a warning is caught.
"""

import re
import shutil
import subprocess
import sys

import pytest
from dotenv import dotenv_values

from helpers.library import ROOT

UNIT = ROOT / "deploy" / "intimacy-bot.service"
PREFIX = "/opt/intimacy-bot"


def _service() -> dict[str, str]:
    section, out = None, {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out[key] = value
    return out


def test_the_unit_runs_the_bot_unprivileged_restarts_on_failure_and_logs_to_the_journal():
    service = _service()
    assert service["User"] == service["Group"] == "intimacy-bot"
    assert service["ExecStart"] == f"{PREFIX}/.venv/bin/python -m bot run"
    assert service["WorkingDirectory"] == PREFIX
    assert service["EnvironmentFile"] == f"{PREFIX}/.env"  # the file the command line reads too
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "78"  # a configuration error: a restart cannot fix it
    assert service["StandardOutput"] == service["StandardError"] == "journal"
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for step in (
        "make install",
        "index build",
        "git checkout",
        "systemctl restart intimacy-bot",
        f"useradd --system --home-dir {PREFIX}",
        "cp deploy/intimacy-bot.service /etc/systemd/system/",
    ):
        assert step in readme


def _verify(unit_text: str, folder):
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed (.ci/run installs it on Debian)")
    unit = folder / "intimacy-bot.service"
    unit.write_text(unit_text, encoding="utf-8")
    done = subprocess.run([exe, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # Only lines about this unit count: a container without a running systemd may add others.
    about_unit = [line for line in (done.stdout + done.stderr).splitlines() if str(folder) in line or unit.name in line]
    return done.returncode, about_unit


def test_systemd_analyze_verifies_the_shipped_unit(tmp_path):
    install = tmp_path / "install"
    (install / ".venv" / "bin").mkdir(parents=True)
    (install / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (install / ".env").write_text("DISCORD_TOKEN=\n")
    shipped = UNIT.read_text(encoding="utf-8")
    text = shipped.replace(PREFIX, str(install))
    assert PREFIX not in text and text.count(str(install)) == shipped.count(PREFIX) >= 4
    (tmp_path / "good").mkdir()
    assert _verify(text, tmp_path / "good") == (0, [])

    (tmp_path / "bad").mkdir()
    status, problems = _verify(text.replace("Restart=on-failure", "Restart=on-falure"), tmp_path / "bad")
    assert any("restart specifier" in line or "on-falure" in line for line in problems), problems


def test_the_example_settings_read_the_same_for_systemd_and_the_bot():
    example = ROOT / ".env.example"
    pairs = {}
    for line in example.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        # systemd keeps everything after '=' (an inline '# comment' too); python-dotenv strips it
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^#'\"\s]*", line), line
        key, value = line.split("=", 1)
        pairs[key] = value
    assert dotenv_values(example) == pairs
