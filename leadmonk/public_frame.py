"""Client pages rendered once per process with placeholders, then filled per request: the public
pages (the personal page, a booking page, the team page and its booking pages), the order's booking
page and the client portal's /my/ cost most of their CPU in rendering the same template around a
few values (the frame: base.html, public_base.html, the footer, the language switcher).

A page's cut (leadmonk.splice) depends only on the templates and on what its key holds: the
template, the active language and whether the page shows the switcher, and the values the view puts
in the key (the owner's brand, the stage of the page). Everything else is a placeholder filled per
request: the values the view names, and the frame's own — the flash messages (rendered only when
there are some, as the template did), the switcher's "come back here" address and the style's CSP
nonce. So the cuts are kept in this process's memory, with no version: no data is in them.

The messages go at the start of the content block, not before it: the same HTML but for the
whitespace between the two."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from leadmonk import splice
from leadmonk.languages import shows_switcher, switch_links

MESSAGES = splice.placeholder("frame_messages")
HERE = splice.placeholder("frame_here")
NONCE = splice.placeholder("frame_nonce")

# A framed page's title and its body (HTML the view rendered, or took from the page cache).
TITLE = splice.placeholder("frame_title")
CONTENT = splice.placeholder("frame_content")

_cuts: dict[tuple, splice.Cut] = {}
CUTS_MAX = 2_000


def forget_cuts() -> None:
    """Forget this process's cuts (tests: a template changed under a running process)."""
    _cuts.clear()


class _FrameRequest:
    """What the frame's templates read of the request while the cut is made: the CSP nonce of the
    brand's style (public_base.html), a placeholder."""

    csp_nonce = NONCE.mark


def page_cut(request: HttpRequest, template_name: str, *, key: tuple, context: dict,
             placeholders: tuple[splice.Placeholder, ...] = ()) -> splice.Cut:
    """`template_name` rendered with `context` (the marks of `placeholders` in place of the values
    they stand for) and cut, once per process for each `key`. `context` must depend on nothing
    but `key` and the placeholders. The template shows `{{ frame_messages }}` where the messages go."""
    switcher = shows_switcher()
    full_key = (template_name, translation.get_language(), switcher, key)
    cut = _cuts.get(full_key)
    if cut is None:
        links = [{**link, "url": f"/language/{link['code']}/?next={HERE.mark}"}
                 for link in switch_links(request)] if switcher else []
        html = render_to_string(template_name, {
            **context, "request": _FrameRequest(), "messages": (), "frame_messages": MESSAGES.mark,
            "language_links": links,
        }, request=request)
        cut = splice.cut(html, MESSAGES, HERE, NONCE, *placeholders)
        if len(_cuts) >= CUTS_MAX:
            _cuts.clear()
        _cuts[full_key] = cut
    return cut


def page_response(request: HttpRequest, cut: splice.Cut, *, status: int = 200, **values) -> HttpResponse:
    """The page of `cut` with the placeholders' `values` and the frame's own, as `render()` answers."""
    names = cut.names
    if MESSAGES.name in names:
        values[MESSAGES.name] = _messages_html(request)
    if HERE.name in names:
        values[HERE.name] = quote(request.get_full_path(), safe="/")  # as switch_links writes it
    if NONCE.name in names:
        values[NONCE.name] = request.csp_nonce
    return HttpResponse(cut.fill(**values), status=status)


def _messages_html(request: HttpRequest) -> str:
    storage = get_messages(request)
    if not storage:
        return ""
    return render_to_string("_messages.html", {"messages": storage})


def framed_page(request: HttpRequest, template_name: str, *, title: str, content: str, brand=None,
                status: int = 200) -> HttpResponse:
    """What `render(request, template_name, {"title": title, "content": content, "brand": brand})`
    answers, for a template that shows `{{ frame_messages }}{{ content }}` in its content block and
    reads nothing else of the request: the frame is cut once per process, template, language and
    brand (an `accounts.brand.Brand`, or None), and `content` (our templates' HTML) goes in as it is."""
    cut = page_cut(request, template_name, key=(brand,),
                   context={"title": TITLE.mark, "content": CONTENT.mark, "brand": brand},
                   placeholders=(TITLE, CONTENT))
    return page_response(request, cut, status=status, frame_title=title,
                         frame_content=mark_safe(content))  # noqa: S308 - our templates' HTML
