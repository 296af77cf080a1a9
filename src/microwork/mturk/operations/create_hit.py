from microwork.mturk.operations import _hit, _hit_type


def run(requester, params) -> dict:
    members = _hit.read_hit_members(params)
    project = _hit_type.register(requester, params)
    return _hit.create(requester, project, members, "CreateHIT")
