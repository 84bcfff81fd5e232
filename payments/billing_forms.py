"""Forms of the plan pages: which plan to buy, and the Enterprise contact form."""
from django import forms

from accounts.plans import SELF_SERVE_PLANS, BillingInterval


class UpgradeForm(forms.Form):
    plan = forms.ChoiceField(
        choices=[(plan.value, plan.label) for plan in SELF_SERVE_PLANS],
        error_messages={"invalid_choice": "Choose the Pro or Team plan.", "required": "Choose a plan."},
    )
    interval = forms.ChoiceField(
        choices=BillingInterval.choices,
        error_messages={"invalid_choice": "Choose monthly or yearly billing.",
                        "required": "Choose monthly or yearly billing."},
    )


class SwitchPlanForm(forms.Form):
    plan = forms.ChoiceField(
        choices=[(plan.value, plan.label) for plan in SELF_SERVE_PLANS],
        error_messages={"invalid_choice": "Choose the Pro or Team plan.", "required": "Choose a plan."},
    )


class EnterpriseContactForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=120, error_messages={"required": "Enter your name."})
    email = forms.EmailField(label="Work email", max_length=254,
                             error_messages={"required": "Enter the email address we should reply to."})
    company = forms.CharField(label="Company", max_length=200,
                              error_messages={"required": "Enter the name of your company or organisation."})
    seats = forms.IntegerField(
        label="How many people will use Leadmonk?", min_value=1, max_value=100000, required=False,
        error_messages={"min_value": "Enter a number of people from 1 up.", "invalid": "Enter a whole number."},
    )
    message = forms.CharField(label="What do you need?", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                              error_messages={"required": "Tell us briefly what you need."})
