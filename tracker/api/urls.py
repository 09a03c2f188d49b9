from django.urls import include, path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api_me"),
    path("me/screening/", views.ScreeningView.as_view(), name="api_screening"),
    path("me/enrolment/", views.EnrolmentView.as_view(), name="api_enrolment"),
    path("me/sessions/", views.SessionList.as_view(), name="api_sessions"),
    path("me/sessions/<int:session_id>/", views.SessionDetail.as_view(), name="api_session"),
    path(
        "me/sessions/<int:session_id>/reschedule/",
        views.SessionReschedule.as_view(),
        name="api_session_reschedule",
    ),
    path(
        "me/sessions/<int:session_id>/log/",
        views.SessionLogCreate.as_view(),
        name="api_session_log",
    ),
    path("me/logs/", views.ExtraLogCreate.as_view(), name="api_logs"),
    path("me/assessments/", views.AssessmentListCreate.as_view(), name="api_assessments"),
    path("me/progress/", views.ProgressView.as_view(), name="api_progress"),
    path("me/notifications/", views.NotificationList.as_view(), name="api_notifications"),
    path(
        "me/notifications/<int:notification_id>/read/",
        views.NotificationRead.as_view(),
        name="api_notification_read",
    ),
    path("me/export/", views.ExportView.as_view(), name="api_export"),
    path("me/safety/", views.MeSafetyView.as_view(), name="api_safety"),
    path("me/safety/seen/", views.MeSeenView.as_view(), name="api_safety_seen"),
    path("me/clearance/", views.MeClearanceView.as_view(), name="api_clearance"),
    path("me/enrolment/pause/", views.MePauseView.as_view(), name="api_enrolment_pause"),
    path("me/enrolment/resume/", views.MeResumeView.as_view(), name="api_enrolment_resume"),
    path("me/pregnancy/end/", views.MePregnancyEndView.as_view(), name="api_pregnancy_end"),
    path("clients/", views.ClientList.as_view(), name="api_clients"),
    path("clients/<int:client_id>/", views.ClientDetail.as_view(), name="api_client"),
    path(
        "clients/<int:client_id>/sessions/",
        views.ClientSessions.as_view(),
        name="api_client_sessions",
    ),
    path(
        "clients/<int:client_id>/assessments/",
        views.ClientAssessments.as_view(),
        name="api_client_assessments",
    ),
    path("clients/<int:client_id>/alerts/", views.ClientAlerts.as_view(), name="api_client_alerts"),
    path(
        "clients/<int:client_id>/alerts/<int:alert_id>/acknowledge/",
        views.ClientAlertAcknowledge.as_view(),
        name="api_client_alert_ack",
    ),
    path("clients/<int:client_id>/notes/", views.ClientNotes.as_view(), name="api_client_notes"),
    path("clients/<int:client_id>/logs/", views.ClientLogs.as_view(), name="api_client_logs"),
    path(
        "clients/<int:client_id>/clearance/",
        views.ClientClearanceView.as_view(),
        name="api_client_clearance",
    ),
    path(
        "clients/<int:client_id>/screening/review/",
        views.ClientScreeningReviewView.as_view(),
        name="api_client_screening_review",
    ),
    path(
        "clients/<int:client_id>/pause/", views.ClientPauseView.as_view(), name="api_client_pause"
    ),
    path(
        "clients/<int:client_id>/resume/",
        views.ClientResumeView.as_view(),
        name="api_client_resume",
    ),
    path(
        "clients/<int:client_id>/pregnancy/reopen/",
        views.ClientPregnancyReopenView.as_view(),
        name="api_client_pregnancy_reopen",
    ),
    # Issue 16: her settings and account, her corrections, her PT's plan changes and exports.
    path("", include("tracker.api.me_settings")),
    path("", include("tracker.api.corrections")),
    path("", include("tracker.api.pt_plan")),
    # Issue 17: her devices for push notifications.
    path("", include("tracker.api.push")),
]
