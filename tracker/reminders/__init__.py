"""Reminders and notifications: due times (pure), the dispatcher (what is due, from the
database), and delivery (claim, re-check, send, mark). Celery tasks live in tracker.tasks."""
