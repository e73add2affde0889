"""Fixtures for the browser tests of the Tradelane operator console.

The tests drive Debian's headless Chromium through chromedriver against a running
server:

    TRADELANE_BASE_URL=http://127.0.0.1:8080 python3 -m pytest -q Tests/e2e

scripts/test.sh starts `tradelane demo` and sets TRADELANE_BASE_URL itself.

Environment:
    TRADELANE_BASE_URL         server to test (required)
    TRADELANE_SCREENSHOT_DIR   if set, screenshots are saved there (named after the
                               test; also one for every failing test)
    TRADELANE_CHROMIUM         browser binary   (default /usr/bin/chromium)
    TRADELANE_CHROMEDRIVER     driver binary    (default /usr/bin/chromedriver)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from helpers import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    click_and_wait_reload,
    current_path,
    safe_name,
    wait,
    wait_css,
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("TRADELANE_BASE_URL", "").strip()
    if not url:
        pytest.fail(
            "TRADELANE_BASE_URL is not set: start `tradelane demo` and point it there "
            "(scripts/test.sh does both)",
            pytrace=False,
        )
    return url.rstrip("/")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can see whether the test failed.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _make_driver():
    options = Options()
    options.binary_location = os.environ.get("TRADELANE_CHROMIUM", "/usr/bin/chromium")
    # Leave confirmation dialogs open for the test to read and answer (helpers.confirm_dialog).
    options.unhandled_prompt_behavior = "ignore"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    service = Service(executable_path=os.environ.get("TRADELANE_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(0)
    return driver


@pytest.fixture
def driver(request):
    """A fresh headless Chromium per test (no cookies shared between tests)."""
    drv = _make_driver()
    yield drv
    rep = getattr(request.node, "rep_call", None)
    try:
        if rep is not None and rep.failed:
            # Shown by pytest under "Captured stdout teardown" of the failing test.
            print(f"\n--- browser at {drv.current_url} ---")
            source = drv.page_source
            print(source[:4000] + ("\n...[truncated]" if len(source) > 4000 else ""))
            shot_dir = os.environ.get("TRADELANE_SCREENSHOT_DIR")
            if shot_dir:
                Path(shot_dir).mkdir(parents=True, exist_ok=True)
                drv.save_screenshot(str(Path(shot_dir) / f"FAILED-{safe_name(request.node.name)}.png"))
    except Exception as exc:  # never hide the real failure behind a teardown error
        print(f"(could not capture browser state: {exc})")
    finally:
        drv.quit()


@pytest.fixture
def screenshot(driver, request):
    """screenshot("label") saves a PNG into $TRADELANE_SCREENSHOT_DIR, if that is set."""

    def take(label: str) -> None:
        shot_dir = os.environ.get("TRADELANE_SCREENSHOT_DIR")
        if not shot_dir:
            return
        Path(shot_dir).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(shot_dir) / f"{safe_name(request.node.name)}-{safe_name(label)}.png"))

    return take


@pytest.fixture
def open_page(driver, base_url):
    """open_page("/console/kyc") loads a page of the server under test."""

    def go(path: str) -> None:
        driver.get(base_url + path)
        wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", f"{path} did not load")

    return go


@pytest.fixture
def login(driver, open_page):
    """login() signs in as the demo operator and waits for the dashboard.

    login(email, password, expect_success=False) only submits the form.
    """

    def do_login(email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD, expect_success: bool = True):
        open_page("/console/login")
        email_input = wait_css(driver, "#email")
        email_input.clear()
        email_input.send_keys(email)
        password_input = driver.find_element(By.CSS_SELECTOR, "#password")
        password_input.clear()
        password_input.send_keys(password)
        click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#login-submit"))
        if expect_success:
            try:
                wait(driver, lambda d: current_path(d) == "/console", "login did not land on /console")
            except TimeoutException:
                raise AssertionError(
                    f"login as {email} did not reach the dashboard /console; browser is at {driver.current_url}"
                ) from None
            wait_css(driver, "#page-title")
        return driver

    return do_login


@pytest.fixture
def logout(driver):
    def do_logout():
        click_and_wait_reload(driver, wait_css(driver, "#logout"))
        wait_css(driver, "#email")  # back on the login page

    return do_logout
