"""Each service's /docs in headless Chromium with no way out of the machine (a county intranet,
政务外网): Swagger UI renders every operation from scripts the service serves itself. The same
browser shows FastAPI's stock page, which loads them from a CDN, with no operation at all: the
network really is off."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import OFFLINE, chromium
from duban_common.natsserver import free_port
from service_apps import SERVICES, service_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), *OFFLINE)
    yield driver
    driver.quit()


def serve(app: FastAPI):
    """The app on a loopback port (no lifespan: the docs need neither NATS nor the database)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.config.port}"


def operations(base: str) -> set[tuple[str, str]]:
    spec = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "put", "post", "delete", "patch")
    }


def shown(driver) -> set[tuple[str, str]]:
    """The operations Swagger UI shows (one under each of its tags): method and path."""
    return {
        (
            op.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
            op.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"),
        )
        for op in driver.find_elements(By.CSS_SELECTOR, ".opblock")
    }


def rendered(browser, url: str, expected: set, wait_s: float) -> set[tuple[str, str]]:
    browser.get(url)
    try:
        WebDriverWait(browser, wait_s, poll_frequency=0.5).until(lambda d: shown(d) >= expected)
    except Exception:  # the set below is the answer
        pass
    return shown(browser)


@pytest.mark.parametrize("name", SERVICES)
def test_docs_render_every_operation_with_the_network_off(browser, tmp_path, name):
    server, thread, base = serve(service_app(name, tmp_path))
    try:
        expected = operations(base)
        assert len(expected) >= 5
        assert rendered(browser, f"{base}/docs", expected, wait_s=60) == expected
        assert "Swagger UI" in browser.title
        assets = [
            src
            for src in (
                e.get_attribute("src") or e.get_attribute("href")
                for e in browser.find_elements(By.CSS_SELECTOR, "script[src], link[href]")
            )
            if src
        ]
        assert assets and all(a.startswith(base) for a in assets), assets
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_stock_page_that_loads_from_a_cdn_renders_nothing_here(browser):
    stock = FastAPI(title="stock")

    @stock.get("/hello")
    def hello() -> dict:
        return {}

    server, thread, base = serve(stock)
    try:
        assert rendered(browser, f"{base}/docs", {("GET", "/hello")}, wait_s=10) == set()
    finally:
        server.should_exit = True
        thread.join(10)
