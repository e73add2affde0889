"""Record pages with timelines (issue 12 item 2) in Chromium: a KYC submission opened from the review queue shows its
documents inline (the PNG as an image, the PDF in the browser's viewer) and its history; approving it from the page
returns to the page with the decision in the timeline.

Needs TRADELANE_BASE_URL and TRADELANE_DEMO_DIR (the running demo server) and TRADELANE_BIN (default
.build/debug/tradelane) to make an operator key for setting the submission up through the API.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from helpers import click_and_wait_reload, current_path, wait, wait_css

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRADELANE_BIN") or str(ROOT / ".build" / "debug" / "tradelane")

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAAJUlEQVR42mOQ9bsBR/+RAKniDMPYIEo0I4sPZ4NG09FoOqKCQQBlWzAuSInT8QAAAABJRU5ErkJggg=="
)
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")


def operator_key() -> str:
    base, demo = os.environ.get("TRADELANE_BASE_URL"), os.environ.get("TRADELANE_DEMO_DIR")
    if not base or not demo:
        pytest.fail("TRADELANE_BASE_URL and TRADELANE_DEMO_DIR must point at the running demo (scripts/test.sh sets them)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELANE_")}
    env["TRADELANE_DATA_DIR"] = demo
    r = subprocess.run([BIN, "keys", "create", "--role", "operator-admin", "--name", "e2e records"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def api(base: str, key: str, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.load(resp)


def submission_under_review(base: str) -> tuple[str, str]:
    """A new merchant's KYC with a PNG and a PDF document, under review; returns (submission id, company name)."""
    key = operator_key()
    suffix = secrets.token_hex(3).upper()
    company = f"Records E2E Trading {suffix}"
    merchant = api(base, key, "POST", "/api/v1/merchants",
                   json.dumps({"name": company, "country": "CN", "contactEmail": f"e2e-{suffix.lower()}@example.com"}).encode())
    sub = api(base, key, "POST", f"/api/v1/merchants/{merchant['id']}/kyc-submissions", json.dumps({
        "companyName": company, "registrationNumber": f"91440300MA5F{suffix}", "legalRepresentative": "Li Lei",
        "country": "CN", "address": "1 Test Road, Shenzhen", "licenceExpiresOn": "2031-01-01"}).encode())
    api(base, key, "POST", f"/api/v1/kyc-submissions/{sub['id']}/documents?kind=id-document&filename=id.png", PNG, "image/png")
    api(base, key, "POST", f"/api/v1/kyc-submissions/{sub['id']}/documents?kind=business-licence&filename=licence.pdf", PDF,
        "application/pdf")
    api(base, key, "POST", f"/api/v1/kyc-submissions/{sub['id']}/start-review", b"{}")
    return sub["id"], company


def timeline_actions(driver) -> list[str]:
    return [li.get_attribute("data-action") for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li.timeline-entry")]


def test_kyc_page_previews_documents_and_shows_the_decision_in_its_timeline(driver, base_url, login, open_page, screenshot):
    submission_id, company = submission_under_review(base_url)
    login()
    open_page("/console/kyc?status=under-review")
    link = wait_css(driver, f'#kyc-table tr[data-submission-id="{submission_id}"] a.record-link')
    assert link.text.strip() == company, f"the queue row's link reads {link.text!r}"
    click_and_wait_reload(driver, link)
    assert current_path(driver) == f"/console/kyc/{submission_id}"

    # The PNG is an inline image that actually loaded; the PDF is embedded from the same tenant-walled route.
    img = wait_css(driver, "figure.document img.document-preview")
    wait(driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == 24,
         "the PNG preview did not load")
    pdf = driver.find_element(By.CSS_SELECTOR, 'figure.document object.document-preview[type="application/pdf"]')
    src = pdf.get_attribute("data")
    assert "/console/kyc-documents/doc_" in src, src
    fetched = driver.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => done([r.status, r.headers.get('content-type'), r.headers.get('x-frame-options')]))"
        ".catch(e => done(['error', String(e)]))", src)
    assert fetched[:3] == [200, "application/pdf", "SAMEORIGIN"], fetched

    # The history so far, newest first, with names rather than ids.
    actions = timeline_actions(driver)
    assert actions[:1] == ["kyc.under-review"] and "kyc.submitted" in actions and actions.count("kyc.document-added") == 2, actions
    actors = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#timeline .timeline-actor")]
    assert actors and not any(a.startswith(("usr_", "key_")) for a in actors), actors
    screenshot("kyc-submission")

    approve = driver.find_element(By.CSS_SELECTOR, '#kyc-actions button[data-action="approve"]')
    assert company in approve.get_attribute("data-confirm")
    click_and_wait_reload(driver, approve)

    assert current_path(driver) == f"/console/kyc/{submission_id}"
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#kyc-status").get_attribute("data-status") == "approved",
         "the submission is not approved after the decision")
    assert timeline_actions(driver)[0] == "kyc.approved", timeline_actions(driver)
    first = driver.find_element(By.CSS_SELECTOR, "#timeline li.timeline-entry")
    assert "Operator Admin" in first.text, first.text
    assert "Operator Admin" in wait_css(driver, "#kyc-decision").text
    screenshot("kyc-approved")
