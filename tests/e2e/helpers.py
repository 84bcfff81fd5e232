"""What every browser step checks: accessibility basics, no server error, and screenshots of the
page at phone and laptop width."""
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

# Debian's headless shell (package chromium-headless-shell, what Playwright itself runs headless)
# when it is there: the full browser in headless mode took 120 CPU-seconds for the browser tests,
# the shell 69, on two cores that the rest of the suite shares. Else the full Chromium.
HEADLESS_SHELL, FULL_CHROMIUM = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else FULL_CHROMIUM)
# Playwright adds its own defaults (no background timers throttled, no extensions, breakpad or
# dev-shm, --mute-audio, --hide-scrollbars, ...). --renderer-process-limit=1: a browser context
# otherwise started two renderer processes, one for its first page's about:blank and another at the
# first navigation; it now starts one (150 -> 78 over tests/e2e, whose Chromium CPU fell from 145 to
# 133 CPU-s: README, "The suite's time"). Pages of one context share that process; contexts never
# share one, whatever the limit, so the tests are as isolated from each other as before.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-quic", "--no-first-run", "--disable-sync", "--renderer-process-limit=1",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Visitors in zones and languages of their own (the `visitor_page` fixture opens a page as one).
VISITORS = {
    "berlin": {"timezone_id": "Europe/Berlin", "locale": "de-DE", "zone": "Europe/Berlin", "clock": "24"},
    "los-angeles": {"timezone_id": "America/Los_Angeles", "locale": "en-US", "zone": "America/Los Angeles",
                    "clock": "12"},
    "london": {"timezone_id": "Europe/London", "locale": "en-GB", "zone": "Europe/London", "clock": "24"},
}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Screenshots are for people looking at the pages, not assertions: two full-page PNGs per step
# cost about a third of the browser tests' time, so they are taken only when asked for
# (LEADMONK_SCREENSHOTS=1 make test).
TAKE_SCREENSHOTS = os.environ.get("LEADMONK_SCREENSHOTS", "") not in ("", "0", "false")
# axe-core on every page state a journey checks (check_page), at 390 and 1280 px (issue 29, item 6).
AXE_EVERY_PAGE = os.environ.get("LEADMONK_AXE", "1") not in ("", "0", "false")
# With LEADMONK_AXE_REPORT=<file>, violations are written there instead of failing (a survey).
AXE_REPORT = os.environ.get("LEADMONK_AXE_REPORT", "")

# Runs in the page; returns a list of problems in words.
_ACCESSIBILITY_PROBLEMS_JS = """
() => {
  const problems = [];
  const visible = (el) => {
    if (el.closest('[hidden], [aria-hidden="true"]')) return false;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
    // Inputs inside a closed <details> are not rendered yet still need a label when opened.
    return el.getClientRects().length > 0 || !!el.closest('details');
  };
  const describe = (el) => {
    const name = el.getAttribute('name');
    const id = el.id;
    return `<${el.tagName.toLowerCase()}${el.type ? ' type=' + el.type : ''}${id ? ' id=' + id : ''}${name ? ' name=' + name : ''}>`;
  };
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const labelledByText = (el) => text((el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent).join(' '));

  const title = text(document.title);
  if (!title) problems.push('the page has no <title>');
  const h1s = [...document.querySelectorAll('h1')].filter(visible);
  if (h1s.length !== 1) problems.push(`the page has ${h1s.length} visible <h1> (expected exactly one)`);

  const skipTypes = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.tagName === 'INPUT' && skipTypes.has(el.type)) continue;
    if (!visible(el)) continue;
    let labelled = false;
    if (el.id) {
      for (const label of document.querySelectorAll(`label[for="${CSS.escape(el.id)}"]`)) {
        if (text(label.textContent)) labelled = true;
      }
    }
    const wrapping = el.closest('label');
    if (wrapping && text(wrapping.textContent)) labelled = true;
    if (text(el.getAttribute('aria-label'))) labelled = true;
    if (labelledByText(el)) labelled = true;
    if (!labelled) problems.push(`${describe(el)} has no label`);
  }

  const buttons = document.querySelectorAll(
    'button, input[type=submit], input[type=button], input[type=reset], a.btn, [role=button], summary.btn');
  for (const el of buttons) {
    if (!visible(el)) continue;
    let name = text(el.getAttribute('aria-label')) || labelledByText(el);
    if (!name) name = el.tagName === 'INPUT' ? text(el.value) : text(el.innerText || el.textContent);
    if (!name) name = text(el.getAttribute('title'));
    if (!name) problems.push(`button ${el.outerHTML.slice(0, 120)} has no accessible name`);
  }
  return problems;
}
"""


def assert_accessible(page: Page) -> None:
    """Accessibility basics of the page shown: a title, exactly one h1, every input/select/textarea
    labelled (label[for], a wrapping label, aria-label or aria-labelledby), every button named."""
    problems = page.evaluate(_ACCESSIBILITY_PROBLEMS_JS)
    assert not problems, f"Accessibility problems on {page.url}:\n  " + "\n  ".join(problems)


def assert_no_server_error(page: Page) -> None:
    assert not page.server_errors, f"Server errors: {page.server_errors}"
    assert not page.script_errors, f"Script errors on {page.url}: {page.script_errors}"


def check_page(page: Page, journey: str, step: str, *, h1: str | re.Pattern | None = None) -> None:
    """After each navigation: no server error, the expected heading, accessibility basics, and
    (with LEADMONK_SCREENSHOTS=1) a full-page screenshot at 390 px and 1280 px wide
    (test-artifacts/screenshots/<journey>-<step>-<width>.png)."""
    page.wait_for_load_state("load")
    assert_no_server_error(page)
    if h1 is not None:
        expect(page.locator("h1")).to_have_text(h1)
    assert_accessible(page)
    # axe.run is a promise: in a page with scripts turned off it never settles, so it is skipped there
    # (the same states are checked with scripts on by the other journeys).
    if AXE_EVERY_PAGE and getattr(page, "javascript_enabled", True):
        axe_at_both_widths(page, f"{journey} {step}")
    screenshot(page, journey, step)


def screenshot(page: Page, journey: str, step: str) -> None:
    if not TAKE_SCREENSHOTS:
        return
    original = page.viewport_size
    # A sticky sidebar would be drawn where the page was last scrolled to.
    page.evaluate("window.scrollTo(0, 0)")
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOT_DIR / f"{journey}-{step}-{viewport['width']}.png", full_page=True,
                        animations="disabled", caret="hide")
    page.set_viewport_size(original)


def log_in(page: Page, base_url: str, *, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/"))


def log_in_as(page: Page, base_url: str, user) -> None:
    """Logs the page's browser context in as `user` without the login form: the session a log-in
    writes, written directly, and its cookie (test_log_in.py checks it equal to what the form's
    log-in writes, and is the one browser test that logs in through the form). The journeys only
    need to be logged in; the form cost each of them the form, its post and the dashboard it leads
    to. Opens no page."""
    from django.conf import settings

    from tests.personas import logged_in_session_key

    # The backend the form's log-in records: AxesBackend comes first but only refuses locked-out
    # log-ins; the model backend is the one that authenticates.
    session_key = logged_in_session_key(user, backend="django.contrib.auth.backends.ModelBackend")
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": base_url}])


def confirm_signup(page: Page, *, email: str) -> None:
    """After "Create account": the "Check your email" page, then the emailed confirmation link,
    which logs the new owner in and opens the dashboard's home with its setup checklist."""
    from django.core import mail

    page.wait_for_url(re.compile(r"/accounts/signup/sent/$"))
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    confirmation = next(message for message in reversed(mail.outbox) if message.to == [email])
    page.goto(re.search(r"https?://\S+/accounts/verify/\S+/", confirmation.body).group(0))
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", name="Get ready to take bookings")).to_be_visible()


def pick_time(page: Page, *, avoid_start_iso: str | None = None) -> None:
    """On a month picker: click a free time (not `avoid_start_iso`, an ISO UTC start such as
    2026-12-01T14:00:00Z), on the day shown or else on the next days that have free times."""
    def click_free_time() -> bool:
        for slot in page.locator(".slots a.slot").all():
            href = slot.get_attribute("href") or ""
            if avoid_start_iso is None or avoid_start_iso not in unquote(href):
                slot.click()
                page.wait_for_load_state("load")
                return True
        return False

    if click_free_time():
        return
    next_day = page.locator("a[data-picker-nav=day]")
    if next_day.count():  # no free time this month: jump to the next day with some (swapped in)
        next_day.click()
        page.locator(".slots a.slot").first.wait_for()
        if click_free_time():
            return
    # The day shown has only the time to avoid, or a chosen one and its overlaps (late in the day,
    # say): try the other days of this month, then of the next (the last day of a month at night).
    for _month in range(2):
        for href in page.locator("a.day").evaluate_all("(days) => days.map((day) => day.getAttribute('href'))"):
            page.goto(urljoin(page.url, href))
            if click_free_time():
                return
        next_month = page.locator("a[data-picker-nav=next]")
        if not next_month.count():
            break
        page.goto(urljoin(page.url, next_month.first.get_attribute("href")))
        if click_free_time():
            return
    raise AssertionError(f"No free time to pick on {page.url}")


# One check, in the page: null when axe-core is not in the document yet (the caller puts it in,
# once per document, and asks again), else the serious and critical
# violations, in short (the whole of axe's answer, every rule that passed or did not apply
# included, cost more to carry back and read than the check itself).
# The rules: a violation's impact is its rule's (axe-core's finalizeRuleResult gives every failed
# check the rule's impact when the rule has one), so a rule of "minor" or "moderate" impact can
# never report what the check looks for; those rules are turned off (the "region" and landmark
# rules walk the whole page). Every other rule runs as axe's defaults have it.
# The page's state: a count that any change of the document (a mutation) or of what the visitor
# did (typed, focused, scrolled, opened) moves on. A state that passed at a width is not checked
# again at that width (check_page runs axe at both widths, and a test that also checks the state
# it has just reached would otherwise run it twice); one that failed is.
_AXE_CHECK_JS = """
async (width) => {
  if (typeof window.axe === 'undefined') return null;
  if (!window.__leadmonkAxe) {
    __COLOUR_FAST_PATH__
    const disabled = {};
    for (const rule of axe._audit.rules) {
      if (rule.impact === 'minor' || rule.impact === 'moderate') disabled[rule.id] = {enabled: false};
    }
    const state = {changes: 0, passed: {}, options: {resultTypes: ['violations'], rules: disabled}};
    const changed = () => { state.changes += 1; };
    state.observer = new MutationObserver(changed);
    state.observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    for (const event of ['input', 'change', 'focusin', 'focusout', 'scroll', 'toggle']) {
      document.addEventListener(event, changed, true);
    }
    window.__leadmonkAxe = state;
  }
  const state = window.__leadmonkAxe;
  const flush = () => { if (state.observer.takeRecords().length) state.changes += 1; };
  flush();  // mutations not delivered to the observer yet
  if (state.passed[width] === state.changes) return [];
  const before = state.changes;
  const result = await axe.run(state.options);
  const serious = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({id: violation.id, impact: violation.impact,
                          targets: violation.nodes.slice(0, 5).map((node) => (node.target || ['?'])[0])}));
  flush();
  if (!serious.length && state.changes === before) state.passed[width] = before;
  return serious;
}
"""


# axe parses every colour it reads (getComputedStyle's "rgb(34, 34, 34)" and "rgba(0, 0, 0, 0)",
# a few per element) with colorjs.io: a general CSS colour parser, then a gamut mapping and a
# conversion to sRGB. On the site's pages that parse was a fifth to a third of an axe run
# (a profile of the page: colorjs's Color, its parser and its colour-space registry). The two forms
# Chromium gives a computed sRGB colour in are read here directly into the same four numbers, by
# axe's own setters; anything else still goes to axe's parse. tests/e2e/test_axe_check.py compares
# the two over every channel value and the alphas Chromium writes.
_COLOUR_FAST_PATH_JS = """
    const Color = axe.commons.color.Color;
    if (!Color.prototype.__leadmonkParse) {
      const computed = /^rgba?\\((\\d+), (\\d+), (\\d+)(?:, (0|1|0?\\.\\d+))?\\)$/;
      Color.prototype.__leadmonkParse = Color.prototype.parseString;
      Color.prototype.parseString = function (text) {
        const match = computed.exec(text);
        if (match === null || match[1] > 255 || match[2] > 255 || match[3] > 255) return this.__leadmonkParse(text);
        this.r = match[1] / 255;
        this.g = match[2] / 255;
        this.b = match[3] / 255;
        this.alpha = match[4] === undefined ? 1 : +match[4];
        return this;
      };
    }"""
_AXE_CHECK_JS = _AXE_CHECK_JS.replace("__COLOUR_FAST_PATH__", _COLOUR_FAST_PATH_JS.strip())


_axe_server: ThreadingHTTPServer | None = None


def _axe_script_url() -> str:
    """The address of axe-core's script, served from this process with a long cache lifetime. A
    page loads it as a script of its own: the browser keeps it (one load a browser context) and
    the code compiled from it, where handing the half-megabyte source to page.evaluate at every
    page checked sent it through Playwright's pipes and compiled it each time (about half of the
    cost of putting axe in a page)."""
    global _axe_server
    if _axe_server is None:
        from axe_playwright_python.base import AXE_FILE_PATH

        script = AXE_FILE_PATH.read_bytes()

        class AxeScript(BaseHTTPRequestHandler):
            def do_GET(self):
                # No Date header: the tests' clock is frozen months away from the browser's, which
                # would take a dated answer for a stale one and fetch it again every time.
                self.send_response_only(200)
                self.send_header("Content-Type", "text/javascript")
                self.send_header("Content-Length", str(len(script)))
                self.send_header("Cache-Control", "public, max-age=86400, immutable")
                self.send_header("Timing-Allow-Origin", "*")  # lets a test see the cache answer
                self.end_headers()
                self.wfile.write(script)

            def log_message(self, format, *args):
                pass

        _axe_server = ThreadingHTTPServer(("127.0.0.1", 0), AxeScript)
        threading.Thread(target=_axe_server.serve_forever, name="axe-script", daemon=True).start()
    return f"http://127.0.0.1:{_axe_server.server_address[1]}/axe.min.js"


def _put_axe_in(page: Page) -> None:
    url = _axe_script_url()
    try:
        page.add_script_tag(url=url)
    except PlaywrightError:  # a page whose Content-Security-Policy is enforced refuses the script
        from axe_playwright_python.base import AXE_SCRIPT

        page.evaluate(AXE_SCRIPT)
    page.evaluate("(url) => { for (const s of document.querySelectorAll('script')) if (s.src === url) s.remove(); }", url)


def assert_no_serious_axe_violations(page: Page, where: str = "") -> None:
    """axe-core (axe-playwright-python) on the page as shown: no serious or critical violation."""
    width = page.viewport_size["width"]
    violations = page.evaluate(_AXE_CHECK_JS, width)
    if violations is None:
        _put_axe_in(page)
        violations = page.evaluate(_AXE_CHECK_JS, width)
    serious = [f"{violation['id']} ({violation['impact']}): " + "; ".join(map(str, violation["targets"]))
               for violation in violations]
    message = f"axe on {where or page.url} at {width} px:\n  " + "\n  ".join(serious)
    if serious and AXE_REPORT:
        with open(AXE_REPORT, "a") as report:
            report.write(message + "\n")
        return
    assert not serious, message


def axe_at_both_widths(page: Page, where: str = "") -> None:
    """assert_no_serious_axe_violations at 390 px and 1280 px, then back to the page's own width.
    The page's own size is checked last, so it needs no resize back (Chromium lays out the whole
    page again at each), and a size it already has is not set again."""
    original = page.viewport_size
    for viewport in sorted((PHONE, LAPTOP), key=lambda size: size == original):
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
        assert_no_serious_axe_violations(page, where)
    if page.viewport_size != original:
        page.set_viewport_size(original)
