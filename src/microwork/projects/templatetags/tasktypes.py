"""{% task_type_of project as task_type %}: a project's ready-made task type (or None), so a
page can load what the type needs around its frame (scripts, the iframe's `allow`)."""

from django import template

from microwork.projects import tasktypes

register = template.Library()


@register.simple_tag
def task_type_of(project):
    return tasktypes.task_type(project.template_kind)
