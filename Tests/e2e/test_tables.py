"""Tables at scale (issue 12 item 6): bulk actions with a per-row result, and export of a filtered list."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from helpers import click_opening_dialog, confirm_dialog, wait_css


def test_bulk_action_on_two_takedowns_shows_per_row_results_and_csv_downloads(driver, login, open_page):
    login()
    open_page("/console/takedowns")
    rows = driver.find_elements(By.CSS_SELECTOR, "#takedowns-table tr[data-case-id]")
    assert len(rows) >= 2, "the demo has at least two takedown cases"
    chosen = [r.get_attribute("data-case-id") for r in rows[:2]]
    was_open = {r.get_attribute("data-case-id"): "case-open" in (r.get_attribute("class") or "") for r in rows[:2]}

    # "Select all" ticks every row of the page; then keep just the two chosen rows.
    select_all = wait_css(driver, "#select-all")
    assert select_all.get_attribute("aria-label"), "select-all has no label for screen readers"
    select_all.click()
    boxes = driver.find_elements(By.CSS_SELECTOR, 'input[name="ids"][form="bulk-form"]')
    assert boxes and all(b.is_selected() for b in boxes), "select-all did not tick the rows"
    select_all.click()
    assert not any(b.is_selected() for b in boxes)
    for case_id in chosen:
        driver.find_element(By.CSS_SELECTOR, f'input[name="ids"][value="{case_id}"]').click()

    driver.find_element(By.CSS_SELECTOR, "#bulk-reason").send_keys("Checked with the rights holder (e2e bulk)")
    button = driver.find_element(By.CSS_SELECTOR, '#bulk-form button[value="clear"]')
    click_opening_dialog(button.click)
    dialog = confirm_dialog(driver)
    assert "2" in dialog.text, f"the question does not say how many rows: {dialog.text!r}"
    dialog.accept()

    table = wait_css(driver, "#bulk-result")
    result_rows = table.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]")
    assert [r.get_attribute("data-id") for r in result_rows] == chosen
    for r in result_rows:
        done = r.get_attribute("data-done") == "true"
        assert done == was_open[r.get_attribute("data-id")], f"{r.text}: an open case is cleared, a decided one refused"
        if not done:
            assert r.find_elements(By.CSS_SELECTOR, "td")[2].text.strip(), "a refusal without its reason"
    assert wait_css(driver, "#bulk-summary").text

    # The list's CSV: UTF-8 with a byte-order mark, header row first, the chosen cases in it.
    open_page("/console/takedowns")
    href = wait_css(driver, "#export-csv").get_attribute("href")
    assert "format=csv" in href
    got = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'}).then(async r => {
          const bytes = new Uint8Array(await r.arrayBuffer());
          done({status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
                bom: Array.from(bytes.slice(0, 3)), text: new TextDecoder('utf-8').decode(bytes.slice(3))});
        }).catch(e => done({error: String(e)}));
        """,
        href,
    )
    assert got.get("status") == 200, got
    assert got["type"].startswith("text/csv") and "attachment" in got["disposition"] and ".csv" in got["disposition"]
    assert got["bom"] == [0xEF, 0xBB, 0xBF]
    assert got["text"].startswith("ID,")
    for case_id in chosen:
        assert case_id in got["text"]
