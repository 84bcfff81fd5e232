"""The public pages' frame (base.html, public_base.html: the brand's colours, the footer, the language
switcher, flash messages) is cut once per process and filled per request (leadmonk.public_frame):
the personal page, a booking page, the team page and a team booking page answer what rendering the
whole template answered, with this request's messages, switcher address and style nonce."""
import re

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.shortcuts import render
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from accounts.brand import brand_of
from leadmonk.languages import VISITOR, use_language
from leadmonk.public_frame import forget_cuts, framed_page
from tests.builders import make_meeting_type, make_team, make_team_meeting_type
from tests.personas import make_owner

FRAMED_TEMPLATES = ["scheduling/public/owner_page.html", "scheduling/public/book.html", "orders/order_package.html",
                    "teams/public/team_page.html", "teams/public/book.html"]


def _request(path: str, nonce: str, message: str = ""):
    request = RequestFactory().get(path)
    request.csp_nonce = nonce
    request._messages = CookieStorage(request)
    if message:
        request._messages.add(25, message)
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("template", FRAMED_TEMPLATES)
@pytest.mark.parametrize("switcher", [False, True], ids=["fixed language", "visitor's language"])
def test_a_framed_page_is_the_page_the_template_renders(template, switcher):
    owner = make_owner(plan="free")
    owner.brand_color = "#0a7d4f"
    brand = brand_of(owner)
    forget_cuts()
    use_language("en", switcher=switcher)
    content = '<section class="page"><h1>Intro &amp; more</h1></section>'
    for path, nonce in (("/ada/", "first"), ("/ada/intro/?tz=Asia/Tokyo", "second")):
        framed = framed_page(_request(path, nonce), template, title="Ada & Co", content=content,
                             brand=brand).content.decode()
        whole = render(_request(path, nonce), template, {"title": "Ada & Co", "content": mark_safe(content),
                                                         "brand": brand}).content.decode()
        assert framed == whole
        assert f'nonce="{nonce}"' in framed and "Ada &amp; Co · Leadmonk" in framed
        assert ("?next=/ada/intro/%3Ftz%3DAsia/Tokyo" in framed) == (switcher and nonce == "second")


@pytest.mark.django_db
def test_a_framed_page_shows_this_requests_messages_once():
    forget_cuts()
    use_language("en", switcher=False)
    framed_page(_request("/ada/", "n"), "teams/public/book.html", title="Intro", content="<p>body</p>")

    request = _request("/ada/", "n", message="Your booking was cancelled.")
    html = framed_page(request, "teams/public/book.html", title="Intro", content="<p>body</p>").content.decode()

    assert html.count("Your booking was cancelled.") == 1
    assert get_messages(request).used
    later = framed_page(_request("/ada/", "n"), "teams/public/book.html", title="Intro", content="<p>body</p>")
    assert "Your booking was cancelled." not in later.content.decode()


@pytest.mark.django_db
def test_the_public_pages_answer_with_their_brand_switcher_and_content(client):
    """Through the views: the personal page, a booking page, the team page and a team booking page,
    each with its own title in the frame, the owner's switcher pointing back at each address, the
    personal pages in the owner's colours."""
    owner = make_owner(slug="ada", display_name="Ada Lovelace", plan="team")
    owner.page_language, owner.brand_color = VISITOR, "#0a7d4f"
    owner.save()
    make_meeting_type(owner, name="Intro", slug="intro")
    team = make_team(owner, slug="ada-team", name="Ada's team")
    make_team_meeting_type(team, name="Team call", slug="team-call", users=[owner])
    pages = {"/ada/": "Ada Lovelace", "/ada/intro/": "Intro with Ada Lovelace",
             "/team/ada-team/": "Ada&#x27;s team", "/team/ada-team/team-call/": "Team call with Ada&#x27;s team"}
    for path, title in pages.items():
        for query in ("", "?tz=Europe/Berlin"):
            response = client.get(path + query)
            html = response.content.decode()
            assert response.status_code == 200, path
            assert f"<title>{title} · Leadmonk</title>" in html
            assert f'href="/language/de/?next={path}{query.replace("?", "%3F").replace("=", "%3D")}"' in html
            if not path.startswith("/team/"):  # the brand's colours, in a style with this request's nonce
                nonce = re.search(r'<style nonce="([^"]+)">:root { --brand: #0a7d4f;', html)
                assert nonce and nonce.group(1) == response.wsgi_request.csp_nonce
