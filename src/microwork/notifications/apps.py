from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "microwork.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from microwork.accounts import events as account_events
        from microwork.fairness import events as fairness_events
        from microwork.notifications import subscribers
        from microwork.payments import events as payment_events
        from microwork.quality import events as quality_events
        from microwork.work import events as work_events

        work_events.assignment_approved.subscribe(subscribers.assignment_approved)
        work_events.assignment_rejected.subscribe(subscribers.assignment_rejected)
        work_events.assignments_approved.subscribe(subscribers.assignments_approved)
        work_events.assignments_rejected.subscribe(subscribers.assignments_rejected)
        work_events.batch_finished.subscribe(subscribers.batch_finished)
        payment_events.bonus_sent.subscribe(subscribers.bonus_sent)
        payment_events.payout_paid.subscribe(subscribers.payout_paid)
        payment_events.payout_method_changed.subscribe(subscribers.payout_method_changed)
        payment_events.deposit_reversed.subscribe(subscribers.deposit_reversed)
        payment_events.balance_low.subscribe(subscribers.balance_low)
        payment_events.escrow_returned.subscribe(subscribers.escrow_returned)
        quality_events.worker_blocked.subscribe(subscribers.worker_blocked)
        quality_events.worker_unblocked.subscribe(subscribers.worker_unblocked)
        quality_events.qualification_granted.subscribe(subscribers.qualification_granted)
        fairness_events.appeal_opened.subscribe(subscribers.appeal_opened)
        fairness_events.appeal_decided.subscribe(subscribers.appeal_decided)
        account_events.terms_published.subscribe(subscribers.terms_published)
