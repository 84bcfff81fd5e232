"""`manage.py check --database default` (and `migrate`, which runs the database checks) reports an
owner whose booking slug is a reserved word: their page would sit behind a page of the product
(since the client portal, `my` leads to /my/). The portal's migration 0002 moved an owner who held
`my` to the first free `my-<n>`; this check catches one that came in later (a restored backup, a
fixture, the admin's raw edit)."""
from django.core.checks import Tags, Warning, register


@register(Tags.database)
def owners_on_reserved_slugs(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    if not databases:
        return []
    from accounts.models import RESERVED_SLUGS, User

    warnings = []
    for database in databases:
        for owner in User.objects.using(database).filter(slug__in=RESERVED_SLUGS).only("email", "slug"):
            warnings.append(Warning(
                f"The owner {owner.email} holds the reserved booking slug “{owner.slug}”: "
                f"their page /{owner.slug}/ shows a page of the product instead.",
                hint="Give them another booking link in the admin or ask them to choose one in Settings "
                     "(README, \"Find my bookings\").",
                obj=owner, id="portal.W001",
            ))
    return warnings
