"""Requesters' webhooks: events sent to their HTTPS endpoints after the commit, signed by the
Standard Webhooks scheme, retried from the job queue with exponential backoff."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "microwork.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from microwork.fairness import events as fairness_events
        from microwork.payments import events as payment_events
        from microwork.webhooks import subscribers
        from microwork.work import events as work_events

        work_events.assignment_submitted.subscribe(subscribers.deliver_assignment_submitted)
        work_events.batch_finished.subscribe(subscribers.deliver_batch_finished)
        fairness_events.appeal_opened.subscribe(subscribers.deliver_appeal_opened)
        payment_events.balance_low.subscribe(subscribers.deliver_balance_low)
