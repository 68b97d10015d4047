"""Open verification pages in Debian's Chromium through Playwright; print what a person sees.

Run by tests/e2e/test_verification_browser.py in its own process (Playwright's sync API and
eventlet's monkey-patching in the test process do not mix):

    python tests/e2e/verification_browser.py SCREENSHOT URL [URL ...]

Prints one JSON object: for each URL the HTTP status, the status of each language section
(data-status), the visible text of each section, and for a superseded page where its link to
the current version leads. The first URL's page is saved as a PNG to SCREENSHOT.
"""

import json
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def look(page, url: str) -> dict:
    response = page.goto(url, wait_until="load")
    sections = {}
    for language in ("en", "sv"):
        section = page.locator(f"section[data-language={language}]")
        sections[language] = {
            "status": section.locator("h2").get_attribute("data-status"),
            "text": section.inner_text(),
            "lang": section.get_attribute("lang"),
        }
    seen = {
        "url": url,
        "http_status": response.status,
        "title": page.title(),
        "sections": sections,
        "requests_elsewhere": [],
    }
    link = page.locator("section[data-language=en] a.current")
    if link.count():
        link.click()
        page.wait_for_load_state("load")
        seen["current"] = {
            "url": page.url,
            "status": page.locator("section[data-language=en] h2").get_attribute("data-status"),
        }
    return seen


def main(screenshot: str, urls: list[str]) -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 900})
            outside = []
            gateway = urls[0].split("/verify/")[0]
            page.on("request", lambda request: None if request.url.startswith(gateway) else outside.append(request.url))
            results = []
            for index, url in enumerate(urls):
                results.append(look(page, url))
                if index == 0:
                    page.goto(url, wait_until="load")
                    page.screenshot(path=screenshot, full_page=True)
            print(json.dumps({"pages": results, "requests_elsewhere": outside}))
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
