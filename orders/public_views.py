"""Public package order page."""
from leadmonk.placeholder import public_not_found

order_package = public_not_found
