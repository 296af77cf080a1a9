"""The worker's endpoints (role worker): find work, accept, submit, return, history, earnings."""

from ninja import Router

from microwork.api import auth

router = Router(auth=auth.worker, tags=["worker"])
