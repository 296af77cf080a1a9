from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "microwork.payments"
    label = "payments"

    def ready(self):
        from microwork.payments import subscribers
        from microwork.projects import events as project_events
        from microwork.work import events as work_events

        work_events.assignment_approved.subscribe(subscribers.pay_approved)
        work_events.assignment_rejected.subscribe(subscribers.refund_rejected)
        work_events.assignments_approved.subscribe(subscribers.pay_approved_many)
        work_events.assignments_rejected.subscribe(subscribers.refund_rejected_many)
        project_events.batch_publishing.subscribe(subscribers.settle_ended_before_publishing)
        project_events.batch_published.subscribe(subscribers.reserve_published)
        project_events.batch_escrow_due.subscribe(subscribers.settle_escrow)
