from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "microwork.work"
    label = "work"

    def ready(self):
        from microwork.projects import events as project_events
        from microwork.work import subscribers

        project_events.batch_escrow_due.subscribe(subscribers.finish_if_done)
