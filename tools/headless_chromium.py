"""Open the network page in headless Chromium (Debian's, driven by Playwright) with the network cut off.

Shared by tests/test_visualize.py and bench/bench_network_page.py; Playwright is a test-only dependency.
"""
import contextlib
import pathlib
import shutil

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def find_chromium():
    """Path of the chromium executable, or None; Playwright's own browser download is not used."""
    return shutil.which("chromium")


@contextlib.contextmanager
def open_page(html_path, viewport=VIEWPORT):
    """Yield (page, refused, errors) once vis-network has taken over the graph (its first frame is painted before).

    Every request that is not for a local file is refused and its URL appended to `refused`;
    console errors and uncaught exceptions are appended to `errors`.
    """
    from playwright.sync_api import sync_playwright

    refused, errors = [], []

    def allow_only_local(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport)
            page.route("**/*", allow_only_local)
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(pathlib.Path(html_path).resolve().as_uri())
            page.wait_for_selector("body[data-handed-over-at]", state="attached", timeout=10_000)
            yield page, refused, errors
        finally:
            browser.close()
