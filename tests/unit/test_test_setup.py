"""`./duban.sh test` does the set-up its browser tests need: Debian's chromium, chromium-driver
and CJK fonts, installed when missing on a machine that can (root with apt-get), said in one
line; CI calls the README's command and nothing more."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "tests" / "setup-browser.sh"


def stub(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/bash\n{script}\n")
    path.chmod(0o755)


def run_setup(tmp_path: Path, *, uid: int, have: tuple[str, ...]) -> tuple[subprocess.CompletedProcess, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "apt.log"
    stub(bin_dir, "id", f"echo {uid}")
    stub(bin_dir, "apt-get", f'echo "$@" >> {log}')
    for name in have:
        stub(bin_dir, name, "echo 'Noto Sans CJK SC'" if name == "fc-list" else "true")
    done = subprocess.run(
        ["/bin/bash", str(SETUP)], env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30
    )
    return done, log.read_text() if log.exists() else ""


def test_a_fresh_root_machine_gets_chromium_its_driver_and_cjk_fonts(tmp_path):
    done, apt = run_setup(tmp_path, uid=0, have=())
    assert done.returncode == 0
    assert apt.splitlines() == ["update -qq", "install -y -qq chromium chromium-driver fonts-noto-cjk"]
    assert done.stderr.splitlines() == [
        "duban.sh test: installing chromium chromium-driver fonts-noto-cjk for the browser tests (apt-get, once)"
    ]


def test_only_what_is_missing_is_installed_and_nothing_when_all_is_there(tmp_path):
    done, apt = run_setup(tmp_path / "a", uid=0, have=("chromium", "fc-list"))
    assert apt.splitlines()[-1] == "install -y -qq chromium-driver"
    done, apt = run_setup(tmp_path / "b", uid=0, have=("chromium", "chromedriver", "fc-list"))
    assert done.returncode == 0 and apt == "" and done.stderr == ""


def test_a_machine_that_cannot_install_is_told_what_to_install(tmp_path):
    done, apt = run_setup(tmp_path, uid=1000, have=("chromium",))
    assert done.returncode == 0 and apt == ""
    assert done.stderr.splitlines() == [
        "duban.sh test: the browser tests need Debian's chromium-driver fonts-noto-cjk: "
        "sudo apt-get install chromium-driver fonts-noto-cjk"
    ]


def test_duban_sh_test_runs_the_set_up_and_ci_only_the_readme_command():
    duban = (ROOT / "duban.sh").read_text()
    test_branch = duban[duban.index("  test)") : duban.index(";;", duban.index("  test)"))]
    assert "bash tests/setup-browser.sh" in test_branch
    assert test_branch.index("setup-browser") < test_branch.index("exec .venv/bin/pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and "./duban.sh test" in ci
