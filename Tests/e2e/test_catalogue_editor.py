"""Issue 12 item 7 (CMP1): the rule catalogue editor in a real browser.

A compliance officer adds a rule in the form, reads the proposed version's diff and sees that they
cannot approve it themselves; a second officer (the operator admin) approves it after the confirmation
dialog, and the rule is live on its own page.
"""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import DEMO_PASSWORD, click_and_wait_reload, click_opening_dialog, confirm_dialog, current_path, wait, wait_css

OFFICER = "compliance@tradelane.local"
SECOND = "admin@tradelane.local"


def test_officer_adds_a_rule_sees_the_diff_and_a_second_officer_approves(driver, login, logout, open_page, screenshot):
    term = f"e2e zorbium gadget {int(time.time())}"
    login(OFFICER, DEMO_PASSWORD)
    open_page("/console/catalogue/rules/new")
    form = wait_css(driver, "#rule-form")
    Select(driver.find_element(By.ID, "rule-market")).select_by_value("EU")
    Select(driver.find_element(By.ID, "rule-category")).select_by_value("prohibited")
    driver.find_element(By.ID, "rule-term").send_keys(term)
    driver.find_element(By.ID, "rule-variants").send_keys("zorbium gizmo")
    Select(driver.find_element(By.ID, "rule-severity")).select_by_value("4")
    # First without a source: the error stands next to the field and what was typed is kept.
    click_and_wait_reload(driver, driver.find_element(By.ID, "rule-submit"))
    error = wait_css(driver, "#source-error")
    assert error.get_attribute("role") == "alert" and error.text.strip(), "no announced error next to the source field"
    assert driver.find_element(By.ID, "rule-term").get_attribute("value") == term, "the term was lost on error"
    assert Select(driver.find_element(By.ID, "rule-market")).first_selected_option.get_attribute("value") == "EU"
    driver.find_element(By.ID, "rule-source").send_keys("Test Regulation (EU) 2099/1 Art. 3")
    click_and_wait_reload(driver, driver.find_element(By.ID, "rule-submit"))

    wait(driver, lambda d: current_path(d).startswith("/console/catalogue/changes/chg_"), "saving did not open the change")
    change_path = current_path(driver)
    added = wait_css(driver, "section.diff-added")
    assert term in added.text and "zorbium gizmo" in added.text, f"the diff does not show the new rule: {added.text!r}"
    rule_id = added.get_attribute("data-rule-id")
    assert rule_id.startswith("EU-PRO-"), rule_id
    assert "1 added" in driver.find_element(By.ID, "diff-counts").text
    # The proposer waits for someone else: no Approve button at all.
    assert driver.find_elements(By.ID, "waiting"), "the proposer is not told to wait for another officer"
    assert not driver.find_elements(By.ID, "approve"), "the proposer sees an Approve button"
    screenshot("proposed")
    logout()

    login(SECOND, DEMO_PASSWORD)
    open_page(change_path)
    approve = wait_css(driver, "#approve")
    assert not driver.find_elements(By.ID, "waiting")
    # Dismissing the question sends nothing.
    click_opening_dialog(approve.click)
    dialog = confirm_dialog(driver)
    assert "Approve" in dialog.text and "catalogue v" in dialog.text, f"the question does not name the version: {dialog.text!r}"
    dialog.dismiss()
    assert current_path(driver) == change_path
    assert wait_css(driver, "#change-status").get_attribute("data-status") == "pending"
    # Accepting approves it: the change becomes a version and the rule is live.
    click_opening_dialog(wait_css(driver, "#approve").click)
    confirm_dialog(driver).accept()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#change-status[data-status="approved"]'), "the change was not approved")
    version = wait_css(driver, "#result-version").text
    open_page(f"/console/catalogue/rules/{rule_id}")
    assert wait_css(driver, "#introduced-in").text == version
    assert term in driver.find_element(By.ID, "page-title").text
    screenshot("live")
