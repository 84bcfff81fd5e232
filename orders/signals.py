"""What orders announces, for the apps above it (payments, notifications), which orders never
imports. Sent inside the order's transaction: a receiver's rows commit or roll back with it.
"""
from django.dispatch import Signal

# order=<PackageOrder>: an order was just placed (inside order_create's transaction, after its items,
# its credits, its promo code and gift; before a free order becomes active).
order_placed = Signal()
# owner_id=<int>, emails=[old, new]: an order's client address was rewritten by a QuerySet.update()
# (orders.gifts: the gift handed over to its recipient, the recipient's address corrected), or rows of
# that client were written in bulk (payments.demo_history's ledger entries; emails=[address]), inside
# that transaction; post_save is not sent for it (clients keeps its table of clients in step).
order_client_changed = Signal()
# order=<PackageOrder>: the order just became active (a free order placed, a payment confirmed).
order_activated = Signal()
# order=<PackageOrder>, sessions_left=<int>: the order's unused sessions expire soon (sent once,
# inside the transaction that claims the order for the warning).
order_expiring = Signal()
# order=<PackageOrder>, sessions_left=<int>: the client has sessions left and nothing booked for the
# order's `book_reminder_days` (sent once, inside the transaction that claims the order for it).
order_book_nudge = Signal()
# order=<PackageOrder>, bookings=[<Booking>]: a set of sessions booked at once (one message for all).
order_sessions_booked = Signal()
# order=<PackageOrder>: the owner asks to send the client's confirmation again.
order_confirmation_requested = Signal()
# order=<PackageOrder>: the owner issued the order with a payment link; the client is asked to pay.
order_payment_requested = Signal()
# order=<PackageOrder>, cancelled_bookings=[<Booking>]: the order was cancelled or refunded (its
# status says which); the upcoming sessions that went with it.
order_cancelled = Signal()
# entry=<CreditLedgerEntry> (its order_item and order joined), by_user=<User>: the owner added or
# removed credits by hand (orders.credits.ledger_adjust), inside its transaction.
credits_adjusted = Signal()
# order=<PackageOrder>, entries=[<CreditLedgerEntry>]: the unused credits of an order expired
# (orders.credits.ledger_expire_order), inside its transaction; not sent when none were left.
credits_expired = Signal()
# order=<PackageOrder>, gift=<Gift>: a gift's day came and it was claimed for sending (orders.gifts):
# the recipient gets their order page, the buyer hears it was delivered. Sent once per gift.
gift_delivered = Signal()

# Page parts (leadmonk.sections.collect_parts), request=<HttpRequest>, order=<PackageOrder>: the
# owner's page of one order. A receiver returns {"refund": html} (shown under "Manage order") and
# {"cancel": html} (replaces the plain "Cancel order" form); payments fills both for a paid order;
# invoices returns {"invoices": html} (the order's invoices and credit notes).
owner_order_page_parts = Signal()
# Page sections (leadmonk.sections.render_sections), request=<HttpRequest>, order=<PackageOrder>: the
# client's order page, after the booked sessions (invoices: the order's invoices and credit notes).
order_page_sections = Signal()

# request=<HttpRequest>, item=<OrderItem> (its order, the order's owner and its meeting type joined):
# the client's page booking one item of their order, below the picker (waitlists: a group
# session's link to the waitlists of its full sessions). A receiver must not query: the page has one.
order_item_page_sections = Signal()

# request=<HttpRequest>, orders=[<PackageOrder>], next_url=<str>: the client's cards of their orders in
# a list (the client portal). A receiver returns {order id: html} (memberships: the membership's state,
# pause and cancel), shown on each card; it reads what it needs for all the orders at once.
client_order_cards_parts = Signal()
