"""Twilio webhooks: delivery status callbacks and inbound texts (STOP). Both trust nothing
until Twilio's signature over the full public URL and the POST parameters checks out."""
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from notifications.sms_services import sms_inbound, sms_status_update

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signature_valid(request: HttpRequest) -> bool:
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    # Twilio signs the URL it called; behind a proxy request.build_absolute_uri() may not be it,
    # so the public address comes from SITE_URL.
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _signature_valid(request):
        logger.warning("Refused a Twilio status callback with a bad signature")
        return HttpResponseForbidden("Invalid signature")
    sms_status_update(
        sid=request.POST.get("MessageSid", ""),
        twilio_status=request.POST.get("MessageStatus", ""),
        to=request.POST.get("To", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _signature_valid(request):
        logger.warning("Refused a Twilio inbound message with a bad signature")
        return HttpResponseForbidden("Invalid signature")
    sms_inbound(
        from_number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        opt_out_type=request.POST.get("OptOutType", ""),
    )
    # Twilio itself answers STOP/START with its compliance reply; we add nothing.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
