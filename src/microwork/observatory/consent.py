"""The survey's consent text, versioned. A worker's consent records the version they agreed to;
a new version is a new constant and a new entry in TEXTS, never an edit of an old one, so what
each worker agreed to stays readable."""

from django.utils.translation import gettext_lazy as _

CURRENT_VERSION = "2026-12"

TEXTS = {
    "2026-12": _(
        "I agree that microwork stores my answers to this questionnaire with my account, and "
        "uses them only to publish statistics about the people who do micro-work on it. No "
        "published figure counts fewer than %(k)d people, and my worker id, my email and my "
        "own words are never published. Answering is voluntary and is never a condition for "
        "getting work. I can change my answers or withdraw at any time: withdrawing erases my "
        "answers, and no statistic computed afterwards includes them."
    ),
}
