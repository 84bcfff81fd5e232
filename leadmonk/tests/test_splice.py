"""Cached HTML filled per request (leadmonk.splice): a page rendered once with placeholders, cut,
kept, then given each visitor's values, escaped as the template would have escaped them."""
import pickle

import pytest
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from leadmonk import splice

TEMPLATE = engines["django"].from_string(
    '<form action="{{ action }}?tz=x"><input name="csrfmiddlewaretoken" value="{{ token }}">'
    "<p>{{ text }}</p></form>"
)


def rendered(text="Hello") -> str:
    return TEMPLATE.render({"action": splice.PAGE_URL.mark, "token": splice.CSRF_TOKEN.mark, "text": text})


def test_a_page_rendered_with_placeholders_fills_as_it_would_have_rendered():
    page = splice.cut(rendered(), splice.CSRF_TOKEN, splice.PAGE_URL)
    filled = page.fill(csrf_token="abc123", page_url="/orders/tok/items/4/book/")
    assert filled == TEMPLATE.render({"action": "/orders/tok/items/4/book/", "token": "abc123", "text": "Hello"})
    assert isinstance(filled, SafeString)
    # One entry serves every visitor: each gets their own values.
    assert 'value="other"' in page.fill(csrf_token="other", page_url="/x/")


def test_a_value_is_escaped_unless_it_is_safe_html_already():
    page = splice.cut(rendered(), splice.CSRF_TOKEN, splice.PAGE_URL)
    html = page.fill(csrf_token='"><script>', page_url="/a?b=1&c=2")
    assert 'value="&quot;&gt;&lt;script&gt;"' in html and 'action="/a?b=1&amp;c=2?tz=x"' in html
    bold = splice.placeholder("bold")
    assert splice.cut(f"<p>{bold.mark}</p>", bold).fill(bold=mark_safe("<b>x</b>")) == "<p><b>x</b></p>"


def test_a_placeholder_held_in_several_places_gets_the_same_escaped_value_in_each():
    links = engines["django"].from_string('{% for day in days %}<a href="{{ url }}?day={{ day }}">{% endfor %}')
    page = splice.cut(links.render({"url": splice.PAGE_URL.mark, "days": [1, 2, 3]}), splice.PAGE_URL)
    assert page.fill(page_url="/a?b=1&c=<2>") == links.render({"url": "/a?b=1&c=<2>", "days": [1, 2, 3]})


def test_a_placeholder_the_page_does_not_hold_is_not_there():
    page = splice.cut(TEMPLATE.render({"action": "/fixed/", "token": "", "text": "x"}), splice.CSRF_TOKEN)
    assert page.names == set()
    assert page.fill(csrf_token="abc") == TEMPLATE.render({"action": "/fixed/", "token": "", "text": "x"})


def test_a_placeholder_the_page_holds_needs_a_value():
    page = splice.cut(rendered(), splice.CSRF_TOKEN, splice.PAGE_URL)
    with pytest.raises(KeyError, match="page_url"):
        page.fill(csrf_token="abc")


def test_a_value_holding_a_mark_is_not_filled_again():
    page = splice.cut(rendered(), splice.CSRF_TOKEN, splice.PAGE_URL)
    html = page.fill(csrf_token=splice.PAGE_URL.mark, page_url=splice.CSRF_TOKEN.mark)
    assert f'value="{splice.PAGE_URL.mark}"' in html and f'action="{splice.CSRF_TOKEN.mark}?tz=x"' in html


def test_text_that_looks_like_a_mark_is_left_alone():
    """Marks are random per process: text an owner wrote cannot hold one (and a made-up one is text)."""
    lookalike = "splice" + "0" * 32
    page = splice.cut(rendered(text=lookalike), splice.CSRF_TOKEN, splice.PAGE_URL)
    assert f"<p>{lookalike}</p>" in page.fill(csrf_token="t", page_url="/p/")
    assert splice.placeholder("a").mark != splice.placeholder("a").mark


def test_a_cut_page_is_picklable_for_the_cache_and_fills_in_another_process():
    page = splice.cut(rendered(), splice.CSRF_TOKEN, splice.PAGE_URL)
    kept = pickle.loads(pickle.dumps(page))  # noqa: S301 - our own value
    assert kept.fill(csrf_token="t", page_url="/p/") == page.fill(csrf_token="t", page_url="/p/")
    assert splice.CSRF_TOKEN.mark not in pickle.dumps(page).decode("latin-1")


def test_a_placeholder_name_must_be_a_keyword():
    with pytest.raises(ValueError, match="keyword"):
        splice.placeholder("page-url")
