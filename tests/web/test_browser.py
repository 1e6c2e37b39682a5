"""The journeys of the issue in a real browser: headless Chromium driven by Selenium against a
running ``matcher serve``. Screenshots of each page go to the test's folder, and also to
``$MATCHER_SCREENSHOTS`` when set (``MATCHER_SCREENSHOTS=docs/screenshots`` refreshes the
documentation's)."""

from __future__ import annotations

import io
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

webdriver = pytest.importorskip("selenium.webdriver", reason="the browser tests need selenium")
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("MATCHER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MATCHER_CHROMEDRIVER", "/usr/bin/chromedriver")
GRAZ, CSIC = "999873188", "999991722"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"no Chromium at {CHROMIUM} with its driver at {CHROMEDRIVER}: "
                    "apt-get install chromium chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-gpu"):
        options.add_argument(arg)
    downloads = tmp_path_factory.mktemp("downloads")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("screenshots")

    def shoot(driver: Any, name: str) -> Path:
        height = driver.execute_script("return document.body.scrollHeight")
        width = driver.get_window_size()["width"]
        driver.set_window_size(width, min(max(height + 120, 600), 2400))
        path = folder / f"{name}.png"
        driver.save_screenshot(str(path))
        driver.set_window_size(width, 1000)
        return path

    yield shoot
    wanted = os.environ.get("MATCHER_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, Path(wanted) / png.name)


def _wait(driver: Any, css: str) -> Any:
    return WebDriverWait(driver, 15).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _wait_members(driver: Any, n: int) -> None:
    """Until the consortium table lists ``n`` members: the page that answers the last form,
    not the one before it, which has a members table too."""
    WebDriverWait(driver, 15).until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "table.members tbody tr")) == n)


def test_search_by_idea_then_open_an_organisation(browser: Any, server: str,
                                                  shots: Any) -> None:
    browser.get(server + "/")
    browser.find_element(By.ID, "text").send_keys("virtual mobility for engineering students")
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    first = _wait(browser, "li.result a.name")
    assert "text=virtual+mobility" in browser.current_url  # the search is in the URL
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.result")) == 10
    assert browser.find_elements(By.CSS_SELECTOR, "li.result ul.why li")
    shots(browser, "search")
    name = first.text
    first.click()
    heading = _wait(browser, "h1")
    assert heading.text == name
    assert "/orgs/" in browser.current_url
    shots(browser, "organisation")
    browser.set_window_size(390, 900)  # a phone's width: nothing wider than the screen
    browser.get(server + "/?lang=fi&themes=employability&countries=FI")
    _wait(browser, "li.result")
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    shots(browser, "search-phone-fi")
    browser.set_window_size(1280, 1000)


def test_build_a_consortium_complete_it_and_export_it(browser: Any, server: str,
                                                      shots: Any) -> None:
    browser.get(server + "/consortium")
    for n, member in enumerate((GRAZ, CSIC), start=1):
        box = browser.find_element(By.ID, "add")
        box.send_keys(member)
        box.submit()
        _wait_members(browser, n)
    violations = browser.find_elements(By.CSS_SELECTOR, "#verdict li")
    rules = {v.get_attribute("data-rule") for v in violations}
    assert rules == {"min_organisations", "min_countries"}
    assert "needs at least 3 organisations" in violations[0].text
    shots(browser, "consortium-violations")

    browser.find_element(By.ID, "complete").click()
    _wait(browser, "li.alternative")
    shots(browser, "consortium-complete")
    # a suggestion that completes the consortium alone: an alternative with one added member
    alone = [alt for alt in browser.find_elements(By.CSS_SELECTOR, "li.alternative")
             if len(alt.find_elements(By.CSS_SELECTOR, "a.add")) == 1]
    assert alone, "no alternative adds a single member"
    alone[0].find_element(By.CSS_SELECTOR, "a.add").click()
    _wait_members(browser, 3)
    badge = _wait(browser, "#verdict .badge")
    assert badge.text == "eligible"
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.members tbody tr")) == 3
    shots(browser, "consortium-eligible")

    shown = [td.text for td in browser.find_elements(
        By.CSS_SELECTOR, "table.members tbody td:nth-child(2)")]
    link = browser.find_element(By.ID, "export-xlsx")
    href = link.get_attribute("href")
    link.click()
    target = Path(browser.downloads) / "consortium.xlsx"
    deadline = time.monotonic() + 15
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    data = target.read_bytes() if target.exists() else urllib.request.urlopen(href).read()
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["name", "PIC", "OID or Erasmus code"]
    assert [r[1] for r in rows[1:]] == shown
    assert all("eligible for KA220-HED" in r[7] for r in rows[1:])


def _blocked(driver: Any) -> list[str]:
    """What the Content-Security-Policy blocked on the pages loaded since the last call."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"]]


def test_the_pages_and_the_api_docs_work_under_the_security_policy(browser: Any,
                                                                   server: str) -> None:
    _blocked(browser)
    for path in ("/?text=virtual+mobility", f"/orgs/{GRAZ}", f"/consortium?members={GRAZ}"):
        browser.get(server + path)
        _wait(browser, "h1")
    assert _blocked(browser) == []
    browser.get(server + "/docs")  # Swagger UI, set up by /static/docs.js
    _wait(browser, ".swagger-ui .opblock-summary-path")
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR,
                                                     ".opblock-summary-path")}
    assert "/api/search" in paths
    assert _blocked(browser) == []
