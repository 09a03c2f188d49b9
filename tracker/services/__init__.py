"""Every write in the tracker, by use case. Import from here: `from tracker import services`."""

from .accounts import (
    ERR_DELETE_NOT_A_CLIENT,
    GRACE,
    account_deletion_cancel,
    account_deletion_request,
    account_purge,
    accounts_purge,
    purge_due,
)
from .alerts import alert_raise
from .assessments import assessment_record, assessment_update, assessment_withdraw
from .audit import audit_notices_view, audit_record, audit_view, plan_change
from .enrolment import (
    DEFAULT_PROGRAM,
    ERR_ALREADY_ENROLLED,
    ERR_BIRTH_FUTURE,
    ERR_BIRTH_RECORDED,
    ERR_BIRTH_TOO_EARLY,
    ERR_BOTH_DATES,
    ERR_COMPLETED,
    ERR_MISSING_ANSWERS,
    ERR_NO_DATE,
    ERR_NO_PREGNANCY,
    ERR_NO_PROGRAM,
    ERR_NO_SCREENING,
    ERR_RESCHEDULE_CANCELLED,
    ERR_RESCHEDULE_LOGGED,
    ERR_RESCHEDULE_PAST,
    ERR_RESCHEDULE_TAKEN,
    ERR_RESCHEDULE_WINDOW,
    ERR_SCREEN_BLOCKED,
    ERR_VERSION_NOT_PUBLISHED,
    WARN_OTHER_WEEK,
    birth_record,
    enrolment_create,
    enrolment_pause,
    enrolment_resume,
    feed_token_regenerate,
    pregnancy_save,
    schedule_change,
    schedule_move_to_version,
    schedule_rebuild_future,
    screening_result,
    screening_submit,
    session_reschedule,
)
from .logs import (
    ExerciseInput,
    LogInput,
    session_log_record,
    session_log_submit,
    session_log_update,
    session_log_withdraw,
)
from .preferences import (
    ERR_ALWAYS_ON,
    ERR_NOT_YOUR_SETTING,
    ERR_QUIET_HOURS_BOTH,
    notification_settings_always_on,
    notification_settings_fields,
    notification_settings_update,
)
from .push import (
    ERR_PUSH_UNAVAILABLE,
    push_available,
    push_subscribe,
    push_test,
    push_unsubscribe,
)
from .review import (
    ERR_NOT_AUTHOR,
    alert_acknowledge,
    exercise_swap,
    note_add,
    note_update,
    pt_change_schedule,
    pt_pause,
    pt_record_clearance,
    pt_resume,
    pt_unlink,
)
from .safety import (
    HoldResult,
    clearance_record,
    hold_for,
    hold_open,
    item_review,
    pause_lift,
    pause_open,
    pregnancy_end,
    pregnancy_reopen,
    rescreen_sweep,
    seen_tell_pt,
)
