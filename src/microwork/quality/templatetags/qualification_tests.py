from django import template

from microwork.quality import qualification_requests

register = template.Library()


@register.inclusion_tag("quality/_tests_to_take.html", takes_context=True)
def tests_to_take(context, project):
    """Links to the tests (or requests) of the qualification types `project` requires that the
    worker viewing the page can take now or has not earned yet."""
    user = context["request"].user
    if not user.is_authenticated or not user.is_worker:
        return {"tests_to_take": []}
    return {"tests_to_take": qualification_requests.tests_for_project(worker=user, project=project)}
