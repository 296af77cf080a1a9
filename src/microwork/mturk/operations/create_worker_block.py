from microwork.mturk import lookups
from microwork.mturk.errors import out_of_range
from microwork.quality import services as quality


def run(requester, params) -> dict:
    worker = lookups.worker(params.worker_id())
    reason = params.string("Reason", max_length=1024)
    if not reason.strip():
        raise out_of_range("Reason", "must not be empty")
    quality.worker_block_create(requester=requester, worker=worker, reason=reason)
    return {}
