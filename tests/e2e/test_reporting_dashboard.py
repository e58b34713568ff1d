"""The dashboard in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's chromium-driver (same version as the browser, nothing downloaded). The page of the
running system shows the same counts as the ledger API, and a matter appears in the overdue
list once the shared clock passes its deadline. A screenshot goes to test-artifacts/."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By

from browser_support import chromium
from duban_common.calendar import TZ
from e2e_support import START, ledger, meeting_decision, publish, set_clock, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql (a page in a browser; the ledger behind it runs on both in other modules)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def count(driver, light: str) -> int:
    return int(driver.find_element(By.CSS_SELECTOR, f"#light-{light} .n").text)


def test_the_dashboard_in_chromium_shows_the_ledgers_counts_and_the_overdue_matter(system, nats_server, browser):
    asyncio.run(publish(nats_server.url, [meeting_decision("db-dash", decisions=2)]))
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 2 and all(i["due_on"] for i in r) else None)(
            ledger(system, q="db-dash")["items"]
        ),
        what="two matters with deadlines",
    )
    # the page takes its token from the Authorization header only
    url = f"{system.url('reporting')}/v1/tenants/demo/dashboard"
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {system.token('leader')}"}}
    )
    try:
        asyncio.run(
            set_clock(nats_server.url, datetime(2026, 12, 8, 10, 0, tzinfo=TZ))
        )  # both deadlines (12-07 17:30) have passed
        wait_for(
            lambda: (lambda r: r["total"] == 2 and all(i["urges"] for i in r["items"]))(
                ledger(system, q="db-dash", light="red")
            ),
            what="the two matters red in the ledger, each urged by escalation",
        )
        browser.get(url)
        assert browser.title.startswith("督查督办工作看板")
        for light in ("red", "yellow", "green"):
            assert count(browser, light) == ledger(system, light=light, limit=1)["total"], light
        assert count(browser, "total") == ledger(system, limit=1)["total"]
        overdue = browser.find_element(By.ID, "overdue")
        titles = {r["title"] for r in rows}
        shown = {
            tr.find_elements(By.TAG_NAME, "td")[1].text for tr in overdue.find_elements(By.CSS_SELECTOR, "tbody tr")
        }
        assert titles <= shown or ledger(system, light="red", limit=1)["total"] > 20, "the overdue matters are listed"
        assert "县住房和城乡建设局" in overdue.text and "2026-12-07" in overdue.text
        assert "单位排名" in browser.find_element(By.ID, "ranking").text
        escalations = browser.find_element(By.ID, "escalations").text
        assert "催办" in escalations and rows[0]["title"] in escalations and "县住房和城乡建设局" in escalations

        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1400, max(int(height) + 200, 800))
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        print(f"dashboard screenshot: {shot}")
    finally:
        asyncio.run(set_clock(nats_server.url, START))
    page = httpx.get(url, params={"period": "2026-Q5"}, timeout=10)
    assert page.status_code == 422
