"""The report in a real headless Chromium: it renders, search works, HTML stays text."""

import shutil
from pathlib import Path

import pytest

from pipeline.stages import report
from tests.conftest import ROOT, SEEDS, run_pipeline
from tests.report.test_html import INJECTED

SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and DRIVER),
        reason="Chromium not found: install it with `apt-get install chromium chromium-driver` "
        "(.ci/run does) to run the browser tests",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def build_report(raw: Path, root: Path, params) -> Path:
    dist = run_pipeline(raw, root, params)
    report.run(dist, root / "report.html", root / "plots", 50000)
    return root / "report.html"


def search(browser, text: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.ID, "search")
    box.clear()
    box.send_keys(text)
    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in browser.find_elements(By.CSS_SELECTOR, "#abstracts tbody tr")
    ]


def test_seeds_report_renders_searches_and_keeps_html_as_text(browser, tmp_path, params):
    from selenium.webdriver.common.by import By

    shutil.copytree(SEEDS, tmp_path / "raw")
    (tmp_path / "raw" / "zz-html.txt").write_text(INJECTED, encoding="utf-8")
    browser.get((build_report(tmp_path / "raw", tmp_path, params)).as_uri())
    assert browser.title == f"Abstracts {params.publish()['version']}: data report"
    assert "25\nabstracts" in browser.find_element(By.ID, "counts").text
    assert len(search(browser, "")) == 25
    rows = search(browser, "llama 4 model family")
    assert [row[0] for row in rows] == ["2724c26b5ad23ca0"] and rows[0][3] == "3"
    assert browser.find_element(By.ID, "matches").text == "1 matching, first 1 shown"
    (row,) = search(browser, "window.injected")
    assert '<script>window.injected = 1</script> and <b>bold</b> & "quotes".' in row[1]
    assert browser.execute_script("return window.injected") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#abstracts b")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "report-seeds.png"))


def test_acl_report_renders(browser, tmp_path, params, acl_corpus):
    from selenium.webdriver.common.by import By

    browser.get(build_report(acl_corpus, tmp_path, params).as_uri())
    cards = browser.find_element(By.ID, "counts").text
    assert "18,672\noccurrences" in cards
    assert browser.find_element(By.ID, "matches").text.endswith("first 100 shown")
    assert 0 < len(search(browser, "machine translation")) <= 100
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "report-acl.png"))
