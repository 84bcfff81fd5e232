"""seed_demo sells the demo package's meeting types only through it, and offers a free Intro call."""
from scheduling import demo
from scheduling.models import MeetingType, Visibility
from tests import make_meeting_type


def visibilities(owner) -> dict[str, str]:
    return dict(MeetingType.objects.for_owner(owner).values_list("slug", "visibility"))


def test_the_demo_lists_a_free_intro_call_and_sells_the_package_types_only_in_the_package(owner):
    demo.seed(owner)
    demo.seed(owner)

    assert visibilities(owner) == {"intro-call": Visibility.PUBLIC, "coaching-session": Visibility.PACKAGE_ONLY,
                                   "group-workshop": Visibility.PACKAGE_ONLY,
                                   "single-coaching-session": Visibility.PUBLIC}


def test_a_demo_seeded_before_visibilities_gets_its_package_types_made_package_only(owner):
    make_meeting_type(owner, slug="coaching-session", name="Coaching session")

    demo.seed(owner)

    assert visibilities(owner)["coaching-session"] == Visibility.PACKAGE_ONLY
    assert MeetingType.objects.for_owner(owner).count() == 4
