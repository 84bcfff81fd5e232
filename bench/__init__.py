"""`make bench`: seeds one owner at three sizes in a separate PostgreSQL database and prints one
table of figures (slot engine, pages under load, the booking path). See docs/performance.md."""
