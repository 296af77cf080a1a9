from django.apps import AppConfig


class MturkConfig(AppConfig):
    name = "microwork.mturk"
    label = "mturk"
    verbose_name = "MTurk-compatible API"

    def ready(self):
        from microwork.mturk import notifying, review_policies
        from microwork.work import events as work_events

        # UpdateNotificationSettings' Email transport (mturk/notifying.py).
        work_events.assignment_submitted.subscribe(notifying.assignment_submitted)
        work_events.assignment_approved.subscribe(notifying.assignment_approved)
        work_events.assignment_rejected.subscribe(notifying.assignment_rejected)
        work_events.assignments_approved.subscribe(notifying.assignments_approved)
        work_events.assignments_rejected.subscribe(notifying.assignments_rejected)
        # Review policies given with CreateHIT (mturk/review_policies.py).
        work_events.assignment_submitted.subscribe(review_policies.after_submit)
