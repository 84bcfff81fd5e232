"""The axe check itself (helpers.assert_no_serious_axe_violations): it finds every serious and
critical violation that axe-core's default run finds, though it skips the rules that cannot report
one, and it runs again whenever the page changed, only not on a state it has just checked."""
import json

import pytest

from tests.e2e.helpers import LAPTOP, PHONE, _axe_script_url, assert_no_serious_axe_violations, axe_at_both_widths

pytestmark = pytest.mark.browser
CLEAN_PAGE = "<html lang='en'><head><title>T</title>{head}</head><body><main><h1>T</h1></main></body></html>"

# Serious and critical violations (an image without a text, an unnamed button and an unlabelled
# field, text too faint to read, a list holding a div, a duplicate ARIA id) beside minor and moderate
# ones (an empty heading, a skipped heading level, no landmark, an empty table header).
A_BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title></head><body>
<h1>Bad page</h1><h2></h2><h5>Skipped levels</h5>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button></button><input type="text" name="unlabelled">
<p style="color:#bbb;background:#fff">Faint text</p>
<ul><div>not a list item</div></ul>
<span id="twin" aria-hidden="false">a</span><span id="twin">b</span><div aria-labelledby="twin">c</div>
<table><tr><th></th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>
</body></html>"""


@pytest.fixture
def axe_page(browser):
    """A page that opens the given HTML as a document of its own (as a navigation does)."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    pages = {}
    page.route("http://axe.test/**", lambda route: route.fulfill(body=pages[route.request.url],
                                                                 content_type="text/html"))

    def show(html: str) -> None:
        url = f"http://axe.test/{len(pages)}"
        pages[url] = html
        page.goto(url)

    page.show = show
    yield page
    context.close()


def _axe_default_run(page) -> dict[str, str]:
    """axe-core's own default run (every rule on by default), its violations by rule."""
    response = page.evaluate(f"axe.run({json.dumps({'resultTypes': ['violations']})})")
    return {violation["id"]: violation["impact"] for violation in response["violations"]}


def _count_axe_runs(page) -> None:
    page.evaluate("""() => {
      window.axeRuns = 0;
      const run = axe.run;
      axe.run = (...args) => { window.axeRuns += 1; return run.apply(axe, args); };
    }""")


def test_the_check_reports_every_serious_violation_the_default_run_finds(axe_page):
    page = axe_page
    page.show(A_BAD_PAGE)
    with pytest.raises(AssertionError) as failed:
        assert_no_serious_axe_violations(page, "the bad page")
    by_rule = _axe_default_run(page)  # axe is in the page now
    serious = {rule for rule, impact in by_rule.items() if impact in ("serious", "critical")}
    assert {rule for rule, impact in by_rule.items() if impact in ("minor", "moderate")}, by_rule
    assert len(serious) >= 5, by_rule
    reported = {line.split(" (")[0].strip() for line in str(failed.value).splitlines()[1:] if " (" in line}
    assert reported == serious
    with pytest.raises(AssertionError):  # a state that failed is checked again, and fails again
        assert_no_serious_axe_violations(page, "the bad page")

    # The rules turned off are exactly those of minor or moderate impact.
    off, impacts = page.evaluate("""() => [
      Object.keys(window.__leadmonkAxe.options.rules),
      Object.fromEntries(axe._audit.rules.map((rule) => [rule.id, rule.impact]))]""")
    assert off and {impacts[rule] for rule in off} <= {"minor", "moderate"}
    assert {rule for rule, impact in impacts.items() if impact in ("minor", "moderate")} == set(off)


def test_a_rule_of_moderate_impact_never_reports_a_serious_violation(axe_page):
    """What turning those rules off relies on: a violation's impact is its rule's, even when the
    failed check itself is marked critical (meta-viewport's check is; its rule is moderate)."""
    page = axe_page
    page.show('<html lang="en"><head><title>T</title>'
                     '<meta name="viewport" content="width=device-width, user-scalable=no"></head>'
                     "<body><main><h1>T</h1></main></body></html>")
    assert_no_serious_axe_violations(page)
    assert page.evaluate("axe._audit.data.checks['meta-viewport'].impact") == "critical"
    assert _axe_default_run(page) == {"meta-viewport": "moderate"}


def test_a_state_already_checked_at_a_width_is_not_checked_again(axe_page):
    page = axe_page
    page.show('<html lang="en"><head><title>T</title></head><body><main><h1>T</h1>'
                     '<label>Name <input name="name"></label><details><summary>More</summary>x</details>'
                     "</main></body></html>")
    assert_no_serious_axe_violations(page)
    _count_axe_runs(page)

    assert_no_serious_axe_violations(page)
    assert page.evaluate("window.axeRuns") == 0
    axe_at_both_widths(page)  # the phone width is new; the laptop one was checked
    assert page.evaluate("window.axeRuns") == 1
    assert page.viewport_size == LAPTOP

    # Anything that changes the page, or what the visitor did on it, is checked again.
    for change in [
        lambda: page.evaluate("document.querySelector('h1').textContent = 'Changed'"),
        lambda: page.evaluate("document.querySelector('main').classList.add('changed')"),
        lambda: page.get_by_label("Name").fill("Robin"),
        lambda: page.get_by_text("More").click(),
    ]:
        runs = page.evaluate("window.axeRuns")
        change()
        assert_no_serious_axe_violations(page)
        assert page.evaluate("window.axeRuns") == runs + 1
    page.set_viewport_size(PHONE)
    assert_no_serious_axe_violations(page)  # the state changed since the phone width was checked
    assert page.evaluate("window.axeRuns") == 6

    # A new document starts afresh.
    page.show("<html lang='en'><head><title>T</title></head><body><main><h1>T</h1></main></body></html>")
    assert page.evaluate("typeof window.__leadmonkAxe") == "undefined"
    assert_no_serious_axe_violations(page)
    assert page.evaluate("typeof window.__leadmonkAxe") == "object"


@pytest.mark.django_db(transaction=True)
def test_axe_is_loaded_once_a_browser_context_and_leaves_no_script_in_the_page(page, server):
    for path in ["/accounts/login/", "/accounts/signup/"]:
        page.goto(f"{server}{path}")
        assert_no_serious_axe_violations(page)
        assert page.evaluate("typeof window.axe") == "object"
        assert page.locator(f'script[src="{_axe_script_url()}"]').count() == 0
        # Bytes over the wire the first time, the browser's cache the second.
        loaded = page.evaluate("(url) => performance.getEntriesByName(url)[0].transferSize", _axe_script_url())
        assert loaded > 100_000 if path == "/accounts/login/" else loaded == 0


def test_a_page_that_refuses_outside_scripts_is_checked_all_the_same(axe_page):
    page = axe_page
    page.show(CLEAN_PAGE.format(head="<meta http-equiv='Content-Security-Policy' content=\"script-src 'self'\">"))
    assert_no_serious_axe_violations(page)
    assert page.evaluate("typeof window.axe") == "object"
    assert page.evaluate("document.scripts.length") == 0


def test_the_quick_colour_parse_gives_what_axes_own_parse_gives(axe_page):
    """The check reads Chromium's computed colours ("rgb(r, g, b)", "rgba(r, g, b, a)") without
    colorjs.io (helpers._COLOUR_FAST_PATH_JS): the same four numbers as axe's own parse, for every
    channel value in each place and the alphas Chromium writes; any other colour goes to axe's own."""
    page = axe_page
    page.show(CLEAN_PAGE.format(head=""))
    assert_no_serious_axe_violations(page)  # puts axe in and the quick parse before its parse
    differences = page.evaluate("""() => {
      const Color = axe.commons.color.Color, own = Color.prototype.__leadmonkParse;
      let calls = 0;
      Color.prototype.__leadmonkParse = function (text) { calls += 1; return own.call(this, text); };
      const read = (text, quick) => {
        const color = new Color();
        quick ? color.parseString(text) : own.call(color, text);
        return [color.r, color.g, color.b, color.alpha, color.red, color.green, color.blue].join(' ');
      };
      const computed = [], others = ['transparent', 'color(srgb 1 0 0)', 'oklch(0.5 0.1 100)',
        'rgb(256, 0, 0)', 'rgb(1.5, 0, 0)', 'rgba(0, 0, 0, 50%)', 'rgb(0 0 0)', '#123456', 'red'];
      const alphas = ['0', '0.001', '0.05', '0.1', '0.25', '0.298', '0.5', '0.502', '0.8', '0.999'];
      for (let v = 0; v <= 255; v += 1) {
        computed.push(`rgb(${v}, 0, 0)`, `rgb(0, ${v}, 0)`, `rgb(0, 0, ${v})`, `rgb(${v}, ${255 - v}, ${v})`,
                      `rgba(${v}, ${255 - v}, 7, ${alphas[v % alphas.length]})`);
      }
      const differ = (list) => list.filter((text) => read(text, true) !== read(text, false));
      const computedDiffer = differ(computed), ownCallsForComputed = calls;
      calls = 0;
      const othersDiffer = differ(others);
      return {computed: computed.length, computedDiffer, ownCallsForComputed, othersDiffer, ownCallsForOthers: calls};
    }""")
    # The computed colours never reach axe's parse through the check's; the others all do.
    assert differences == {"computed": 1280, "computedDiffer": [], "ownCallsForComputed": 0,
                           "othersDiffer": [], "ownCallsForOthers": 9}
