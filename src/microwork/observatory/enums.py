"""The survey's questions and answers, modelled on the published micro-work surveys (DiPLab's
"Le micro-travail en France", 2019; the ILO's 2017 crowdwork survey). Codes are stored and
published; labels are translated. Each question has a "prefer not to say" answer, which is
published like the others."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NO_ANSWER = "no_answer"


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", _("Other")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class AgeBand(models.TextChoices):
    UNDER_25 = "18_24", _("18 to 24")
    FROM_25 = "25_34", _("25 to 34")
    FROM_35 = "35_44", _("35 to 44")
    FROM_45 = "45_54", _("45 to 54")
    FROM_55 = "55_plus", _("55 or older")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class Area(models.TextChoices):
    URBAN = "urban", _("Town or city")
    RURAL = "rural", _("Countryside")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or none")
    SECONDARY = "secondary", _("Secondary school")
    SHORT_HIGHER = "short_higher", _("Up to 2 years after secondary school")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master_plus", _("Master's degree or higher")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Looking for work")
    STUDENT = "student", _("Student")
    RETIRED = "retired", _("Retired")
    HOME = "home", _("At home (family, care)")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class Household(models.TextChoices):
    ALONE = "alone", _("Alone")
    COUPLE = "couple", _("Couple without children")
    COUPLE_CHILDREN = "couple_children", _("Couple with children")
    SINGLE_PARENT = "single_parent", _("Single parent")
    OTHER = "other", _("Other")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class IncomeShare(models.TextChoices):
    LITTLE = "under_10", _("Less than 10%")
    SOME = "10_50", _("10% to 50%")
    MOST = "over_50", _("More than half")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class OtherWorkHours(models.TextChoices):
    NONE = "none", _("None")
    PART = "under_20", _("Less than 20 hours")
    HALF = "20_35", _("20 to 35 hours")
    FULL = "over_35", _("More than 35 hours")
    NO_ANSWER = NO_ANSWER, _("Prefer not to say")


class Reason(models.TextChoices):
    EXTRA_INCOME = "extra_income", _("Extra income")
    MAIN_INCOME = "main_income", _("Main income")
    FLEXIBLE = "flexible", _("Work when and where I want")
    NO_OTHER_WORK = "no_other_work", _("No other work available")
    INTEREST = "interest", _("Interest in the tasks")
    PASS_TIME = "pass_time", _("To pass the time")


# The questions the statistics break down by, in the order the page and the package show them:
# (field name, choices). `reasons` (several answers) is published as one row per reason.
QUESTIONS = (
    ("gender", Gender),
    ("age_band", AgeBand),
    ("area", Area),
    ("education", Education),
    ("employment", Employment),
    ("household", Household),
    ("income_share", IncomeShare),
    ("other_work_hours", OtherWorkHours),
)


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("Consent given")
    UPDATED = "updated", _("Answers changed")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
