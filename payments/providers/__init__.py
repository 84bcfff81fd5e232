"""Payment providers: one folder each; importing this package registers them."""
from payments.providers.paypal import provider as _paypal  # noqa: F401
from payments.providers.sandbox import provider as _sandbox  # noqa: F401
from payments.providers.stripe import provider as _stripe  # noqa: F401
