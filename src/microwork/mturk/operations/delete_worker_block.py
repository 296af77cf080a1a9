from microwork.mturk import lookups
from microwork.quality import services as quality


def run(requester, params) -> dict:
    worker = lookups.worker(params.worker_id())
    params.string("Reason", required=False, max_length=1024)
    quality.worker_block_delete(requester=requester, worker=worker)
    return {}
