"""Account security in Chromium (issue 12 item 11): a person sets up TOTP two-factor sign-in on the Account page,
logs out, and logs in again with the password and a code computed here (RFC 6238 with hmac/hashlib, from the key the
page shows), then sees the session marked as this one.

A fresh user is made through the API (key from `tradelane keys create` on the demo's data directory), so the demo
logins other browser tests use keep signing in with the password alone. Needs TRADELANE_BASE_URL and
TRADELANE_DEMO_DIR (scripts/test.sh sets both) and TRADELANE_BIN (default .build/debug/tradelane).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from helpers import click_and_wait_reload, click_opening_dialog, confirm_dialog, current_path, wait, wait_css

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRADELANE_BIN") or str(ROOT / ".build" / "debug" / "tradelane")
PASSWORD = "e2e two-factor pw"


def totp(key_base32: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA-1 over the big-endian step counter, dynamic truncation, RFC 4226)."""
    key = base64.b32decode(key_base32 + "=" * (-len(key_base32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def test_rfc6238_reference_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) for the ASCII key "12345678901234567890".
    key = base64.b32encode(b"12345678901234567890").decode()
    assert totp(key, 59, digits=8) == "94287082"


def make_user(email: str) -> None:
    base, demo = os.environ.get("TRADELANE_BASE_URL"), os.environ.get("TRADELANE_DEMO_DIR")
    if not base or not demo:
        pytest.fail("TRADELANE_BASE_URL and TRADELANE_DEMO_DIR must point at the running demo (scripts/test.sh sets them)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELANE_")}
    env["TRADELANE_DATA_DIR"] = demo
    key = subprocess.run([BIN, "keys", "create", "--role", "operator-admin", "--name", "e2e-2fa"], env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    body = json.dumps({"email": email, "displayName": "Two Factor E2E", "password": PASSWORD, "role": "finance"}).encode()
    req = urllib.request.Request(base.rstrip("/") + "/api/v1/users", data=body, method="POST", headers={
        "Authorization": "Bearer " + key, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201


def fresh_code(key: str, used: set[str]) -> str:
    """The current code, waiting for the next time step when this one was already used (the server refuses replays)."""
    for _ in range(40):
        code = totp(key, time.time())
        if code not in used:
            used.add(code)
            return code
        time.sleep(1)
    raise AssertionError("no new TOTP step within 40 s")


def test_enrol_two_factor_log_out_and_log_in_with_a_code(driver, login, logout, open_page) -> None:
    email = f"totp-{uuid.uuid4().hex[:8]}@e2e.example"
    make_user(email)
    login(email, PASSWORD)

    # The header's name opens the Account page.
    click_and_wait_reload(driver, wait_css(driver, "#account-link"))
    assert current_path(driver) == "/console/account"
    click_and_wait_reload(driver, wait_css(driver, "#start-enrolment"))
    uri = wait_css(driver, "#otpauth-uri").get_attribute("href")
    key = wait_css(driver, "#otp-secret").text.replace(" ", "")
    assert uri.startswith("otpauth://totp/") and f"secret={key}" in uri and "issuer=Tradelane" in uri
    assert all(len(group) == 4 for group in wait_css(driver, "#otp-secret").text.split(" "))

    # A wrong code: the error sits next to the field and is announced; nothing is switched on.
    used: set[str] = set()
    right = totp(key, time.time())
    field = wait_css(driver, "#code")
    field.send_keys("000000" if right != "000000" else "111111")
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#confirm-enrolment"))
    error = wait_css(driver, "#code-error")
    assert error.get_attribute("role") == "alert"
    assert wait_css(driver, "#code").get_attribute("aria-invalid") == "true"

    wait_css(driver, "#code").send_keys(fresh_code(key, used))
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#confirm-enrolment"))
    wait_css(driver, "#two-factor-enabled")
    codes = [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code.recovery-code")]
    assert len(codes) == 10 and len(set(codes)) == 10

    logout()

    # Password first, then the second step; the session starts only after the code.
    open_page("/console/login")
    wait_css(driver, "#email").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "#password").send_keys(PASSWORD)
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#login-submit"))
    wait(driver, lambda d: current_path(d) == "/console/login/verify", "the password did not lead to the code step")
    assert driver.get_cookie("tl_session") is None
    wait_css(driver, "#code").send_keys(fresh_code(key, used))
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#verify-submit"))
    wait(driver, lambda d: current_path(d) == "/console", "the code did not sign in")
    wait_css(driver, "#page-title")

    # The Account page lists this session as this one, with the browser named.
    open_page("/console/account")
    assert wait_css(driver, "#this-session").is_displayed()
    row = driver.find_element(By.CSS_SELECTOR, "tr.current-session")
    assert "Chrome" in row.text
    # Regenerating recovery codes asks first.
    click_opening_dialog(driver.find_element(By.CSS_SELECTOR, "#regenerate").click)
    dialog = confirm_dialog(driver)
    assert "recovery codes" in dialog.text
    dialog.dismiss()
    assert current_path(driver) == "/console/account"
