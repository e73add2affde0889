"""Browser tests of the operator console, against a server freshly started with
`tradelane demo` (they change the demo data: approving the Shenzhen submission
only works once per fresh data directory)."""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from selenium.webdriver.common.keys import Keys

from helpers import (
    DEMO_EMAIL,
    click_and_wait_reload,
    click_opening_dialog,
    confirm_dialog,
    current_path,
    html_lang,
    submit_and_wait_reload,
    wait,
    wait_css,
)

CONSOLE_LANGS = {"en", "zh-CN"}
KYC_STATES = {"submitted", "under-review", "approved", "rejected", "needs-more-info"}

SHENZHEN = "Shenzhen Bright Lamp Trading Co."
HANGZHOU = "Hangzhou Silk Road Apparel Ltd."


# --------------------------------------------------------------------------- helpers


def nav_merchants_text(driver) -> str:
    return wait_css(driver, "#nav-merchants").text.strip()


def switch_language(driver, lang: str) -> None:
    button_id = {"en": "#lang-en", "zh-CN": "#lang-zh"}[lang]
    click_and_wait_reload(driver, wait_css(driver, button_id))
    wait(driver, lambda d: html_lang(d) == lang, f"<html lang> did not become {lang!r}")


def kyc_rows(driver):
    wait_css(driver, "#kyc-table")
    return driver.find_elements(By.CSS_SELECTOR, "#kyc-table tr[data-submission-id]")


def kyc_row_for(driver, merchant: str, state: str | None = None):
    rows = [r for r in kyc_rows(driver) if merchant in r.text]
    assert rows, f"no row for {merchant!r} in #kyc-table"
    if state is not None:
        matching = [r for r in rows if row_state(r) == state]
        assert matching, f"{merchant!r} has no submission in state {state!r}: {[row_state(r) for r in rows]}"
        rows = matching
    return rows[0]


def kyc_row_by_id(driver, submission_id: str):
    rows = driver.find_elements(By.CSS_SELECTOR, f'#kyc-table tr[data-submission-id="{submission_id}"]')
    assert rows, f"submission {submission_id} is no longer listed in #kyc-table on {driver.current_url}"
    return rows[0]


def row_state(row) -> str:
    return row.find_element(By.CSS_SELECTOR, "td.status").get_attribute("data-status") or ""


def row_button(row, action: str):
    return row.find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]')


def flash_text(driver) -> str:
    text = wait_css(driver, "#flash").text.strip()
    assert text, "#flash is shown but empty"
    return text


def body_rows(driver, table_css: str):
    wait_css(driver, table_css)
    rows = driver.find_elements(By.CSS_SELECTOR, f"{table_css} tbody tr")
    if not rows:
        rows = driver.find_elements(By.CSS_SELECTOR, f"{table_css} tr")
    return [r for r in rows if r.find_elements(By.TAG_NAME, "td")]


def is_sorted_either_way(values: list[str]) -> bool:
    def key_num(v):
        try:
            return (0, float(v.replace(",", "")), "")
        except ValueError:
            return (1, 0.0, v.casefold())

    for key in (lambda v: v, lambda v: v.casefold(), key_num):
        keys = [key(v) for v in values]
        if keys == sorted(keys) or keys == sorted(keys, reverse=True):
            return True
    return False


# --------------------------------------------------------------------------- login


def test_bad_password_shows_error_and_stays_on_login(driver, login):
    login(DEMO_EMAIL, "definitely-not-the-password", expect_success=False)
    error = wait_css(driver, "#login-error")
    assert error.text.strip(), "#login-error is shown but empty"
    assert current_path(driver) == "/console/login", f"left the login page: {driver.current_url}"
    assert driver.find_elements(By.CSS_SELECTOR, "#email"), "login form is gone"
    assert not driver.find_elements(By.CSS_SELECTOR, "#logout"), "a logout button is shown: signed in anyway?"


def test_login_shows_dashboard(driver, login, open_page, screenshot):
    login()
    assert current_path(driver) == "/console"
    title = wait_css(driver, "#page-title")
    assert title.tag_name.lower() == "h1", f"#page-title is a <{title.tag_name}>, not <h1>"
    assert title.text.strip(), "dashboard title is empty"
    screenshot("dashboard")
    for path in ("/console", "/console/kyc", "/console/merchants"):
        open_page(path)
        assert current_path(driver) == path, f"{path} redirected to {driver.current_url}"
        assert html_lang(driver) in CONSOLE_LANGS, f"{path}: <html lang={html_lang(driver)!r}>"


# --------------------------------------------------------------------------- language


def test_language_switch_is_remembered_on_the_user(driver, login, logout, screenshot):
    login()
    try:
        switch_language(driver, "zh-CN")
        assert nav_merchants_text(driver) == "商户"
        screenshot("zh")

        # New login in a browser with no cookies left: the choice must come from the user record.
        logout()
        driver.delete_all_cookies()
        login()
        assert html_lang(driver) == "zh-CN", "language not remembered after logout/login"
        assert nav_merchants_text(driver) == "商户"

        switch_language(driver, "en")
        assert nav_merchants_text(driver) == "Merchants"

        logout()
        driver.delete_all_cookies()
        login()
        assert html_lang(driver) == "en", "English not remembered after logout/login"
        assert nav_merchants_text(driver) == "Merchants"
    finally:
        # Leave the demo user in English for the other tests, whatever happened above.
        try:
            if driver.find_elements(By.CSS_SELECTOR, "#lang-en") and html_lang(driver) != "en":
                click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#lang-en"))
        except Exception:
            pass


# --------------------------------------------------------------------------- KYC queue


def test_kyc_queue_lists_demo_submissions(driver, login, open_page, screenshot):
    login()
    open_page("/console/kyc")
    rows = kyc_rows(driver)
    assert len(rows) >= 2, f"expected the demo submissions, found {len(rows)} rows"
    states = {row_state(r) for r in rows}
    assert states <= KYC_STATES, f"unknown states in td.status[data-status]: {states - KYC_STATES}"
    for row in rows:
        assert row.get_attribute("data-submission-id"), "row without a data-submission-id value"
    kyc_row_for(driver, SHENZHEN)
    kyc_row_for(driver, HANGZHOU)
    screenshot("kyc")


def test_kyc_decisions_ask_first_and_enter_never_decides(driver, login, open_page):
    """Issue 12 item 1: Enter in the reason box sends nothing; Reject asks first, naming the company and the
    consequence, and a "no" leaves the submission as it was."""
    login()
    open_page("/console/kyc")
    row = kyc_row_for(driver, SHENZHEN, state="under-review")
    submission_id = row.get_attribute("data-submission-id")
    # Counts submissions that were not cancelled (window listeners run after the console's own handler).
    driver.execute_script(
        "window.__sent = 0; window.addEventListener('submit', function (e) { if (!e.defaultPrevented) window.__sent++; });"
    )
    reason = row.find_element(By.CSS_SELECTOR, 'input[name="reason"]')
    reason.send_keys("licence scan unreadable" + Keys.ENTER)
    assert driver.execute_script("return window.__sent") == 0, "Enter in the reason box submitted a decision"
    assert current_path(driver) == "/console/kyc"

    click_opening_dialog(row_button(row, "reject").click)
    dialog = confirm_dialog(driver)
    text = dialog.text
    assert "深圳明灯贸易有限公司" in text and "cannot be undone" in text, f"confirmation does not name the record: {text!r}"
    dialog.dismiss()
    assert driver.execute_script("return window.__sent") == 0, "a dismissed confirmation still sent the form"
    open_page("/console/kyc")
    assert row_state(kyc_row_by_id(driver, submission_id)) == "under-review"


def test_approve_under_review_submission(driver, login, open_page, screenshot):
    login()
    open_page("/console/kyc")
    row = kyc_row_for(driver, SHENZHEN, state="under-review")
    submission_id = row.get_attribute("data-submission-id")

    click_and_wait_reload(driver, row_button(row, "approve"))

    flash_text(driver)
    if not driver.find_elements(By.CSS_SELECTOR, "#kyc-table"):
        open_page("/console/kyc")
    assert row_state(kyc_row_by_id(driver, submission_id)) == "approved"
    screenshot("approved")


def test_reject_without_reason_is_refused(driver, login, open_page):
    login()
    open_page("/console/kyc")
    row = kyc_row_for(driver, HANGZHOU)
    submission_id = row.get_attribute("data-submission-id")

    if row_state(row) == "submitted":
        # Move it to under-review first, so that a rejection would otherwise be allowed.
        click_and_wait_reload(driver, row_button(row, "start-review"))
        flash_text(driver)
        if not driver.find_elements(By.CSS_SELECTOR, "#kyc-table"):
            open_page("/console/kyc")
        row = kyc_row_by_id(driver, submission_id)
        assert row_state(row) == "under-review", "start-review did not move the submission to under-review"

    before = row_state(row)
    assert before not in {"approved", "rejected"}, f"{HANGZHOU} is already {before}"
    reject = row_button(row, "reject")
    try:
        reason = row.find_element(By.CSS_SELECTOR, 'input[name="reason"]')
    except NoSuchElementException:
        pytest.fail('the row has no input[name="reason"] for the rejection reason')
    reason.clear()
    # Switch off the browser's own form validation so that the server's check is what is tested.
    driver.execute_script(
        """
        const form = arguments[0].form;
        if (form) {
            form.noValidate = true;
            for (const el of form.querySelectorAll('[required],[minlength],[pattern]')) {
                el.removeAttribute('required'); el.removeAttribute('minlength'); el.removeAttribute('pattern');
            }
        }
        """,
        reject,
    )

    click_and_wait_reload(driver, reject)

    flash = wait_css(driver, "#flash")
    assert flash.text.strip(), "no error message for a rejection without a reason"
    kind = flash.get_attribute("data-kind")
    if kind:  # optional: the flash may say what kind of message it is
        assert kind == "error", f"#flash data-kind={kind!r} for a refused rejection"
    if not driver.find_elements(By.CSS_SELECTOR, "#kyc-table"):
        open_page("/console/kyc")
    assert row_state(kyc_row_by_id(driver, submission_id)) == before, "state changed despite the missing reason"


# --------------------------------------------------------------------------- merchants


def test_merchants_table_sorts_by_column(driver, login, open_page):
    login()
    open_page("/console/merchants")
    wait_css(driver, "#merchants-table")
    links = driver.find_elements(By.CSS_SELECTOR, "#merchants-table th a[data-sort]")
    assert links, "no sortable column headers (th a[data-sort]) in #merchants-table"
    assert len(body_rows(driver, "#merchants-table")) >= 2, "need at least two merchants to test sorting"

    by_key = {link.get_attribute("data-sort"): link for link in links}
    sort_key = next((k for k in ("name", "legal_name", "legalName", "legal-name") if k in by_key), None)
    sort_key = sort_key or links[0].get_attribute("data-sort")

    for _ in range(2):  # first click, then the toggle
        link = driver.find_element(By.CSS_SELECTOR, f'#merchants-table th a[data-sort="{sort_key}"]')
        column = driver.execute_script("return arguments[0].closest('th').cellIndex;", link)
        click_and_wait_reload(driver, link)
        values = []
        for row in body_rows(driver, "#merchants-table"):
            cells = row.find_elements(By.TAG_NAME, "td")
            assert column < len(cells), "row has fewer cells than the header"
            values.append(cells[column].text.strip())
        assert len(values) >= 2
        assert is_sorted_either_way(values), f"column {sort_key!r} is not sorted: {values}"


def test_merchants_filter(driver, login, open_page, screenshot):
    login()
    open_page("/console/merchants")
    before = [r.text for r in body_rows(driver, "#merchants-table")]
    assert any(SHENZHEN in t for t in before), f"{SHENZHEN!r} not listed before filtering"
    assert any("Silk" in t for t in before), "no merchant with 'Silk' listed before filtering"

    form = wait_css(driver, "#filter")
    q = form.find_element(By.CSS_SELECTOR, 'input[name="q"]')
    q.clear()
    q.send_keys("Silk")
    submit = form.find_elements(By.CSS_SELECTOR, 'button[type="submit"], input[type="submit"], button:not([type])')
    if submit:
        click_and_wait_reload(driver, submit[0])
    else:
        submit_and_wait_reload(driver, form)

    after = [r.text for r in body_rows(driver, "#merchants-table")]
    assert after, "filtering by 'Silk' left no rows"
    assert all("silk" in t.lower() for t in after), f"rows without 'Silk': {[t for t in after if 'silk' not in t.lower()]}"
    assert any(HANGZHOU in t for t in after), f"{HANGZHOU!r} missing after filtering by 'Silk'"
    assert len(after) < len(before), "filter did not remove any row"
    screenshot("filtered")


# --------------------------------------------------------------------------- compliance pages (CMP1–CMP9)

OFFICER_EMAIL = "compliance@tradelane.local"
TAKEDOWN_STATES = {"open", "taken-down", "cleared", "changes-requested", "fixed"}
CERT_STATES = {"valid", "expiring-soon", "expired", "revoked"}
REGULATION_STATES = {"baseline", "pending", "overdue", "met", "late"}
RISK_LEVELS = {"low", "moderate", "elevated", "high", "severe"}
PENALTY_STATES = {"active", "appealed", "revoked"}
COMPLIANCE_PAGES = {
    "/console/takedowns": "#takedowns-table",
    "/console/catalogue": "#catalogue-matrix",
    "/console/penalties": "#penalties-table",
    "/console/certifications": "#certifications-table",
    "/console/regulations": "#regulations-table",
}
# A minimal one-page PDF for the certificate upload.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\n%%EOF\n"
)


def data_rows(driver, table_css: str, attr: str):
    wait_css(driver, table_css)
    return driver.find_elements(By.CSS_SELECTOR, f"{table_css} tbody tr[{attr}]")


def status_of(row) -> str:
    return row.find_element(By.CSS_SELECTOR, "td.status").get_attribute("data-status") or ""


def strip_validation(driver, element) -> None:
    """Switch off the browser's form validation so that the server's check is what is tested."""
    driver.execute_script(
        """
        const form = arguments[0].form || arguments[0].closest('form');
        if (form) {
            form.noValidate = true;
            for (const el of form.querySelectorAll('[required],[minlength],[pattern]')) {
                el.removeAttribute('required'); el.removeAttribute('minlength'); el.removeAttribute('pattern');
            }
        }
        """,
        element,
    )


def kpi_value(driver, css: str) -> str:
    tile = wait_css(driver, css)
    value = tile.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    assert value, f"KPI tile {css} has no value"
    return value


def fetch_status(driver, url: str) -> dict:
    """GET url from the page (same cookies) and report status and content type."""
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'})
          .then(r => r.text().then(t => done({status: r.status, type: r.headers.get('content-type') || '', body: t.slice(0, 2000)})))
          .catch(e => done({status: 0, type: '', body: String(e)}));
        """,
        url,
    )


def in_both_languages(driver, check) -> None:
    """Run check(lang) in English, then in Chinese; leave the user in English."""
    try:
        if html_lang(driver) != "en":
            switch_language(driver, "en")
        check("en")
        switch_language(driver, "zh-CN")
        check("zh-CN")
    finally:
        try:
            if driver.find_elements(By.CSS_SELECTOR, "#lang-en") and html_lang(driver) != "en":
                click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#lang-en"))
        except Exception:
            pass


@pytest.mark.parametrize("path,table", sorted(COMPLIANCE_PAGES.items()))
def test_compliance_pages_render_with_nav_and_sortable_tables(driver, login, open_page, path, table):
    login()
    open_page(path)
    assert current_path(driver) == path, f"{path} redirected to {driver.current_url}"
    assert wait_css(driver, "#page-title").text.strip(), f"{path} has an empty title"
    nav = driver.find_elements(By.CSS_SELECTOR, 'nav.main a[aria-current="page"]')
    assert nav and nav[0].get_attribute("href").endswith(path), f"{path}: no current nav link"
    wait_css(driver, table)
    links = driver.find_elements(By.CSS_SELECTOR, "th a[data-sort]")
    if path == "/console/catalogue":
        return  # the change table can be empty; its sorting is covered by the other pages
    assert links, f"{path}: no sortable column headers (th a[data-sort])"
    key = links[0].get_attribute("data-sort")
    click_and_wait_reload(driver, links[0])
    th = driver.find_element(By.CSS_SELECTOR, f'th a[data-sort="{key}"]').find_element(By.XPATH, "..")
    assert th.get_attribute("aria-sort") in {"ascending", "descending"}, f"{path}: sorting by {key} not shown in aria-sort"


def test_takedown_queue_shows_kpis_and_live_countdown(driver, login, open_page, screenshot):
    login()
    open_page("/console/takedowns")

    def check(lang):
        for css in ("#kpi-opened", "#kpi-in-time", "#kpi-breached", "#kpi-rate"):
            kpi_value(driver, css)
        rows = data_rows(driver, "#takedowns-table", "data-case-id")
        assert rows, "no takedown cases listed (the demo opens at least one)"
        states = {status_of(r) for r in rows}
        assert states <= TAKEDOWN_STATES, f"unknown case states {states - TAKEDOWN_STATES}"
        open_rows = [r for r in rows if status_of(r) == "open"]
        assert open_rows, "no open case in the queue"
        # Open cases come first by default.
        first_closed = next((i for i, r in enumerate(rows) if status_of(r) != "open"), len(rows))
        assert all(status_of(r) != "open" for r in rows[first_closed:]), "open cases are not listed first"
        countdown = open_rows[0].find_element(By.CSS_SELECTOR, ".countdown[data-due]")
        text = countdown.text.strip()
        assert any(ch.isdigit() for ch in text) and ":" in text, f"countdown text {text!r} has no h:mm:ss"
        classes = set((countdown.get_attribute("class") or "").split())
        assert classes & {"sla-ok", "sla-warning", "sla-breached"}, f"countdown has no SLA colour class: {classes}"
        if lang == "zh-CN":
            assert "剩余" in text or "超时" in text, f"countdown not in Chinese: {text!r}"
        before = countdown.get_attribute("data-remaining")
        wait(driver, lambda d: countdown.get_attribute("data-remaining") != before, "the countdown is not ticking", timeout=5)
        for row in open_rows:
            assert row.find_elements(By.CSS_SELECTOR, 'button[data-action="take-down"]'), "open case without a take-down button"
        rescreen_rows = [r for r in rows if "trigger-rescreen" in r.get_attribute("innerHTML")]
        if rescreen_rows:
            assert any(r.find_elements(By.CSS_SELECTOR, "td mark") for r in rescreen_rows), "no offending span highlighted"
        screenshot(f"takedowns-{lang}")

    in_both_languages(driver, check)


def test_resolve_takedown_requires_reason_then_clears_case(driver, login, open_page, screenshot):
    login()
    open_page("/console/takedowns?status=open")
    rows = data_rows(driver, "#takedowns-table", "data-case-id")
    assert rows, "no open takedown case to resolve"
    case_id = rows[-1].get_attribute("data-case-id")

    def row():
        if not driver.find_elements(By.CSS_SELECTOR, "#takedowns-table"):
            open_page("/console/takedowns")
        found = driver.find_elements(By.CSS_SELECTOR, f'#takedowns-table tr[data-case-id="{case_id}"]')
        if not found:
            open_page("/console/takedowns")
            found = driver.find_elements(By.CSS_SELECTOR, f'#takedowns-table tr[data-case-id="{case_id}"]')
        assert found, f"case {case_id} no longer listed"
        return found[0]

    clear = row().find_element(By.CSS_SELECTOR, 'button[data-action="clear"]')
    strip_validation(driver, clear)
    click_and_wait_reload(driver, clear)
    assert flash_text(driver)
    assert "error" in (wait_css(driver, "#flash").get_attribute("class") or ""), "no error flash for a missing reason"
    assert status_of(row()) == "open", "case resolved without a reason"

    r = row()
    reason = r.find_element(By.CSS_SELECTOR, 'input[name="reason"]')
    reason.clear()
    reason.send_keys("Officer review: the listing does not infringe (e2e)")
    click_and_wait_reload(driver, r.find_element(By.CSS_SELECTOR, 'button[data-action="clear"]'))
    flash = wait_css(driver, "#flash")
    assert "error" not in (flash.get_attribute("class") or ""), f"resolving failed: {flash.text}"
    assert status_of(row()) == "cleared", f"case {case_id} is {status_of(row())!r} after clearing"
    assert not row().find_elements(By.CSS_SELECTOR, 'button[data-action="take-down"]'), "resolved case still offers actions"
    screenshot("cleared")


def test_catalogue_summary_jobs_and_export(driver, login, open_page, screenshot):
    login()
    open_page("/console/catalogue")

    def check(lang):
        assert kpi_value(driver, "#kpi-version").startswith("v")
        assert int(kpi_value(driver, "#kpi-rules")) > 0
        markets = driver.find_elements(By.CSS_SELECTOR, "#catalogue-matrix tbody tr[data-market]")
        assert len(markets) >= 2, "rules per market × category table is empty"
        assert driver.find_elements(By.CSS_SELECTOR, "svg.chart rect"), "no bar chart"
        wait_css(driver, "#jobs-table")
        for bar in driver.find_elements(By.CSS_SELECTOR, "#jobs-table tr[data-job-id] progress"):
            value = float(bar.get_attribute("value") or "0")
            assert 0 <= value <= 100
        assert driver.find_elements(By.CSS_SELECTOR, "#versions-table tr[data-version]"), "no version history"
        screenshot(f"catalogue-{lang}")

    in_both_languages(driver, check)

    href = wait_css(driver, "#export-csv").get_attribute("href")
    result = fetch_status(driver, href)
    assert result["status"] == 200, f"CSV export answered {result['status']}"
    assert "csv" in result["type"], f"CSV export content type {result['type']!r}"
    assert result["body"].startswith("id,market,category"), f"unexpected CSV header: {result['body'][:80]!r}"

    jobs = fetch_status(driver, "/console/catalogue/jobs.json")
    assert jobs["status"] == 200 and "json" in jobs["type"], f"jobs.json answered {jobs}"
    assert '"jobs"' in jobs["body"]


def test_catalogue_four_eyes_then_reject(driver, login, logout, open_page, screenshot):
    # The proposer may not approve their own change.
    login(OFFICER_EMAIL)
    open_page("/console/catalogue")
    mine = [r for r in data_rows(driver, "#changes-table", "data-change-id")
            if r.get_attribute("data-mine") == "true" and status_of(r) == "pending"]
    # The demo seeds one pending change proposed by the compliance officer.
    assert mine, "no pending catalogue change proposed by the compliance officer"
    change_id = mine[0].get_attribute("data-change-id")
    # Issue 12 item 7: the proposer sees "waiting for another officer" instead of an Approve that would refuse.
    assert not mine[0].find_elements(By.CSS_SELECTOR, 'button[data-action="approve"]'), "the proposer sees Approve"
    assert mine[0].find_element(By.CSS_SELECTOR, ".waiting").text.strip(), "the proposer is not told to wait"
    open_page("/console/catalogue?status=all")
    row = driver.find_element(By.CSS_SELECTOR, f'#changes-table tr[data-change-id="{change_id}"]')
    assert status_of(row) == "pending"
    screenshot("four-eyes")
    logout()

    # A second officer rejects it with a reason.
    driver.delete_all_cookies()
    login()
    open_page("/console/catalogue")
    row = driver.find_element(By.CSS_SELECTOR, f'#changes-table tr[data-change-id="{change_id}"]')
    reason = row.find_element(By.CSS_SELECTOR, 'form[action$="/reject"] input[name="reason"]')
    reason.send_keys("Variant already covered by the existing term (e2e)")
    click_and_wait_reload(driver, row.find_element(By.CSS_SELECTOR, 'button[data-action="reject"]'))
    flash = wait_css(driver, "#flash")
    assert "error" not in (flash.get_attribute("class") or ""), f"reject failed: {flash.text}"
    open_page("/console/catalogue?status=all")
    row = driver.find_element(By.CSS_SELECTOR, f'#changes-table tr[data-change-id="{change_id}"]')
    assert status_of(row) == "rejected"
    screenshot("rejected")


def test_penalties_standing_and_appeal_decision(driver, login, open_page, screenshot):
    login()
    open_page("/console/penalties")

    def check(lang):
        rows = data_rows(driver, "#penalties-table", "data-penalty-id")
        assert rows, "no penalties listed (the demo issues some)"
        states = {status_of(r) for r in rows}
        assert states <= PENALTY_STATES, f"unknown penalty states {states - PENALTY_STATES}"
        cards = driver.find_elements(By.CSS_SELECTOR, "#standings .standing")
        assert cards, "no merchant standing shown"
        assert cards[0].find_elements(By.CSS_SELECTOR, "progress.to-next"), "no progress bar to the next threshold"
        assert cards[0].find_element(By.CSS_SELECTOR, ".standing-points").text.strip().isdigit()
        screenshot(f"penalties-{lang}")

    in_both_languages(driver, check)

    open_page("/console/penalties?status=appealed")
    appealed = [r for r in data_rows(driver, "#penalties-table", "data-penalty-id")
                if r.find_elements(By.CSS_SELECTOR, 'button[data-action="decide"]')]
    # The demo seeds one appealed penalty, issued by the compliance officer: the admin may decide it.
    assert appealed, "no appealed penalty this user may decide"
    penalty_id = appealed[0].get_attribute("data-penalty-id")
    row = appealed[0]
    row.find_element(By.CSS_SELECTOR, 'select[name="outcome"] option[value="upheld"]').click()
    row.find_element(By.CSS_SELECTOR, 'input[name="note"]').send_keys("Screenshots show the claim in the listing title (e2e)")
    click_and_wait_reload(driver, row.find_element(By.CSS_SELECTOR, 'button[data-action="decide"]'))
    flash = wait_css(driver, "#flash")
    assert "error" not in (flash.get_attribute("class") or ""), f"decision failed: {flash.text}"
    open_page("/console/penalties")
    row = driver.find_element(By.CSS_SELECTOR, f'#penalties-table tr[data-penalty-id="{penalty_id}"]')
    assert status_of(row) == "active", "an upheld appeal should leave the penalty active"
    assert row.find_elements(By.CSS_SELECTOR, '[data-outcome="upheld"]'), "appeal outcome not shown"


def test_certificates_states_download_and_upload(driver, login, open_page, screenshot, tmp_path):
    login()
    open_page("/console/certifications")

    def check(lang):
        rows = data_rows(driver, "#certifications-table", "data-cert-id")
        assert len(rows) >= 2, "expected the demo certificates"
        states = {status_of(r) for r in rows}
        assert states <= CERT_STATES, f"unknown certificate states {states - CERT_STATES}"
        assert "expired" in states, "the demo's expired certificate is not shown as expired"
        for r in rows:
            if status_of(r) == "expiring-soon":
                assert "row-warning" in (r.get_attribute("class") or ""), "certificate expiring within 30 days not highlighted"
        screenshot(f"certificates-{lang}")

    in_both_languages(driver, check)

    link = driver.find_elements(By.CSS_SELECTOR, "#certifications-table a.cert-file")
    assert link, "no certificate with a downloadable file"
    result = fetch_status(driver, link[0].get_attribute("href"))
    assert result["status"] == 200 and result["type"].startswith("application/pdf"), f"file download answered {result['status']} {result['type']}"

    # File a new certificate with an upload (read by the browser, sent base64-encoded).
    number = f"E2E-{int(time.time())}"
    pdf = tmp_path / "e2e-certificate.pdf"
    pdf.write_bytes(TINY_PDF)
    form = wait_css(driver, "#cert-form")
    merchants = form.find_elements(By.CSS_SELECTOR, "#cert-merchant option")
    if merchants:
        merchants[-1].click()
    form.find_element(By.CSS_SELECTOR, "#cert-type").send_keys("CE")
    form.find_element(By.CSS_SELECTOR, "#cert-number").send_keys(number)
    form.find_element(By.CSS_SELECTOR, "#cert-issuer").send_keys("E2E Notified Body")
    driver.execute_script("document.getElementById('cert-expires').value = arguments[0];", "2030-01-31")
    form.find_element(By.CSS_SELECTOR, "#cert-file").send_keys(str(pdf))
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#cert-file-b64").get_attribute("value"), "the file was not read into the form")
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#cert-submit"))
    flash = wait_css(driver, "#flash")
    assert "error" not in (flash.get_attribute("class") or ""), f"filing failed: {flash.text}"
    rows = [r for r in data_rows(driver, "#certifications-table", "data-cert-id") if number in r.text]
    assert rows, f"new certificate {number} not listed"
    assert status_of(rows[0]) == "valid"
    assert rows[0].find_elements(By.CSS_SELECTOR, "a.cert-file"), "uploaded file not linked"
    screenshot("filed")


def test_regulations_lag_and_country_risk(driver, login, open_page, screenshot):
    login()
    open_page("/console/regulations")

    def check(lang):
        for css in ("#kpi-measured", "#kpi-within", "#kpi-pending", "#kpi-overdue"):
            kpi_value(driver, css)
        rows = data_rows(driver, "#regulations-table", "data-regulation-id")
        assert rows, "no regulations listed"
        states = {status_of(r) for r in rows}
        assert states <= REGULATION_STATES, f"unknown regulation states {states - REGULATION_STATES}"
        risks = data_rows(driver, "#risks-table", "data-country")
        assert risks, "no country risk rows"
        levels = {r.find_element(By.CSS_SELECTOR, "td.level").get_attribute("data-level") for r in risks}
        assert levels <= RISK_LEVELS, f"unknown risk levels {levels - RISK_LEVELS}"
        measures = risks[0].find_element(By.CSS_SELECTOR, ".measures").text
        if lang == "zh-CN":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in measures), f"measures not in Chinese: {measures[:60]!r}"
        screenshot(f"regulations-{lang}")

    in_both_languages(driver, check)

    # Record a regulation change: it starts pending with a due date 10 working days later.
    reg_id = f"e2e-regulation-{int(time.time())}"
    form = wait_css(driver, "#regulation-form")
    form.find_element(By.CSS_SELECTOR, "#reg-country").send_keys("DE")
    form.find_element(By.CSS_SELECTOR, '#reg-market option[value="EU"]').click()
    driver.execute_script("document.getElementById('reg-changed').value = new Date().toISOString().slice(0, 10);")
    form.find_element(By.CSS_SELECTOR, "#reg-id").send_keys(reg_id)
    form.find_element(By.CSS_SELECTOR, "#reg-title").send_keys("E2E test regulation")
    form.find_element(By.CSS_SELECTOR, "#reg-authority").send_keys("E2E authority")
    form.find_element(By.CSS_SELECTOR, "#reg-url").send_keys("https://example.org/e2e")
    form.find_element(By.CSS_SELECTOR, "#reg-summary").send_keys("Recorded by the browser test.")
    click_and_wait_reload(driver, driver.find_element(By.CSS_SELECTOR, "#reg-submit"))
    flash = wait_css(driver, "#flash")
    assert "error" not in (flash.get_attribute("class") or ""), f"recording failed: {flash.text}"
    row = driver.find_elements(By.CSS_SELECTOR, f'#regulations-table tr[data-regulation-id="{reg_id}"]')
    assert row, f"regulation {reg_id} not listed"
    assert status_of(row[0]) == "pending"


def test_public_listing_page_shows_certificates(driver, login, open_page, screenshot):
    login()
    open_page("/console/listings?status=active")
    ids = [r.get_attribute("data-listing-id") for r in driver.find_elements(By.CSS_SELECTOR, "#listings-table tr[data-listing-id]")]
    assert ids, "no active listing"
    driver.delete_all_cookies()  # the public page needs no login

    found = None
    for listing_id in ids:
        open_page(f"/p/listings/{listing_id}")
        assert wait_css(driver, "#page-title").text.strip()
        if driver.find_elements(By.CSS_SELECTOR, "#certificates-table tr[data-cert-id]"):
            found = listing_id
            break
    assert found, "no active listing shows a certificate on its public page"
    assert not driver.find_elements(By.CSS_SELECTOR, "#logout"), "public page shows a signed-in user"
    assert wait_css(driver, "#price").text.strip()
    wait_css(driver, "#disclosures")
    for row in driver.find_elements(By.CSS_SELECTOR, "#certificates-table tr[data-cert-id]"):
        cells = row.find_elements(By.TAG_NAME, "td")
        assert len(cells) == 6 and cells[0].text.strip() and cells[1].text.strip(), "certificate row incomplete"
        assert status_of(row) in CERT_STATES
    screenshot("public-listing")

    open_page("/p/listings/lst_doesnotexist")
    assert wait_css(driver, "#error-detail").text.strip(), "no 404 page for an unknown listing"
    assert "404" in driver.find_element(By.CSS_SELECTOR, "#page-title").text
