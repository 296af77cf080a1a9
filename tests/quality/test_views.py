import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from microwork.quality.enums import Comparator, QualificationStatus, SystemQualification
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
    WorkerQualificationFactory,
)
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

# (url name, method, which object the url names)
REQUESTER_VIEWS = [
    ("quality:type-list", "get", None),
    ("quality:type-create", "get", None),
    ("quality:type-create", "post", None),
    ("quality:type-detail", "get", "type"),
    ("quality:type-edit", "get", "type"),
    ("quality:type-edit", "post", "type"),
    ("quality:type-delete", "post", "type"),
    ("quality:type-grant", "post", "type"),
    ("quality:type-revoke", "post", "type"),
    ("quality:requester-worker-detail", "get", "worker"),
    ("quality:worker-block", "post", "worker"),
    ("quality:worker-unblock", "post", "worker"),
    ("quality:project-requirements", "get", "project"),
    ("quality:project-requirements", "post", "project"),
]
WORKER_VIEWS = [("quality:worker-standing", "get", None)]


def _url(name, kind, *, qualification_type=None, worker=None, project=None):
    args = {
        None: [],
        "type": [qualification_type.public_id] if qualification_type else [],
        "worker": [worker.worker_id] if worker else [],
        "project": [project.pk] if project else [],
    }[kind]
    return reverse(name, args=args)


def _objects():
    qualification_type = QualificationTypeFactory()
    return {
        "qualification_type": qualification_type,
        "worker": WorkerFactory(),
        "project": ProjectFactory(requester=qualification_type.owner),
    }


@pytest.mark.parametrize(("name", "method", "kind"), REQUESTER_VIEWS + WORKER_VIEWS)
def test_quality_views_send_anonymous_visitors_to_log_in(client, name, method, kind):
    url = _url(name, kind, **_objects())

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(("name", "method", "kind"), REQUESTER_VIEWS)
def test_requester_quality_views_refuse_workers(client, name, method, kind):
    objects = _objects()
    client.force_login(WorkerFactory())

    response = getattr(client, method)(_url(name, kind, **objects))

    assert response.status_code == 403


def test_worker_standing_refuses_requesters(client):
    client.force_login(RequesterFactory())

    assert client.get(reverse("quality:worker-standing")).status_code == 403


@pytest.mark.parametrize(
    ("name", "method", "kind"), [view for view in REQUESTER_VIEWS if view[2] in ("type", "project")]
)
def test_requester_quality_views_hide_another_requesters_types_and_projects(
    client, name, method, kind
):
    objects = _objects()
    grant = WorkerQualificationFactory(qualification_type=objects["qualification_type"])
    client.force_login(RequesterFactory())

    response = getattr(client, method)(
        _url(name, kind, **objects), {"worker_id": grant.worker.worker_id, "reason": "x"}
    )

    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.status == QualificationStatus.GRANTED
    assert not objects["qualification_type"].is_deleted


def test_requester_worker_detail_is_404_for_an_unknown_worker_id(client, requester):
    client.force_login(requester)

    response = client.get(reverse("quality:requester-worker-detail", args=["ANOSUCHWORKER1"]))

    assert response.status_code == 404


def test_deleted_type_is_404(client):
    qualification_type = QualificationTypeFactory()
    qualification_type.deleted_at = qualification_type.created_at
    qualification_type.save()
    client.force_login(qualification_type.owner)

    url = reverse("quality:type-detail", args=[qualification_type.public_id])

    assert client.get(url).status_code == 404


def test_type_create_page_creates_and_refuses_a_duplicate_name(client, requester):
    client.force_login(requester)
    data = {"name": "Careful", "description": "Passed the test.", "status": "Active"}
    data["auto_granted_value"] = 1

    created = client.post(reverse("quality:type-create"), data)
    duplicate = client.post(reverse("quality:type-create"), data)

    qualification_type = QualificationType.objects.get(owner=requester)
    assert created.url == reverse("quality:type-detail", args=[qualification_type.public_id])
    assert duplicate.status_code == 200
    assert "already have a qualification type with this name" in duplicate.content.decode()
    assert QualificationType.objects.count() == 1


def test_type_list_shows_only_own_types(client, requester):
    mine = QualificationTypeFactory(owner=requester, name="Mine")
    QualificationTypeFactory(name="Theirs")
    client.force_login(requester)

    response = client.get(reverse("quality:type-list"))

    assert [t.pk for t in response.context["types"]] == [mine.pk]


def test_type_grant_page_grants_by_worker_id_and_refuses_unknown_ids(client):
    qualification_type = QualificationTypeFactory()
    worker = WorkerFactory()
    client.force_login(qualification_type.owner)
    url = reverse("quality:type-grant", args=[qualification_type.public_id])

    granted = client.post(url, {"worker_id": worker.worker_id.lower(), "integer_value": 85})
    unknown = client.post(url, {"worker_id": "ANOSUCHWORKER1", "integer_value": 85})

    assert granted.status_code == 302
    assert unknown.status_code == 400
    grant = WorkerQualification.objects.get()
    assert (grant.worker, grant.integer_value) == (worker, 85)


def test_type_revoke_page_revokes_with_the_reason(client):
    grant = WorkerQualificationFactory()
    client.force_login(grant.qualification_type.owner)

    client.post(
        reverse("quality:type-revoke", args=[grant.qualification_type.public_id]),
        {"worker_id": grant.worker.worker_id, "reason": "Out of date."},
    )

    grant.refresh_from_db()
    assert (grant.status, grant.revoke_reason) == ("Revoked", "Out of date.")


def test_requester_worker_detail_shows_only_the_requesters_own_relation(client, requester):
    worker = WorkerFactory()
    mine = SubmittedAssignmentFactory(
        worker=worker, task__batch__project=ProjectFactory(requester=requester)
    )
    SubmittedAssignmentFactory(worker=worker)  # another requester's project
    own_grant = WorkerQualificationFactory(
        worker=worker, qualification_type=QualificationTypeFactory(owner=requester)
    )
    WorkerQualificationFactory(worker=worker)  # another requester's type
    client.force_login(requester)

    response = client.get(reverse("quality:requester-worker-detail", args=[worker.worker_id]))

    assert list(response.context["assignments"]) == [mine]
    assert list(response.context["grants"]) == [own_grant]
    assert response.context["worker_block"] is None
    # The page says so too: inside {% block %} a context variable named "block" was the
    # template's block itself, so the page always said "Blocked ... since ." (issue 16).
    html = response.content.decode()
    assert "Blocked from all your projects" not in html
    assert "Lift the block" not in html
    assert "Block this worker" in html


def test_requester_worker_detail_shows_the_block_its_date_and_reason(client, requester):
    worker = WorkerFactory()
    block = WorkerBlock.objects.create(worker=worker, requester=requester, reason="Copied answers.")
    client.force_login(requester)

    html = client.get(
        reverse("quality:requester-worker-detail", args=[worker.worker_id])
    ).content.decode()

    date = date_format(timezone.localtime(block.created_at), "SHORT_DATE_FORMAT")
    assert f"Blocked from all your projects since {date}." in html
    assert "Reason, as the worker sees it: Copied answers." in html
    assert "Lift the block" in html


def test_worker_block_page_needs_a_reason_and_unblock_lifts_it(client, requester):
    worker = WorkerFactory()
    client.force_login(requester)
    block_url = reverse("quality:worker-block", args=[worker.worker_id])

    refused = client.post(block_url, {"reason": ""})
    assert refused.status_code == 400
    assert not WorkerBlock.objects.exists()

    client.post(block_url, {"reason": "Copied answers."})
    assert WorkerBlock.objects.get().reason == "Copied answers."

    client.post(reverse("quality:worker-unblock", args=[worker.worker_id]))
    assert not WorkerBlock.objects.exists()


def _formset(rows, total=None):
    data = {
        "form-TOTAL_FORMS": str(total or len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"form-{index}-{field}"] = value
    return data


def test_project_requirements_page_saves_system_and_own_requirements(client):
    project = ProjectFactory()
    qualification_type = QualificationTypeFactory(owner=project.requester)
    client.force_login(project.requester)
    url = reverse("quality:project-requirements", args=[project.pk])

    response = client.post(
        url,
        _formset(
            [
                {
                    "qualification": "system:locale",
                    "comparator": "In",
                    "values": "us, CA, us-wa",
                    "actions_guarded": "DiscoverPreviewAndAccept",
                },
                {"qualification": "", "comparator": "Exists", "actions_guarded": "Accept"},
                {
                    "qualification": f"type:{qualification_type.public_id}",
                    "comparator": "GreaterThanOrEqualTo",
                    "values": "80",
                    "actions_guarded": "Accept",
                },
            ]
        ),
    )

    assert response.status_code == 302
    rows = list(ProjectRequirement.objects.filter(project=project))
    assert [(r.system_key, r.qualification_type_id) for r in rows] == [
        (SystemQualification.LOCALE, None),
        ("", qualification_type.pk),
    ]
    assert rows[0].locale_values == [
        {"Country": "US"},
        {"Country": "CA"},
        {"Country": "US", "Subdivision": "WA"},
    ]
    assert rows[1].integer_values == [80]
    page = client.get(url)
    assert page.context["formset"].forms[0].initial["values"] == "US, CA, US-WA"


def test_project_requirements_page_shows_the_services_error_on_the_row(client):
    project = ProjectFactory()
    before = ProjectRequirementFactory(project=project)
    client.force_login(project.requester)

    response = client.post(
        reverse("quality:project-requirements", args=[project.pk]),
        _formset(
            [
                {"qualification": "", "comparator": "Exists", "actions_guarded": "Accept"},
                {
                    "qualification": "system:approval_rate",
                    "comparator": "Exists",
                    "values": "95",
                    "actions_guarded": "Accept",
                },
            ]
        ),
    )

    assert response.status_code == 400
    assert response.context["formset"].forms[1].errors["values"] == ["Exists takes no values."]
    assert list(ProjectRequirement.objects.filter(project=project)) == [before]


def test_project_requirements_page_offers_only_own_types(client):
    project = ProjectFactory()
    QualificationTypeFactory(name="Theirs")
    mine = QualificationTypeFactory(owner=project.requester, name="Mine")
    client.force_login(project.requester)

    response = client.get(reverse("quality:project-requirements", args=[project.pk]))

    form = response.context["formset"].forms[0]
    assert list(form.types.values()) == [mine]


def test_worker_standing_shows_blocks_and_qualifications(client, worker):
    block = WorkerBlockFactory(worker=worker, reason="Answers in the wrong language.")
    grant = WorkerQualificationFactory(worker=worker, integer_value=42)
    WorkerBlockFactory(reason="Someone else's block.")
    client.force_login(worker)

    response = client.get(reverse("quality:worker-standing"))

    html = response.content.decode()
    assert "Answers in the wrong language." in html
    assert block.requester.public_name in html
    assert "Someone else" not in html
    assert list(response.context["qualifications"]) == [grant]
    assert grant.qualification_type.name in html
    assert response.context["system"].approval_rate == 100


def test_project_detail_links_to_requirements(client):
    project = ProjectFactory()
    client.force_login(project.requester)

    response = client.get(reverse("projects:project-detail", args=[project.pk]))

    assert reverse("quality:project-requirements", args=[project.pk]) in response.content.decode()


def test_unmet_requirement_has_a_comparator_label():
    requirement = ProjectRequirement(
        system_key=SystemQualification.NUMBER_APPROVED,
        comparator=Comparator.GREATER_THAN,
        integer_values=[100],
    )

    assert requirement.qualification_name == "Approved tasks"


def test_the_admin_index_names_gold_settings_in_the_plural_once(client):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(role="requester", is_staff=True, is_superuser=True))

    html = client.get(reverse("admin:index")).content.decode()

    assert ">Gold settings</a>" in html
    assert "settingss" not in html  # issue 16: Django's default plural added an s
