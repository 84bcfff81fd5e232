"""Public pages: the personal booking page and booking one meeting."""
from leadmonk.placeholder import public_not_found

owner_page = public_not_found
book_meeting = public_not_found
