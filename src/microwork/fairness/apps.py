from django.apps import AppConfig


class FairnessConfig(AppConfig):
    name = "microwork.fairness"
    label = "fairness"
    verbose_name = "Fair work"

    def ready(self):
        from microwork.fairness import subscribers
        from microwork.projects import events as project_events
        from microwork.quality import events as quality_events
        from microwork.work import events as work_events

        project_events.project_validating.subscribe(subscribers.check_auto_approval_delay)
        project_events.batch_publishing.subscribe(subscribers.reserve_for_pay_floor)
        work_events.review_done.subscribe(subscribers.pay_floor_after_review)
        quality_events.overdue_appeals_grant.provide(subscribers.overdue_appeals_grant)
