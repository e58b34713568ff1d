"""Debian's Chromium, headless, driven by Selenium through Debian's chromium-driver (the same
version as the browser; nothing is downloaded). `./duban.sh test` installs both when missing."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--lang=zh-CN",
)
# A county intranet: every name but the loopback fails to resolve, and every connection not to
# the loopback goes to a proxy that is not there.
# (Chromium never sends loopback requests to a proxy.)
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9")


def binary(*names: str) -> str:
    found = next((p for n in names if (p := shutil.which(n))), None)
    assert found, f"{' or '.join(names)} not installed: ./duban.sh test installs Debian's chromium and chromium-driver"
    return found


def chromium(profile: Path, *flags: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = binary("chromium", "chromium-browser")
    for flag in (*FLAGS, *flags, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=binary("chromedriver")))
    driver.set_page_load_timeout(60)
    return driver
