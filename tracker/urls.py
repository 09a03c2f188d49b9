from django.urls import path

from . import views
from .views import client, feed, guided, notifications, offline, outcomes, pt

app_name = "tracker"

urlpatterns = [
    path("me/pregnancy/", client.pregnancy_edit, name="pregnancy"),
    path("me/screening/", client.screening, name="screening"),
    path("me/screening/result/", client.screening_result, name="screening_result"),
    path("me/screening/rescreen/", client.rescreen, name="rescreen"),
    path("me/safety/clearance/", client.safety_clearance, name="safety_clearance"),
    path("me/safety/seen/", client.safety_seen, name="safety_seen"),
    path("me/pregnancy/end/", client.pregnancy_end, name="pregnancy_end"),
    path("me/enrol/", client.enrol, name="enrol"),
    path("me/week/", client.week, name="week"),
    path("me/calendar/", client.calendar, name="calendar"),
    path("me/sessions/<int:session_id>/", client.session_detail, name="session"),
    path(
        "me/sessions/<int:session_id>/reschedule/",
        client.session_reschedule,
        name="session_reschedule",
    ),
    path("me/sessions/<int:session_id>/go/", guided.session_go, name="session_go"),
    path("me/schedule/", client.schedule_settings, name="schedule"),
    path("me/schedule/pause/", client.schedule_pause, name="schedule_pause"),
    path("me/schedule/resume/", client.schedule_resume, name="schedule_resume"),
    path("me/schedule/calendar-link/", client.feed_regenerate, name="feed_regenerate"),
    path("me/birth/", client.birth, name="birth"),
    path("me/sessions/<int:session_id>/log/", outcomes.session_log, name="session_log"),
    path("me/offline.json", offline.offline_pack, name="offline_pack"),
    path("me/logs/", outcomes.log_history, name="logs"),
    path("me/logs/new/", outcomes.extra_log, name="extra_log"),
    path("me/logs/<int:log_id>/", outcomes.log_edit, name="log_edit"),
    path("me/logs/<int:log_id>/stop/", outcomes.stop, name="stop"),
    path("me/logs/<int:log_id>/withdraw/", outcomes.log_withdraw, name="log_withdraw"),
    path("me/assessments/new/", outcomes.assessment_new, name="assessment_new"),
    path("me/assessments/<int:assessment_id>/", outcomes.assessment_detail, name="assessment"),
    path(
        "me/assessments/<int:assessment_id>/edit/",
        outcomes.assessment_edit,
        name="assessment_edit",
    ),
    path(
        "me/assessments/<int:assessment_id>/withdraw/",
        outcomes.assessment_withdraw,
        name="assessment_withdraw",
    ),
    path("me/progress/", outcomes.progress_page, name="progress"),
    path("me/export.json", outcomes.export_json, name="export_json"),
    path("me/export.csv", outcomes.export_csv, name="export_csv"),
    path("me/delete/", outcomes.delete_account, name="delete_account"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        notifications.notification_read_all,
        name="notifications_read_all",
    ),
    path(
        "settings/notifications/", notifications.notification_settings, name="notification_settings"
    ),
    path(
        "settings/notifications/push/<int:subscription_id>/remove/",
        notifications.push_remove,
        name="push_remove",
    ),
    path("settings/notifications/push/test/", notifications.push_test, name="push_test"),
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", feed.calendar_feed, name="calendar_feed"),
    path("pt/clients/<int:client_id>/", pt.client_detail, name="pt_client"),
    # The sections of her page loaded on demand (each a page of its own without JavaScript).
    path(
        "pt/clients/<int:client_id>/logs/",
        pt.client_section,
        {"section": "logs"},
        name="pt_client_logs",
    ),
    path(
        "pt/clients/<int:client_id>/check-ins/",
        pt.client_section,
        {"section": "check_ins"},
        name="pt_client_check_ins",
    ),
    path(
        "pt/clients/<int:client_id>/corrections/",
        pt.client_section,
        {"section": "corrections"},
        name="pt_client_corrections",
    ),
    path(
        "pt/clients/<int:client_id>/sessions/",
        pt.client_section,
        {"section": "sessions"},
        name="pt_client_sessions",
    ),
    path(
        "pt/clients/<int:client_id>/screen/",
        pt.client_section,
        {"section": "screen"},
        name="pt_client_screen",
    ),
    path(
        "pt/clients/<int:client_id>/notes/all/",
        pt.client_section,
        {"section": "notes"},
        name="pt_client_notes",
    ),
    path(
        "pt/clients/<int:client_id>/plan-changes/",
        pt.client_section,
        {"section": "plan_changes"},
        name="pt_client_plan_changes",
    ),
    path("pt/clients/<int:client_id>/clearance/", pt.clearance, name="pt_clearance"),
    path(
        "pt/clients/<int:client_id>/screening/review/",
        pt.screening_review,
        name="pt_screening_review",
    ),
    path(
        "pt/clients/<int:client_id>/pregnancy/reopen/",
        pt.pregnancy_reopen,
        name="pt_pregnancy_reopen",
    ),
    path("pt/clients/<int:client_id>/notes/", pt.note_add, name="pt_note_add"),
    path("pt/clients/<int:client_id>/notes/<int:note_id>/", pt.note_edit, name="pt_note_edit"),
    path(
        "pt/clients/<int:client_id>/alerts/<int:alert_id>/ack/", pt.alert_ack, name="pt_alert_ack"
    ),
    path("pt/clients/<int:client_id>/swap/", pt.swap, name="pt_swap"),
    path("pt/clients/<int:client_id>/pause/", pt.pause, name="pt_pause"),
    path("pt/clients/<int:client_id>/resume/", pt.resume, name="pt_resume"),
    path("pt/clients/<int:client_id>/schedule/", pt.schedule, name="pt_schedule"),
    path("pt/clients/<int:client_id>/unlink/", pt.unlink, name="pt_unlink"),
    path("pt/clients/<int:client_id>/export.csv", pt.client_csv, name="pt_client_csv"),
    path("pt/clients/<int:client_id>/report/", pt.client_report, name="pt_report"),
    path("pt/cohort.csv", pt.cohort_csv, name="pt_cohort_csv"),
]

# Landing and home keep their plain names (used by settings and every template).
root_urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
]
