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


def _add_members(driver: Any, *members: str) -> None:
    """Add ``members`` one by one through the builder's "add" box, each answered first."""
    for n, member in enumerate(members, start=1):
        box = driver.find_element(By.ID, "add")
        box.send_keys(member)
        box.submit()
        _wait_members(driver, n)


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
    _add_members(browser, GRAZ, CSIC)
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


# -- in Finnish, with the keyboard alone, and the accessibility check ----------------------

def _no_english(driver: Any, proper: list[str], *also: str) -> None:
    """No English of the catalogue in what the page shows or says (proper names, titles and
    the user's own words aside)."""
    from tests.web.english import english_left, visible

    text = visible(driver.page_source)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fi"
    assert english_left(text, sorted(also, key=len, reverse=True) + proper) == []


def _accessible(driver: Any) -> None:
    """axe-core on the page: no serious or critical violation."""
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    found = axe.run()["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found
           if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


@pytest.fixture(scope="module")
def proper(default_matcher: Any) -> list[str]:
    from tests.web.english import proper_names

    return proper_names(default_matcher)


def test_a_whole_search_in_finnish_with_the_keyboard_alone(browser: Any, server: str,
                                                           shots: Any, proper: list[str]
                                                           ) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server + f"/?lang=fi&members={GRAZ}&members={CSIC}")
    _accessible(browser)
    idea = browser.find_element(By.ID, "text")
    idea.send_keys("virtuaaliliikkuvuus insinööriopiskelijoille")
    idea.send_keys(Keys.TAB)  # to the organisation, the call topic, the themes' filter
    browser.switch_to.active_element.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    themes = browser.switch_to.active_element
    assert themes.get_attribute("id") == "themes-filter"
    themes.send_keys("virtuaali")
    themes.send_keys(Keys.ENTER)
    themes.send_keys(Keys.TAB)  # past the chosen theme's chip to the countries' filter
    while browser.switch_to.active_element.get_attribute("id") != "countries-filter":
        browser.switch_to.active_element.send_keys(Keys.TAB)
    countries = browser.switch_to.active_element
    countries.send_keys("ruotsi", Keys.ENTER)  # by its Finnish name
    countries.send_keys("Finland", Keys.ENTER)  # by its English one
    countries.send_keys("NO")
    countries.send_keys(Keys.ARROW_DOWN, Keys.ARROW_UP, Keys.ENTER)  # by its code
    chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#countries ~ * .chip, "
                                                   ".field ul.chips button.chip")]
    assert {"Ruotsi (SE) ×", "Suomi (FI) ×", "Norja (NO) ×"} <= set(chips)
    countries.send_keys(Keys.BACKSPACE)  # the last chosen one out again
    chosen = browser.find_elements(By.CSS_SELECTOR, "#countries option:checked")
    assert sorted(o.get_attribute("value") for o in chosen) == ["FI", "SE"]
    # one key for a whole group: the countries that count and that no member is from
    countries.send_keys(Keys.TAB)
    group = browser.switch_to.active_element
    while group.get_attribute("data-picker-group") != "notyet":
        group.send_keys(Keys.TAB)
        group = browser.switch_to.active_element
    group.send_keys(Keys.ENTER)
    chosen = {o.get_attribute("value")
              for o in browser.find_elements(By.CSS_SELECTOR, "#countries option:checked")}
    assert {"FI", "SE", "DE", "IS"} <= chosen and not {"AT", "ES", "US"} & chosen
    shots(browser, "search-fi-picker")
    browser.find_element(By.ID, "countries").find_element(
        By.CSS_SELECTOR, "option[value=IS]")  # still a plain select underneath
    for value in sorted(chosen - {"FI", "SE"}):  # keep the search to two countries
        browser.execute_script("arguments[0].selected = false", browser.find_element(
            By.CSS_SELECTOR, f"#countries option[value={value}]"))
    countries.send_keys(Keys.ENTER)  # nothing being chosen: Enter sends the form
    _wait(browser, "li.result")
    assert "countries=FI" in browser.current_url and "lang=fi" in browser.current_url
    assert "themes=virtual-blended-mobility" in browser.current_url
    _no_english(browser, proper, "virtuaaliliikkuvuus insinööriopiskelijoille")
    _accessible(browser)
    shots(browser, "search-fi")
    browser.find_element(By.CSS_SELECTOR, "li.result a.name").click()
    _wait(browser, "dl.profile")
    _no_english(browser, proper)
    _accessible(browser)


def test_organisation_types_are_chosen_with_the_keyboard(browser: Any, server: str) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/?lang=fi")
    types = browser.find_element(By.ID, "types-filter")
    types.send_keys("korkea", Keys.ENTER)  # by its Finnish label
    types.send_keys("ngo", Keys.ENTER)  # by its code
    chosen = sorted(o.get_attribute("value")
                    for o in browser.find_elements(By.CSS_SELECTOR, "#types option:checked"))
    assert chosen == ["higher-education", "ngo"]
    types.send_keys(Keys.BACKSPACE)
    chosen = [o.get_attribute("value")
              for o in browser.find_elements(By.CSS_SELECTOR, "#types option:checked")]
    assert chosen == ["higher-education"]
    _accessible(browser)


def test_a_whole_consortium_built_in_finnish(browser: Any, server: str, shots: Any,
                                             proper: list[str]) -> None:
    browser.get(server + "/consortium?lang=fi")
    _accessible(browser)
    _add_members(browser, GRAZ, CSIC)
    violations = browser.find_elements(By.CSS_SELECTOR, "#verdict li")
    assert "vaatii vähintään 3 organisaatiota" in violations[0].text
    _no_english(browser, proper)
    _accessible(browser)
    browser.find_element(By.ID, "idea").send_keys("virtuaaliliikkuvuus")
    browser.find_element(By.ID, "complete").click()
    _wait(browser, "li.alternative")
    _no_english(browser, proper, "virtuaaliliikkuvuus")
    _accessible(browser)
    shots(browser, "consortium-fi")
    alone = [alt for alt in browser.find_elements(By.CSS_SELECTOR, "li.alternative")
             if len(alt.find_elements(By.CSS_SELECTOR, "a.add")) == 1]
    alone[0].find_element(By.CSS_SELECTOR, "a.add").click()
    _wait_members(browser, 3)
    assert _wait(browser, "#verdict .badge").text == "kelpoinen"
    _no_english(browser, proper, "virtuaaliliikkuvuus")
    _accessible(browser)
    shots(browser, "consortium-fi-eligible")


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_every_page_passes_the_accessibility_check(browser: Any, server: str,
                                                   lang: str) -> None:
    for path in ("/", "/?text=virtual+mobility&countries=FI", "/?text=x&countries=Narnia",
                 f"/orgs/{GRAZ}", "/orgs/000000001", "/consortium",
                 f"/consortium?members={GRAZ}&members={CSIC}",
                 f"/consortium?members={GRAZ}&members={CSIC}&do=complete"):
        browser.get(server + path + ("&" if "?" in path else "?") + f"lang={lang}")
        _wait(browser, "main")
        _accessible(browser)
