"""bin/report's page in a real browser: headless Chromium (Debian's chromium and chromium-driver packages).

Loads the report of the fixture from file:// with no network, checks the
console, the images and the table's sort, and saves a screenshot. .ci/run
installs Chromium when it is missing; without it the test skips.
"""

import os
import shutil

import pytest

from disent_tf.study.report import make_report
from report_fixture import PATH as FIXTURE

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOT_COPY = os.environ.get("DISENT_TF_REPORT_SCREENSHOT")  # also save the screenshot here (to look at it)


@pytest.fixture
def browser(tmp_path):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver), so the report's "
                    "browser test cannot run.")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _column(driver, index):
    return driver.execute_script(
        "var column = arguments[0]; return Array.from(document.querySelectorAll('#scores-table tbody tr'))"
        ".map(function (row) { return row.cells[column].getAttribute('data-value'); });", index)


def test_report_loads_decodes_every_image_and_sorts_in_chromium(browser, tmp_path):
    report = tmp_path / "report.html"
    runs = tmp_path / "runs"
    _write_traversals(runs / "31" / "visualizations" / "traversals.png")  # run 31: the best MIG (v 0.90)
    make_report(FIXTURE, str(report), str(runs))  # bin/report's job (test_report runs the tool itself)
    browser.get(report.as_uri())

    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
    images = browser.execute_script(
        "return Array.from(document.images).map(function (i) { return [i.alt, i.complete, i.naturalWidth]; });")
    assert len(images) == 5 + 1  # findings 1-5 (6 is not tested on one data set) and the traversals
    assert all(complete and width > 0 for _, complete, width in images), images
    assert browser.execute_script("return performance.getEntriesByType('resource').length;") == 0  # no fetches

    headers = [cell.text for cell in browser.find_elements("css selector", "#scores-table thead th")]
    mig = headers.index("MIG")
    before = [float(value) for value in _column(browser, mig)]
    assert before != sorted(before)  # the fixture's rows are in run order, not MIG order
    browser.find_elements("css selector", "#scores-table thead th")[mig].click()
    assert [float(value) for value in _column(browser, mig)] == sorted(before)
    browser.find_elements("css selector", "#scores-table thead th")[mig].click()
    assert [float(value) for value in _column(browser, mig)] == sorted(before, reverse=True)

    browser.find_elements("css selector", "#scores-table thead th")[0].click()  # back to run order for the picture
    height = browser.execute_script("window.scrollTo(0, 0); return document.documentElement.scrollHeight;")
    browser.set_window_size(1280, min(height + 100, 16000))
    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10000
    if SCREENSHOT_COPY:
        shutil.copyfile(screenshot, SCREENSHOT_COPY)


def _write_traversals(path):
    """A small traversals-like PNG (bin/reproduce writes the real one), so the page has its picture to embed."""
    import numpy as np
    from PIL import Image

    path.parent.mkdir(parents=True)
    rows = np.linspace(0, 255, 64 * 8, dtype=np.uint8).reshape(8, 64)
    Image.fromarray(np.kron(rows, np.ones((8, 8), dtype=np.uint8))).save(path)
