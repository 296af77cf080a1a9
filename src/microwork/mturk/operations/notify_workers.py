from microwork.mturk import services
from microwork.mturk.errors import out_of_range
from microwork.mturk.params import CUSTOMER_ID


def run(requester, params) -> dict:
    subject = params.string("Subject", min_length=1, max_length=200)
    text = params.string("MessageText", min_length=1, max_length=4096)
    worker_ids = params.string_list("WorkerIds", max_items=100)
    if not worker_ids:
        raise out_of_range("WorkerIds", "must hold 1 to 100 worker ids")
    for worker_id in worker_ids:
        if not CUSTOMER_ID.match(worker_id):
            raise out_of_range("WorkerIds", f"holds an invalid worker id {worker_id}")
    failures = services.workers_notify(
        requester=requester, subject=subject, message=text, worker_ids=worker_ids
    )
    return {
        "NotifyWorkersFailureStatuses": [
            {
                "NotifyWorkersFailureCode": "HardFailure",
                "NotifyWorkersFailureMessage": message,
                "WorkerId": worker_id,
            }
            for worker_id, message in failures.items()
        ]
    }
