"""Helpers shared by the browser tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException, StaleElementReferenceException,
                                        UnexpectedAlertPresentException, WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

DEMO_EMAIL = "admin@tradelane.local"
DEMO_PASSWORD = "tradelane-demo"

WAIT_SECONDS = 15


def wait(driver, condition, message: str, timeout: float = WAIT_SECONDS):
    """Wait until condition(driver) is truthy; returns its value."""
    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=0.1,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition, message)


def wait_css(driver, css: str, timeout: float = WAIT_SECONDS):
    """Wait for a displayed element matching css and return it."""

    def find(d):
        el = d.find_element(By.CSS_SELECTOR, css)
        return el if el.is_displayed() else False

    return wait(driver, find, f"no visible element {css!r} on {driver.current_url}", timeout)


def current_path(driver) -> str:
    path = urlparse(driver.current_url).path
    return path.rstrip("/") or "/"


def html_lang(driver) -> str:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def _do_and_wait_reload(driver, action, what: str, timeout: float) -> None:
    marker = driver.find_element(By.TAG_NAME, "html")
    click_opening_dialog(action)
    # Irreversible actions ask first (data-confirm); these helpers say yes. Tests of the question itself use
    # confirm_dialog().
    try:
        driver.switch_to.alert.accept()
    except NoAlertPresentException:
        pass

    def reloaded(d):
        try:
            marker.tag_name  # raises once the old document is gone
            return False
        except (StaleElementReferenceException, WebDriverException):
            # While the old document is being replaced Chromium may answer with a generic
            # "Node ... does not belong to the document" error instead of a stale reference.
            try:
                return d.execute_script("return document.readyState") == "complete"
            except WebDriverException:
                return False

    wait(driver, reloaded, f"page did not reload after {what} (still {driver.current_url})", timeout)


def click_opening_dialog(action) -> None:
    """Runs a click that may open a confirmation dialog (ChromeDriver reports the open dialog as an error)."""
    try:
        action()
    except UnexpectedAlertPresentException:
        pass


def confirm_dialog(driver, timeout: float = WAIT_SECONDS):
    """The confirmation dialog an irreversible action opens (raises when none appears)."""
    return wait(driver, lambda d: _alert(d), "no confirmation dialog appeared", timeout)


def _alert(driver):
    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return False


def click_and_wait_reload(driver, element, timeout: float = WAIT_SECONDS) -> None:
    """Click an element that submits a form; wait until the next page has loaded."""
    _do_and_wait_reload(driver, element.click, "the click", timeout)


def submit_and_wait_reload(driver, form, timeout: float = WAIT_SECONDS) -> None:
    """Submit a form; wait until the next page has loaded."""
    _do_and_wait_reload(driver, form.submit, "submitting the form", timeout)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]
