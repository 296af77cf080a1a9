from microwork.mturk import selectors
from microwork.mturk.errors import HIT_TYPE_DOES_NOT_EXIST, RequestError
from microwork.mturk.operations import _hit
from microwork.projects.enums import TemplateKind


def run(requester, params) -> dict:
    hit_type_id = params.entity_id("HITTypeId")
    members = _hit.read_hit_members(params)
    project = selectors.hit_type_for_requester(requester=requester, hit_type_id=hit_type_id)
    if project is None or project.template_kind != TemplateKind.MTURK_QUESTION:
        raise RequestError(f"HITType {hit_type_id} does not exist.", HIT_TYPE_DOES_NOT_EXIST)
    return _hit.create(requester, project, members, "CreateHITWithHITType")
