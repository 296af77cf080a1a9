import pytest
from django.urls import reverse

from microwork.projects.enums import TemplateKind
from microwork.projects.preview import SESSION_KEY
from tests.accounts.factories import RequesterFactory
from tests.projects.factories import BatchFactory, ImageProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("projects:template-preview")
FRAME = reverse("projects:template-preview-frame")
IMAGE = {
    "template_kind": TemplateKind.IMAGE_CLASSIFICATION,
    "image_column": "photo",
    "labels": "cat\ndog",
    "question": "Which animal?",
}


def post(client, **data):
    return client.post(PREVIEW, {**IMAGE, **data})


def test_preview_renders_the_configured_type_with_a_typed_json_row(client, requester):
    client.force_login(requester)

    response = post(client, sample_row='{"photo": "https://e.org/cat.jpg", "extra": 1}')

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "frame_url": f"{FRAME}?v=1",
        "columns": ["photo"],
        "row": {"photo": "https://e.org/cat.jpg", "extra": 1},
        "row_source": "typed",
    }
    frame = client.get(FRAME)
    html = frame.content.decode()
    assert frame.status_code == 200
    assert '<img src="https://e.org/cat.jpg"' in html
    assert "Which animal?" in html
    assert 'value="ASSIGNMENT_ID_NOT_AVAILABLE"' in html
    assert '<button type="submit" disabled>' in html
    assert "sandbox allow-forms allow-scripts" in frame["Content-Security-Policy"]


def test_each_edit_gets_a_new_frame_address(client, requester):
    client.force_login(requester)

    post(client)
    second = post(client, labels="cat\ndog\nbird")

    assert second.json()["frame_url"] == f"{FRAME}?v=2"
    assert 'value="bird"' in client.get(FRAME).content.decode()


def test_preview_reads_a_csv_line_in_column_order_or_with_a_header(client, requester):
    client.force_login(requester)
    custom = {"template_kind": TemplateKind.CUSTOM_HTML}
    html = '<p>${a}</p><p>${b}</p><input name="x">'

    in_order = post(client, **custom, template_html=html, sample_row='one,"two, too"')
    with_header = post(client, **custom, template_html=html, sample_row="b,a\n2,1")

    assert in_order.json()["row"] == {"a": "one", "b": "two, too"}
    assert with_header.json()["row"] == {"b": "2", "a": "1"}
    assert "<p>1</p><p>2</p>" in client.get(FRAME).content.decode()


def test_preview_uses_the_first_row_of_the_last_batch_when_none_is_typed(client, requester):
    project = ImageProjectFactory(
        requester=requester, template_config={**IMAGE, "labels": ["a", "b"]}
    )
    old = BatchFactory(project=project, columns=["photo"])
    TaskFactory(batch=old, row_number=2, input={"photo": "old.jpg"})
    last = BatchFactory(project=project, columns=["photo"])
    TaskFactory(batch=last, row_number=3, input={"photo": "second.jpg"})
    TaskFactory(batch=last, row_number=2, input={"photo": "first.jpg"})
    client.force_login(requester)

    response = post(client, project=str(project.pk))

    assert response.json()["row"] == {"photo": "first.jpg"}
    assert response.json()["row_source"] == "batch"


def test_preview_without_a_row_shows_the_column_names(client, requester):
    client.force_login(requester)

    response = post(client)

    assert response.json()["row"] == {"photo": "[photo]"}
    assert response.json()["row_source"] == "columns"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"labels": "cat"}, "labels", "Labels: Give at least two labels."),
        ({"image_column": "a{b}"}, "image_column", "Image column: The image column name"),
        (
            {
                "template_kind": TemplateKind.BOUNDING_BOXES,
                "bounding_boxes-labels": "car",
                "bounding_boxes-image_column": "img",
                "bounding_boxes-min_boxes": "9",
                "bounding_boxes-max_boxes": "2",
            },
            "bounding_boxes-min_boxes",
            "Fewest boxes: The fewest boxes cannot exceed the most.",
        ),
        (
            {"template_kind": TemplateKind.BOUNDING_BOXES, "bounding_boxes-max_boxes": "many"},
            "bounding_boxes-max_boxes",
            "Most boxes: Enter a whole number.",
        ),
        (
            {
                "template_kind": TemplateKind.EXTERNAL_PAGE,
                "external_page-url_template": "javascript:alert(1)",
            },
            "external_page-url_template",
            "Page address: Give a full address",
        ),
        (
            {"template_kind": TemplateKind.CUSTOM_HTML, "template_html": "<p>no field</p>"},
            "template_html",
            "Custom HTML: The template has no form field",
        ),
        ({"template_kind": "nonsense"}, "template_kind", "Template: Choose a template."),
        ({"sample_row": "{not json"}, "sample_row", "Sample row: This is not valid JSON"),
        ({"sample_row": "[1, 2]"}, "sample_row", "Sample row: 2 values for 1 columns"),
        ({"sample_row": "a,b"}, "sample_row", "Sample row: 2 values for 1 columns (photo)."),
    ],
    ids=str,
)
def test_bad_settings_are_named_and_nothing_is_kept(client, requester, data, field, message):
    client.force_login(requester)

    response = post(client, **data)

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert response.json()["field"] == field
    assert response.json()["message"].startswith(message)
    assert SESSION_KEY not in client.session
    assert client.get(FRAME).status_code == 404


def test_a_bad_edit_keeps_the_last_good_preview(client, requester):
    client.force_login(requester)
    post(client)

    post(client, labels="")

    assert client.session[SESSION_KEY]["config"]["labels"] == ["cat", "dog"]


def test_project_form_loads_the_preview_script_and_no_inline_script(client, requester):
    client.force_login(requester)

    html = client.get(reverse("projects:project-create")).content.decode()

    assert 'src="/static/projects/tasktypes/preview.js"' in html
    assert f'data-preview-url="{PREVIEW}"' in html
    assert "<script>" not in html
    project = ImageProjectFactory(requester=requester)
    edit = client.get(reverse("projects:project-edit", args=[project.pk])).content.decode()
    assert f'data-project="{project.pk}"' in edit


@pytest.mark.parametrize(("url", "method"), [(PREVIEW, "post"), (FRAME, "get")])
def test_preview_sends_anonymous_visitors_to_login(client, url, method):
    response = getattr(client, method)(url, IMAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("url", "method"), [(PREVIEW, "post"), (FRAME, "get")])
def test_preview_refuses_workers(client, worker, url, method):
    client.force_login(worker)

    response = getattr(client, method)(url, IMAGE)

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_preview_hides_another_requesters_project_and_its_rows(client, requester):
    project = ImageProjectFactory(requester=RequesterFactory())
    TaskFactory(batch=BatchFactory(project=project, columns=["photo"]), input={"photo": "x.jpg"})
    client.force_login(requester)

    response = post(client, project=str(project.pk))
    garbage = post(client, project="abc")

    assert response.status_code == 404
    assert garbage.status_code == 404
    assert SESSION_KEY not in client.session


def test_preview_is_per_session(client, requester):
    client.force_login(requester)
    post(client, sample_row='{"photo": "mine.jpg"}')
    other = RequesterFactory()

    client.force_login(other)

    assert client.get(FRAME).status_code == 404
