from microwork.mturk.operations import _hit_type


def run(requester, params) -> dict:
    project = _hit_type.register(requester, params)
    return {"HITTypeId": project.public_id}
