"""Browser tests of the operator console, against a server freshly started with
`tradelane demo` (they change the demo data: approving the Shenzhen submission
only works once per fresh data directory)."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from helpers import (
    DEMO_EMAIL,
    click_and_wait_reload,
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
