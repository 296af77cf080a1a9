"""Gold questions: read from batch files, kept out of the task input, checked and used."""

import io

import pytest

from microwork.projects import services
from microwork.projects.models import Batch, Task
from microwork.projects.upload import RowError
from microwork.quality.gold import (
    GoldInvalid,
    answer_field_names,
    batch_gold,
    gold_feedback,
    gold_parse,
    is_right,
)
from tests.projects.factories import ImageProjectFactory, ProjectFactory, TaskFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

TWO_FIELDS = '<p>${text}</p><input name="sentiment"><select name="topic"></select>'


def _upload(project, content: bytes, filename="rows.csv"):
    return services.batch_create_from_upload(
        project=project, file=io.BytesIO(content), filename=filename
    )


def _gold(batch):
    return [(t.row_number, t.input, t.gold) for t in batch.tasks.order_by("row_number")]


def test_answer_field_names_of_custom_html_and_a_task_type():
    assert answer_field_names(ProjectFactory(template_html=TWO_FIELDS)) == ["sentiment", "topic"]
    assert answer_field_names(ProjectFactory()) == ["answer"]
    assert answer_field_names(ImageProjectFactory()) == ["label"]


def test_gold_parse_reads_objects_and_plain_values():
    assert gold_parse("", answer_fields=["answer"]) is None
    assert gold_parse(None, answer_fields=["answer"]) is None
    assert gold_parse(" cat ", answer_fields=["answer"]) == {"answer": "cat"}
    assert gold_parse('{"answer": "cat"}', answer_fields=["answer"]) == {"answer": "cat"}
    assert gold_parse({"a": "x", "b": ["y"]}, answer_fields=["a", "b"]) == {"a": "x", "b": ["y"]}
    assert gold_parse(7, answer_fields=["answer"]) == {"answer": "7"}
    assert gold_parse(["cat", "dog"], answer_fields=["label"]) == {"label": ["cat", "dog"]}


@pytest.mark.parametrize(
    ("raw", "fields", "message"),
    [
        ('{"answer": ', ["answer"], "not a valid JSON object"),
        ('{"colour": "red"}', ["answer"], "colour: not an answer field of this project"),
        ("{}", ["answer"], "an empty object"),
        ('{"answer": ""}', ["answer"], "no right answer for answer"),
        ("cat", ["a", "b"], "a plain value needs a project with exactly one answer field"),
    ],
)
def test_gold_parse_refuses_bad_cells(raw, fields, message):
    with pytest.raises(GoldInvalid, match=message):
        gold_parse(raw, answer_fields=fields)


def test_batch_upload_keeps_the_gold_column_out_of_the_input():
    project = ProjectFactory(template_html=TWO_FIELDS)
    content = b'text,_gold\na,"{""sentiment"": ""positive""}"\nb,\n'

    batch = _upload(project, content)

    assert batch.columns == ["text"]
    assert _gold(batch) == [
        (1, {"text": "a"}, {"sentiment": "positive"}),
        (2, {"text": "b"}, None),
    ]


def test_batch_upload_reads_a_plain_gold_value_for_a_single_answer_field():
    batch = _upload(ProjectFactory(), b"_gold,text\ncat,a\n")

    assert _gold(batch) == [(1, {"text": "a"}, {"answer": "cat"})]


def test_batch_upload_reads_a_gold_key_in_jsonl():
    content = (
        b'{"text": "a", "gold": {"answer": "cat"}}\n{"text": "b", "gold": "dog"}\n{"text": "c"}\n'
    )

    batch = _upload(ProjectFactory(), content, filename="rows.jsonl")

    assert batch.columns == ["text"]
    assert _gold(batch) == [
        (1, {"text": "a"}, {"answer": "cat"}),
        (2, {"text": "b"}, {"answer": "dog"}),
        (3, {"text": "c"}, None),
    ]


def test_batch_upload_refuses_a_bad_gold_cell_naming_row_and_column():
    project = ProjectFactory(template_html=TWO_FIELDS)

    with pytest.raises(services.BatchUploadInvalid) as raised:
        _upload(project, b"text,_gold\na,cat\n")

    assert raised.value.errors == [
        RowError(
            2,
            "_gold",
            "a plain value needs a project with exactly one answer field; give a JSON object "
            'such as {"sentiment": "..."}',
        )
    ]
    assert Batch.objects.count() == 0
    assert Task.objects.count() == 0


def test_batch_gold_maps_task_ids_to_the_fields_right_answer():
    gold_task = TaskFactory(gold={"answer": "cat", "tags": ["a", "b"]})
    TaskFactory(batch=gold_task.batch)

    assert batch_gold(gold_task.batch, "answer") == {gold_task.public_id: "cat"}
    assert batch_gold(gold_task.batch, "tags") == {gold_task.public_id: ("a", "b")}
    assert batch_gold(gold_task.batch, "other") == {}


def test_is_right_ignores_case_spaces_and_list_order():
    assert is_right(" Cat", "cat")
    assert is_right(["b", "a"], ("a", "b"))
    assert not is_right("dog", "cat")
    assert not is_right(["a"], ["a", "b"])


def test_gold_feedback_shows_the_right_answer_after_a_mistake_only():
    task = TaskFactory(gold={"answer": "positive"})
    wrong = SubmittedAssignmentFactory(task=task, answers={"answer": "negative"})
    right = SubmittedAssignmentFactory(task=task, answers={"answer": "Positive"})
    unanswered = AssignmentFactory(task=task)
    ordinary = SubmittedAssignmentFactory(answers={"answer": "negative"})

    assert gold_feedback(wrong) == {"answer": "positive"}
    assert gold_feedback(right) is None
    assert gold_feedback(unanswered) is None
    assert gold_feedback(ordinary) is None


def _frame_submit(assignment, answer):
    from django.test import Client
    from django.urls import reverse

    from microwork.work.frame import frame_token

    data = {
        "assignmentId": assignment.public_id,
        "mw_token": frame_token(assignment.public_id),
        "answer": answer,
    }
    return Client().post(reverse("work:submit"), data).content.decode()


def test_frame_shows_the_right_answer_after_a_gold_mistake_in_training_mode():
    from microwork.quality.models import GoldSettings

    task = TaskFactory(gold={"answer": "positive"})
    GoldSettings.objects.create(project=task.batch.project, shows_feedback=True)

    wrong = _frame_submit(AssignmentFactory(task=task), "negative")
    right = _frame_submit(AssignmentFactory(task=task), "positive")

    feedback = "This was a question with a known answer. The right answer: answer: positive."
    assert feedback in wrong
    assert "known answer" not in right


def test_frame_shows_no_gold_feedback_without_training_mode():
    task = TaskFactory(gold={"answer": "positive"})

    html = _frame_submit(AssignmentFactory(task=task), "negative")

    assert "Submitted, thank you" in html
    assert "known answer" not in html


def test_gold_mixing_rate_is_read_from_the_projects_settings():
    from microwork.quality.gold import gold_mixing_rate, gold_tasks_for_mixing
    from microwork.quality.models import GoldSettings

    task = TaskFactory(gold={"answer": "x"})
    TaskFactory(batch=task.batch)
    assert gold_mixing_rate(task.batch.project) == 0
    GoldSettings.objects.create(project=task.batch.project, mixing_rate_percent=10)

    assert gold_mixing_rate(task.batch.project) == 10
    assert list(gold_tasks_for_mixing(task.batch)) == [task]
