from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "microwork.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self):
        from microwork.projects import events as project_events
        from microwork.quality import gold, subscribers
        from microwork.work import events as work_events

        work_events.accept_gate.provide(subscribers.accept_gate)
        work_events.submit_annotations.provide(subscribers.submit_annotations)
        work_events.assignment_submitted.subscribe(subscribers.rules_after_submit)
        work_events.assignment_submitted.subscribe(subscribers.overlap_after_submit)
        project_events.gold_task_redundancy.provide(gold.gold_task_redundancy)
