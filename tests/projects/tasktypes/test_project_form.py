import pytest
from django.urls import reverse

from microwork.projects.enums import TemplateKind
from microwork.projects.models import Project
from tests.projects.factories import ProjectFactory
from tests.projects.test_views import _project_data

pytestmark = pytest.mark.django_db


def test_project_create_text_classification_from_its_form_section(client, requester):
    client.force_login(requester)
    data = _project_data(
        template_kind=TemplateKind.TEXT_CLASSIFICATION,
        template_html="",
        **{
            "text_classification-text_column": "review",
            "text_classification-labels": "good\nbad",
            "text_classification-cant_tell": "on",
        },
    )

    response = client.post(reverse("projects:project-create"), data)

    project = Project.objects.get()
    assert response.status_code == 302
    assert project.template_config["text_column"] == "review"
    assert project.template_config["labels"] == ["good", "bad"]
    assert project.template_config["cant_tell"] is True


def test_project_create_shows_a_config_error_on_the_type_field(client, requester):
    client.force_login(requester)
    data = _project_data(
        template_kind=TemplateKind.DATA_ENTRY,
        template_html="",
        **{"data_entry-source_columns": "name", "data_entry-fields": "a | colour | A"},
    )

    response = client.post(reverse("projects:project-create"), data)

    assert response.status_code == 200
    assert "not a field kind" in response.context["form"].errors["data_entry-fields"][0]
    assert Project.objects.count() == 0


def test_project_edit_shows_the_stored_config_again(client, requester):
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.SURVEY,
        template_html="",
        template_config={"questions": "q | single | Which? | a, b | optional"},
    )
    client.force_login(requester)

    response = client.get(reverse("projects:project-edit", args=[project.pk]))

    form = response.context["form"]
    assert form["survey-questions"].value() == "q | single | Which? | a, b | optional"
    assert b'data-kind="survey"' in response.content
