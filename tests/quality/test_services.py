import pytest
from django.core.exceptions import ValidationError

from microwork.quality import services
from microwork.quality.enums import (
    ActionsGuarded,
    Comparator,
    QualificationStatus,
    QualificationTypeStatus,
    SystemQualification,
)
from microwork.quality.models import (
    ProjectRequirement,
    QualificationType,
    WorkerBlock,
    WorkerQualification,
)
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory
from tests.quality.factories import (
    ProjectRequirementFactory,
    QualificationTypeFactory,
    WorkerBlockFactory,
)

pytestmark = pytest.mark.django_db


# --- qualification types -------------------------------------------------------------------


def test_qualification_type_create_stores_mturk_fields(requester):
    qualification_type = services.qualification_type_create(
        owner=requester,
        name=" Transcription ",
        description="Good at transcribing.",
        keywords="audio, text",
        auto_granted=True,
        auto_granted_value=3,
        retry_delay_seconds=3600,
    )

    assert len(qualification_type.public_id) == 30
    assert qualification_type.name == "Transcription"
    assert qualification_type.status == QualificationTypeStatus.ACTIVE
    assert qualification_type.is_requestable is True
    assert (qualification_type.auto_granted, qualification_type.auto_granted_value) == (True, 3)
    assert qualification_type.retry_delay_seconds == 3600


def test_qualification_type_create_refuses_a_duplicate_name_with_mturks_message(requester):
    QualificationTypeFactory(owner=requester, name="Expert")

    with pytest.raises(services.QualificationTypeNameTaken) as refusal:
        services.qualification_type_create(owner=requester, name="Expert", description="x")

    assert refusal.value.message.startswith(
        "You have already created a QualificationType with this name."
    )
    assert QualificationType.objects.filter(owner=requester).count() == 1


def test_qualification_type_create_allows_the_same_name_for_another_owner_or_after_delete(
    requester,
):
    first = QualificationTypeFactory(owner=requester, name="Expert")
    services.qualification_type_create(owner=RequesterFactory(), name="Expert", description="x")
    services.qualification_type_delete(qualification_type=first)

    again = services.qualification_type_create(owner=requester, name="Expert", description="y")

    assert again.pk != first.pk
    first.refresh_from_db()
    assert first.is_deleted and first.status == QualificationTypeStatus.INACTIVE


def test_qualification_type_create_refuses_a_worker(worker):
    with pytest.raises(services.QualityRefused):
        services.qualification_type_create(owner=worker, name="x", description="x")

    assert not QualificationType.objects.exists()


def test_qualification_type_update_keeps_name_and_keywords_fixed():
    qualification_type = QualificationTypeFactory()

    with pytest.raises(TypeError):
        services.qualification_type_update(qualification_type=qualification_type, name="New")

    updated = services.qualification_type_update(
        qualification_type=qualification_type,
        description="Now inactive.",
        status=QualificationTypeStatus.INACTIVE,
    )
    assert (updated.description, updated.status) == ("Now inactive.", "Inactive")


def test_qualification_type_delete_keeps_the_grants():
    qualification_type = QualificationTypeFactory()
    grant = services.qualification_grant(
        qualification_type=qualification_type,
        worker=WorkerFactory(),
        requester=qualification_type.owner,
        integer_value=7,
    )

    services.qualification_type_delete(qualification_type=qualification_type)

    grant.refresh_from_db()
    assert grant.status == QualificationStatus.GRANTED
    assert grant.integer_value == 7


# --- grants --------------------------------------------------------------------------------


def test_qualification_grant_is_idempotent_and_updates_the_value(worker):
    qualification_type = QualificationTypeFactory()
    owner = qualification_type.owner

    first = services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=owner, integer_value=80
    )
    again = services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=owner, integer_value=80
    )

    assert again.pk == first.pk
    assert again.granted_at == first.granted_at
    changed = services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=owner, integer_value=90
    )
    assert changed.integer_value == 90
    assert WorkerQualification.objects.filter(worker=worker).count() == 1


def test_qualification_grant_refuses_a_type_the_requester_does_not_own(worker):
    qualification_type = QualificationTypeFactory()

    with pytest.raises(services.QualityRefused):
        services.qualification_grant(
            qualification_type=qualification_type, worker=worker, requester=RequesterFactory()
        )

    assert not WorkerQualification.objects.exists()


def test_qualification_revoke_keeps_the_row_with_the_reason_and_grant_restores_it(worker):
    qualification_type = QualificationTypeFactory()
    owner = qualification_type.owner
    services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=owner
    )

    revoked = services.qualification_revoke(
        qualification_type=qualification_type, worker=worker, requester=owner, reason="Expired."
    )

    assert (revoked.status, revoked.revoke_reason) == ("Revoked", "Expired.")
    assert revoked.revoked_at is not None
    restored = services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=owner, integer_value=1
    )
    assert (restored.status, restored.revoke_reason, restored.revoked_at) == ("Granted", "", None)


def test_qualification_revoke_refuses_a_qualification_never_granted(worker):
    qualification_type = QualificationTypeFactory()

    with pytest.raises(services.QualificationNotGranted) as refusal:
        services.qualification_revoke(
            qualification_type=qualification_type,
            worker=worker,
            requester=qualification_type.owner,
        )

    assert "does not exist" in refusal.value.message


# --- project requirements ------------------------------------------------------------------


def _approval(comparator=Comparator.GREATER_THAN_OR_EQUAL_TO, values=(95,), **extra):
    return {
        "system_key": SystemQualification.APPROVAL_RATE,
        "comparator": comparator,
        "integer_values": list(values),
        **extra,
    }


def _locale(comparator=Comparator.IN, locales=({"Country": "US"},), **extra):
    return {
        "system_key": SystemQualification.LOCALE,
        "comparator": comparator,
        "locale_values": list(locales),
        **extra,
    }


def test_project_requirements_set_replaces_them_in_order():
    project = ProjectFactory()
    qualification_type = QualificationTypeFactory(owner=project.requester)
    ProjectRequirementFactory(project=project)

    saved = services.project_requirements_set(
        project=project,
        requirements=[
            _approval(),
            _locale(locales=[{"Country": "us", "Subdivision": "wa"}, {"Country": "CA"}]),
            {"qualification_type": qualification_type, "comparator": Comparator.DOES_NOT_EXIST},
            {"system_key": SystemQualification.MASTERS, "comparator": Comparator.EXISTS},
        ],
    )

    rows = list(ProjectRequirement.objects.filter(project=project))
    assert [row.pk for row in rows] == [row.pk for row in saved]
    assert [row.position for row in rows] == [0, 1, 2, 3]
    assert rows[0].integer_values == [95]
    assert rows[1].locale_values == [{"Country": "US", "Subdivision": "WA"}, {"Country": "CA"}]
    assert rows[2].qualification_type == qualification_type
    assert all(row.actions_guarded == ActionsGuarded.ACCEPT for row in rows)


def test_project_requirements_set_maps_required_to_preview_to_preview_and_accept():
    project = ProjectFactory()

    [row] = services.project_requirements_set(
        project=project, requirements=[_approval(required_to_preview=True)]
    )

    assert row.actions_guarded == ActionsGuarded.PREVIEW_AND_ACCEPT
    assert row.required_to_preview is True


@pytest.mark.parametrize(
    ("requirement", "key"),
    [
        (_approval(Comparator.EXISTS, [1]), "requirements[1].integer_values"),
        (_approval(Comparator.DOES_NOT_EXIST, [1]), "requirements[1].integer_values"),
        (_approval(Comparator.GREATER_THAN, [1, 2]), "requirements[1].integer_values"),
        (_approval(Comparator.LESS_THAN, []), "requirements[1].integer_values"),
        (_approval(Comparator.EQUAL_TO, [1, 2]), "requirements[1].integer_values"),
        (_approval(Comparator.IN, []), "requirements[1].integer_values"),
        (_approval(Comparator.IN, range(16)), "requirements[1].integer_values"),
        (_approval(Comparator.NOT_IN, ["5"]), "requirements[1].integer_values"),
        (_approval(locale_values=[{"Country": "US"}]), "requirements[1].locale_values"),
        (_approval("Between"), "requirements[1].comparator"),
        (_approval(actions_guarded="Discover"), "requirements[1].actions_guarded"),
        (_locale(Comparator.GREATER_THAN), "requirements[1].comparator"),
        (_locale(Comparator.IN, [{"Country": "XX"}]), "requirements[1].locale_values"),
        (
            _locale(Comparator.IN, [{"Country": "US", "Subdivision": "W-A"}]),
            "requirements[1].locale_values",
        ),
        (_locale(Comparator.IN, [{"Country": "US"}] * 31), "requirements[1].locale_values"),
        (
            _locale(Comparator.EQUAL_TO, [{"Country": "US"}, {"Country": "CA"}]),
            "requirements[1].locale_values",
        ),
        (_locale(Comparator.EXISTS, [{"Country": "US"}]), "requirements[1].locale_values"),
        (_locale(integer_values=[1]), "requirements[1].integer_values"),
        ({"system_key": "karma", "comparator": Comparator.EXISTS}, "requirements[1].system_key"),
        ({"comparator": Comparator.EXISTS}, "requirements[1].qualification_type"),
    ],
)
def test_project_requirements_set_refuses_values_the_comparator_does_not_take(requirement, key):
    project = ProjectFactory()
    before = ProjectRequirementFactory(project=project)

    with pytest.raises(ValidationError) as error:
        services.project_requirements_set(project=project, requirements=[_approval(), requirement])

    assert list(error.value.message_dict) == [key]
    assert list(ProjectRequirement.objects.filter(project=project)) == [before]


def test_project_requirements_set_takes_in_with_15_integers_and_30_locales():
    project = ProjectFactory()
    countries = ["US", "CA", "GB", "AU", "NZ", "FR", "DE", "IT", "ES", "PT"]

    services.project_requirements_set(
        project=project,
        requirements=[
            _approval(Comparator.IN, range(15)),
            _locale(Comparator.NOT_IN, [{"Country": c} for c in countries * 3]),
        ],
    )

    assert project.requirements.count() == 2


def test_project_requirements_set_refuses_an_inactive_or_deleted_type():
    project = ProjectFactory()
    inactive = QualificationTypeFactory(
        owner=project.requester, status=QualificationTypeStatus.INACTIVE
    )

    with pytest.raises(ValidationError) as error:
        services.project_requirements_set(
            project=project,
            requirements=[{"qualification_type": inactive, "comparator": Comparator.EXISTS}],
        )

    assert list(error.value.message_dict) == ["requirements[0].qualification_type"]
    assert not project.requirements.exists()


def test_project_requirements_set_refuses_more_than_ten():
    project = ProjectFactory()

    with pytest.raises(ValidationError) as error:
        services.project_requirements_set(project=project, requirements=[_approval()] * 11)

    assert list(error.value.message_dict) == ["requirements"]
    assert not project.requirements.exists()


# --- blocks --------------------------------------------------------------------------------


def test_worker_block_create_needs_a_reason(requester, worker):
    with pytest.raises(ValidationError) as error:
        services.worker_block_create(requester=requester, worker=worker, reason="  ")

    assert list(error.value.message_dict) == ["reason"]
    assert not WorkerBlock.objects.exists()


def test_worker_block_create_twice_keeps_one_block_with_the_new_reason(requester, worker):
    first = services.worker_block_create(requester=requester, worker=worker, reason="Spam.")

    again = services.worker_block_create(requester=requester, worker=worker, reason="Bots.")

    assert again.pk == first.pk
    assert again.created_at == first.created_at
    assert WorkerBlock.objects.get().reason == "Bots."


def test_worker_block_delete_succeeds_whether_or_not_blocked(requester, worker):
    WorkerBlockFactory(requester=requester, worker=worker)
    other = WorkerBlockFactory(worker=worker)

    assert services.worker_block_delete(requester=requester, worker=worker) is True
    assert services.worker_block_delete(requester=requester, worker=worker) is False
    assert list(WorkerBlock.objects.all()) == [other]
