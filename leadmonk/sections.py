"""Page sections that an app above adds to a page of an app below: the lower app declares a
signal and its view sends it; each receiver returns a piece of HTML. Being sent by the view, the
receivers' queries count in that view's query budget (a template tag's would not)."""
from django.dispatch import Signal
from django.template.loader import render_to_string


def render_sections(signal: Signal, **kwargs) -> list[str]:
    """The HTML the receivers of `signal` return ("" or None for nothing), in connection order."""
    return [html for _receiver, html in signal.send(sender=None, **kwargs) if html]


def collect_parts(signal: Signal, **kwargs) -> dict[str, str]:
    """Named pieces of HTML ({"refund": ..., "cancel": ...}) the receivers of `signal` return, for a
    page with several places an upper app fills; a later receiver's piece replaces an earlier one."""
    parts: dict[str, str] = {}
    for _receiver, answer in signal.send(sender=None, **kwargs):
        parts.update({name: html for name, html in (answer or {}).items() if html})
    return parts


def render_to_section(request, template_name: str, context: dict) -> str:
    """A receiver's HTML: `template_name` rendered with the request (so csrf_token works)."""
    return render_to_string(template_name, context, request=request)
