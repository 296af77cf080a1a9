"""Requesters' webhooks: events sent to their HTTPS endpoints after the commit, signed by the
Standard Webhooks scheme, retried from the job queue with exponential backoff."""
