import pytest

from microwork.projects import tasktypes
from microwork.projects.tasktypes import clean_answers, template_source
from microwork.projects.templating import render
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory

XSS = '"><script>alert(1)</script>'


def rendered(kind: str, config: dict, row: dict) -> str:
    return render(template_source(kind, "", config), row)


def answer(kind: str, config: dict, fields: dict, files=None, row=None) -> dict:
    return clean_answers(kind, config, fields, files=files, row=row)


def parsed(kind: str, config: dict) -> dict:
    return tasktypes.parsed_config(kind, config)


@pytest.fixture
def make_assignment(db):
    """An accepted assignment on a project of the given kind and config, with one task row."""

    def make(kind: str, config: dict, row: dict):
        project = ProjectFactory(template_kind=kind, template_html="", template_config=config)
        batch = PublishedBatchFactory(project=project, columns=list(row))
        task = TaskFactory(batch=batch, input=row)
        return AssignmentFactory(task=task)

    return make
