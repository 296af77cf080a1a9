import pytest

from microwork.quality import selectors
from microwork.quality.enums import (
    ActionsGuarded,
    Comparator,
    QualificationStatus,
    SystemQualification,
    WorkerAction,
)
from microwork.quality.models import ProjectRequirement
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory
from tests.quality.factories import (
    ProjectRequirementFactory,
    QualificationTypeFactory,
    WorkerBlockFactory,
    WorkerProfileFactory,
    WorkerQualificationFactory,
    reviewed_assignment,
)
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _met(worker, requirement) -> bool:
    facts = selectors.worker_facts(worker)
    return selectors.requirement_is_met(requirement, facts)


def _on_type(qualification_type, comparator, integer_values=()):
    return ProjectRequirement(
        qualification_type=qualification_type,
        comparator=comparator,
        integer_values=list(integer_values),
    )


def _locale(comparator, *locales):
    return ProjectRequirement(
        system_key=SystemQualification.LOCALE, comparator=comparator, locale_values=list(locales)
    )


@pytest.mark.parametrize(
    ("comparator", "values", "expected"),
    [
        (Comparator.LESS_THAN, [6], True),
        (Comparator.LESS_THAN, [5], False),
        (Comparator.LESS_THAN_OR_EQUAL_TO, [5], True),
        (Comparator.LESS_THAN_OR_EQUAL_TO, [4], False),
        (Comparator.GREATER_THAN, [4], True),
        (Comparator.GREATER_THAN, [5], False),
        (Comparator.GREATER_THAN_OR_EQUAL_TO, [5], True),
        (Comparator.GREATER_THAN_OR_EQUAL_TO, [6], False),
        (Comparator.EQUAL_TO, [5], True),
        (Comparator.EQUAL_TO, [4], False),
        (Comparator.NOT_EQUAL_TO, [4], True),
        (Comparator.NOT_EQUAL_TO, [5], False),
        (Comparator.IN, [1, 5, 9], True),
        (Comparator.IN, [1, 2], False),
        (Comparator.NOT_IN, [1, 2], True),
        (Comparator.NOT_IN, [2, 5], False),
        (Comparator.EXISTS, [], True),
        (Comparator.DOES_NOT_EXIST, [], False),
    ],
)
def test_requirement_is_met_compares_an_integer_qualification(comparator, values, expected):
    grant = WorkerQualificationFactory(integer_value=5)

    requirement = _on_type(grant.qualification_type, comparator, values)

    assert _met(grant.worker, requirement) is expected


@pytest.mark.parametrize(
    ("comparator", "values", "expected"),
    [
        (Comparator.LESS_THAN, [100], False),
        (Comparator.GREATER_THAN_OR_EQUAL_TO, [0], False),
        (Comparator.EQUAL_TO, [0], False),
        (Comparator.NOT_EQUAL_TO, [5], False),
        (Comparator.IN, [0, 1], False),
        (Comparator.NOT_IN, [5], False),
        (Comparator.EXISTS, [], False),
        (Comparator.DOES_NOT_EXIST, [], True),
    ],
)
def test_requirement_is_met_without_the_qualification_only_for_does_not_exist(
    comparator, values, expected
):
    worker = WorkerFactory()
    requirement = _on_type(QualificationTypeFactory(), comparator, values)

    assert _met(worker, requirement) is expected


def test_requirement_is_met_counts_a_revoked_qualification_as_absent():
    grant = WorkerQualificationFactory(integer_value=5)
    grant.status = QualificationStatus.REVOKED
    grant.revoked_at = grant.granted_at
    grant.save()

    assert not _met(grant.worker, _on_type(grant.qualification_type, Comparator.EXISTS))
    assert _met(grant.worker, _on_type(grant.qualification_type, Comparator.DOES_NOT_EXIST))


@pytest.mark.parametrize(
    ("comparator", "locales", "expected"),
    [
        (Comparator.EQUAL_TO, [{"Country": "US"}], True),
        (Comparator.EQUAL_TO, [{"Country": "US", "Subdivision": "WA"}], True),
        (Comparator.EQUAL_TO, [{"Country": "US", "Subdivision": "CA"}], False),
        (Comparator.EQUAL_TO, [{"Country": "CA"}], False),
        (Comparator.NOT_EQUAL_TO, [{"Country": "CA"}], True),
        (Comparator.NOT_EQUAL_TO, [{"Country": "US"}], False),
        (Comparator.IN, [{"Country": "CA"}, {"Country": "US"}], True),
        (Comparator.IN, [{"Country": "CA"}, {"Country": "GB"}], False),
        (Comparator.NOT_IN, [{"Country": "CA"}, {"Country": "GB"}], True),
        (Comparator.NOT_IN, [{"Country": "GB"}, {"Country": "US", "Subdivision": "WA"}], False),
        (Comparator.EXISTS, [], True),
        (Comparator.DOES_NOT_EXIST, [], False),
    ],
)
def test_requirement_is_met_compares_the_locale(comparator, locales, expected):
    profile = WorkerProfileFactory(country="US", subdivision="WA")

    assert _met(profile.user, _locale(comparator, *locales)) is expected


@pytest.mark.parametrize(
    ("comparator", "locales", "expected"),
    [
        (Comparator.EQUAL_TO, [{"Country": "US"}], False),
        (Comparator.NOT_EQUAL_TO, [{"Country": "US"}], False),
        (Comparator.IN, [{"Country": "US"}], False),
        (Comparator.NOT_IN, [{"Country": "US"}], False),
        (Comparator.EXISTS, [], False),
        (Comparator.DOES_NOT_EXIST, [], True),
    ],
)
def test_requirement_is_met_without_a_country(comparator, locales, expected):
    worker = WorkerFactory()

    assert _met(worker, _locale(comparator, *locales)) is expected


def test_worker_system_values_counts_approved_over_reviewed():
    worker = WorkerFactory()
    for _ in range(3):
        reviewed_assignment(worker, approved=True)
    reviewed_assignment(worker, approved=False)
    SubmittedAssignmentFactory(worker=worker)  # not reviewed yet: not counted
    WorkerProfileFactory(user=worker, country="FR", subdivision="", is_adult=False)

    values = selectors.worker_system_values(worker)

    assert values.approval_rate == 75
    assert values.number_approved == 3
    assert values.number_reviewed == 4
    assert (values.country, values.subdivision, values.is_adult) == ("FR", "", False)
    assert values.is_master is False


def test_worker_system_values_starts_at_100_percent_with_nothing_reviewed():
    worker = WorkerFactory()
    SubmittedAssignmentFactory(worker=worker)

    values = selectors.worker_system_values(worker)

    assert (values.approval_rate, values.number_approved, values.country) == (100, 0, "")


def test_worker_system_values_rounds_the_approval_rate_down():
    worker = WorkerFactory()
    for _ in range(2):
        reviewed_assignment(worker, approved=True)
    reviewed_assignment(worker, approved=False)

    assert selectors.worker_system_values(worker).approval_rate == 66


@pytest.mark.parametrize(
    ("key", "comparator", "values", "expected"),
    [
        (SystemQualification.APPROVAL_RATE, Comparator.GREATER_THAN_OR_EQUAL_TO, [75], True),
        (SystemQualification.APPROVAL_RATE, Comparator.GREATER_THAN_OR_EQUAL_TO, [76], False),
        (SystemQualification.APPROVAL_RATE, Comparator.EXISTS, [], True),
        (SystemQualification.NUMBER_APPROVED, Comparator.GREATER_THAN, [2], True),
        (SystemQualification.NUMBER_APPROVED, Comparator.GREATER_THAN, [3], False),
        (SystemQualification.ADULT, Comparator.EQUAL_TO, [1], True),
        (SystemQualification.ADULT, Comparator.EQUAL_TO, [0], False),
        (SystemQualification.MASTERS, Comparator.EXISTS, [], False),
        (SystemQualification.MASTERS, Comparator.DOES_NOT_EXIST, [], True),
    ],
)
def test_requirement_is_met_on_system_qualifications(key, comparator, values, expected):
    worker = WorkerFactory()
    WorkerProfileFactory(user=worker, is_adult=True)
    for _ in range(3):
        reviewed_assignment(worker, approved=True)
    reviewed_assignment(worker, approved=False)

    requirement = ProjectRequirement(system_key=key, comparator=comparator, integer_values=values)

    assert _met(worker, requirement) is expected


def test_requirement_is_met_on_masters_for_a_master():
    profile = WorkerProfileFactory(is_master=True)
    requirement = ProjectRequirement(
        system_key=SystemQualification.MASTERS, comparator=Comparator.EXISTS
    )

    assert _met(profile.user, requirement)


def test_requirement_failures_lists_only_requirements_guarding_the_action(worker):
    project = ProjectFactory()
    ProjectRequirementFactory(project=project, actions_guarded=ActionsGuarded.ACCEPT)
    ProjectRequirementFactory(
        project=project,
        qualification_type=None,
        system_key=SystemQualification.LOCALE,
        comparator=Comparator.EQUAL_TO,
        locale_values=[{"Country": "US"}],
        actions_guarded=ActionsGuarded.PREVIEW_AND_ACCEPT,
    )

    discover = selectors.requirement_failures(
        worker=worker, project=project, action=WorkerAction.DISCOVER
    )
    preview = selectors.requirement_failures(
        worker=worker, project=project, action=WorkerAction.PREVIEW
    )
    accept = selectors.requirement_failures(
        worker=worker, project=project, action=WorkerAction.ACCEPT
    )

    assert discover == []
    assert preview == ["Location equal to US (you have not set your country in Settings)"]
    assert len(accept) == 2
    assert selectors.worker_can(WorkerAction.DISCOVER, worker, project)
    assert not selectors.worker_can(WorkerAction.ACCEPT, worker, project)


def test_requirement_failures_starts_with_the_block_and_its_reason(worker):
    project = ProjectFactory()
    WorkerBlockFactory(requester=project.requester, worker=worker, reason="Spam answers.")

    failures = selectors.requirement_failures(
        worker=worker, project=project, action=WorkerAction.DISCOVER
    )

    assert len(failures) == 1
    assert failures[0].startswith(f"{project.requester.public_name} blocked you on ")
    assert failures[0].endswith(": Spam answers.")


def test_requirement_failures_gives_the_workers_own_value(worker):
    project = ProjectFactory()
    reviewed_assignment(worker, approved=False)
    ProjectRequirementFactory(
        project=project,
        qualification_type=None,
        system_key=SystemQualification.APPROVAL_RATE,
        comparator=Comparator.GREATER_THAN_OR_EQUAL_TO,
        integer_values=[95],
    )

    failures = selectors.requirement_failures(
        worker=worker, project=project, action=WorkerAction.ACCEPT
    )

    assert failures == ["Approval rate (%) at least 95 (yours is 0)"]
