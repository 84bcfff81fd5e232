"""A payment plan's buttons on the client's order page: /orders/<token>/plan/…"""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from instalments import views

app_name = "instalments"

urlpatterns = [
    path("<token:token>/plan/pay/<int:number>/", views.pay_instalment, name="pay"),
    path("<token:token>/plan/pay-rest/", views.pay_rest, name="pay_rest"),
    path("<token:token>/plan/test/fail-next/", views.test_fail_next, name="test_fail_next"),
    path("<token:token>/plan/test/charge-next/", views.test_charge_next, name="test_charge_next"),
]
