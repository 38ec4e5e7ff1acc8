"""Browser journeys: the real ASGI app served by uvicorn in a thread, driven by headless Chromium.

Every page a journey loads must be checked with `assert_accessible(page)`; a page that was
loaded but never checked fails the test at teardown, so no journey can forget it.
DORFFUNK_SCREENSHOT_DIR=/some/dir also saves a screenshot of every checked page."""

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "de-DE"}
STARTUP_TIMEOUT = 10.0


def wait_until(condition: Callable[[], object], *, timeout: float = 10.0, what: str = "") -> object:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s waiting for {what or condition}")
        time.sleep(0.02)


def log_in(live_app, page, assert_accessible, user) -> None:
    """Sign in through the login form as a person made by the factories (their password),
    landing on the village feed; both pages are checked."""
    page.goto(live_app.url + "/konto/anmelden/")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(user.email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url("**/dorf/")
    assert_accessible(page)


# --- The server -----------------------------------------------------------------------------


class _ThreadServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signals belong to pytest, not to the server running in one of its threads.
        yield


@dataclass
class LiveApp:
    url: str
    server: uvicorn.Server = field(repr=False)

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


@pytest.fixture(scope="package")
def _asgi_server(django_db_setup) -> Iterator[LiveApp]:
    """HTTP and websockets of dorffunk.asgi on a free loopback port, shared by the journeys.

    The server opens its own database connections, from the settings the test database set-up
    already pointed at the test database. It may only use them while a test holds
    `transactional_db`: pytest-django blocks database access everywhere else."""
    from dorffunk.asgi import application

    # Binding port 0 ourselves and handing over the socket leaves no window for another
    # process to take the port between choosing and listening.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        lifespan="off",
    )
    server = _ThreadServer(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-app", daemon=True
    )
    thread.start()
    try:
        wait_until(
            lambda: server.started or not thread.is_alive(),
            timeout=STARTUP_TIMEOUT,
            what="uvicorn to start",
        )
        if not server.started:
            pytest.fail("uvicorn stopped before it served; see the log above")
        yield LiveApp(url=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not shut down"


@pytest.fixture
def live_app(_asgi_server: LiveApp, transactional_db) -> LiveApp:
    """The running app, with the database open to it. Its requests commit for real, so the
    test uses `transactional_db` (emptied after each test), not a rolled-back transaction the
    server's own connections could not see. In-memory SQLite is opened in shared-cache mode,
    so the server thread sees the same database as the test."""
    return _asgi_server


@pytest.fixture(autouse=True)
def _django_orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps its event loop "running" in this thread, parked in a
    greenlet while test code runs. Django sees that loop and refuses the test's own ORM calls
    (factories, the database flush at teardown) with SynchronousOnlyOperation. That is safe to
    allow here: nothing else runs on that loop while the test thread blocks in the ORM, it only
    waits for our next Playwright call. The variable is process-wide, so during a journey the
    server's async code is not guarded either; it is set per test only, and the consumer tests
    without a browser keep Django's guard for ORM calls from async code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- The browser ----------------------------------------------------------------------------


# Package scope, not session: while Playwright's sync API is open, its event loop counts as
# running in the main thread, which would break every later ORM and asyncio test of the suite.
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing; install Debian's chromium to run browser journeys")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class _Visits:
    scripts: bool
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


@pytest.fixture
def new_page(browser, request):
    """Open a page in a fresh context: a small phone in German unless `context_options` say
    otherwise (java_script_enabled=False for the journeys without JavaScript)."""
    contexts = []
    visits: dict = {}

    def open_page(**context_options):
        context = browser.new_context(**{**PHONE, **context_options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        record = _Visits(scripts=context_options.get("java_script_enabled", True))
        visits[page] = record
        page.on("load", lambda loaded: record.loaded.append(_without_fragment(loaded.url)))
        return page

    open_page.visits = visits
    yield open_page
    for context in contexts:
        context.close()
    # A failed test has already said what went wrong; only a passing one is held to the rule.
    if request.node.stash.get(_CALL_PASSED, False):
        unchecked = [
            url for record in visits.values() for url in record.loaded if url not in record.checked
        ]
        if unchecked:
            pytest.fail(
                "pages loaded without assert_accessible(page): " + ", ".join(unchecked),
                pytrace=False,
            )


@pytest.fixture
def page(new_page):
    return new_page()


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


# Chromium runs no timers (nor queueMicrotask) in a page without JavaScript, and axe yields to
# the event loop with setTimeout(0). For those pages only, zero-delay timers become promise
# callbacks while axe runs; longer ones are axe's watchdogs (frames, preloads), which have
# nothing to guard on our pages and are dropped.
_AXE_RUN = """async ([tags, scripts]) => {
  const saved = [window.setTimeout, window.clearTimeout];
  if (!scripts) {
    window.setTimeout = (callback, delay, ...args) => {
      if (!(delay > 1)) Promise.resolve().then(() => callback(...args));
      return 0;
    };
    window.clearTimeout = () => {};
  }
  try {
    return await axe.run(document, {runOnly: {type: "tag", values: tags}});
  } finally {
    [window.setTimeout, window.clearTimeout] = saved;
  }
}"""


def _violation_text(violation: dict) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
    return f"- {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"


@pytest.fixture
def assert_accessible(new_page, request):
    """Run axe-core (WCAG 2.0/2.1, A and AA) on the page as it is now; serious or critical
    violations fail the test with rule, help and the offending elements."""
    axe_source = AXE_SCRIPT.read_text()
    screenshots = os.environ.get("DORFFUNK_SCREENSHOT_DIR")
    count = 0

    def check(page) -> None:
        nonlocal count
        page.wait_for_load_state("load")
        record = new_page.visits[page]
        # Evaluated, not added as a <script> tag: a page without JavaScript runs no tags, but
        # Playwright's own evaluation still works there.
        if not page.evaluate("() => 'axe' in window"):
            page.evaluate(f"() => {{ {axe_source}\n }}")
        result = page.evaluate(_AXE_RUN, [AXE_TAGS, record.scripts])
        record.checked.add(_without_fragment(page.url))
        if screenshots:
            count += 1
            name = re.sub(r"[^\w-]+", "_", request.node.name)
            page.screenshot(path=str(Path(screenshots) / f"{name}-{count:02d}.png"), full_page=True)
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            details = "\n".join(_violation_text(v) for v in blocking)
            pytest.fail(f"accessibility violations on {page.url}:\n{details}", pytrace=False)

    return check
