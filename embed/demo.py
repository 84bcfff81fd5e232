"""Demo data of the embed settings: the demo owner's booking page may be shown by a page served on
http://localhost:8080 (README: "Your booking page on your own site")."""
from embed.services import embed_sites_save

DEMO_SITE = "http://localhost:8080"


def seed(owner) -> None:
    embed_sites_save(owner=owner, origins=[DEMO_SITE])
