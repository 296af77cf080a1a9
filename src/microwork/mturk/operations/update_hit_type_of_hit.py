from microwork.mturk import errors, lookups, selectors, services
from microwork.mturk.errors import HIT_TYPE_DOES_NOT_EXIST, RequestError
from microwork.projects.enums import TemplateKind


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    hit_type_id = params.entity_id("HITTypeId")
    project = selectors.hit_type_for_requester(requester=requester, hit_type_id=hit_type_id)
    if project is None or project.template_kind != TemplateKind.MTURK_QUESTION:
        raise RequestError(f"HITType {hit_type_id} does not exist.", HIT_TYPE_DOES_NOT_EXIST)
    try:
        services.hit_move_to_hit_type(task=task, project=project)
    except services.MTurkRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_HIT_STATE) from None
    return {}
