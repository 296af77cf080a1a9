"""The requester's endpoints of the REST API v1 (role requester): projects, batches and their
uploads, tasks, assignments and their review, results and data sets, money, qualifications and
quality rules. A door: every endpoint calls a use case of the app that owns the act.

Also a small Django app (label `api_requester`): it keeps the Idempotency-Key records of the
money-moving POSTs (models.IdempotentRequest).
"""
