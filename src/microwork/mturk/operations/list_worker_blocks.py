from microwork.mturk import shapes
from microwork.mturk.pagination import paginate
from microwork.quality.models import WorkerBlock


def run(requester, params) -> dict:
    blocks = WorkerBlock.objects.select_related("worker").filter(requester=requester)
    return paginate(
        blocks,
        params,
        result_key="WorkerBlocks",
        shape=shapes.block_shape,
        scope="ListWorkerBlocks",
    )
