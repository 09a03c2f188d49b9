"""Web Push (issue 17): a device's push subscription, a push setting per kind of reminder, and
deliveries per channel. Every earlier delivery was a message's main row (its in-app notice plus
the e-mail her setting asked for), so existing rows get channel "email"."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import config.validators


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_exerciselog_too_hard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PushSubscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("endpoint", models.URLField(max_length=1000, unique=True)),
                (
                    "p256dh",
                    models.CharField(max_length=200, validators=[config.validators.single_line]),
                ),
                (
                    "auth",
                    models.CharField(max_length=100, validators=[config.validators.single_line]),
                ),
                (
                    "browser",
                    models.CharField(
                        blank=True, max_length=120, validators=[config.validators.single_line]
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_success_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="push_subscriptions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["created_at", "pk"]},
        ),
        *[
            migrations.AddField(
                model_name="notificationsettings",
                name=f"{kind}_push",
                field=models.BooleanField(default=False),
            )
            for kind in (
                "session_upcoming",
                "session_missed",
                "assessment_due",
                "pt_alert",
                "pt_digest",
            )
        ],
        migrations.AddField(
            model_name="delivery",
            name="channel",
            field=models.CharField(
                choices=[
                    ("email", "Email and in the app"),
                    ("in_app", "In the app only"),
                    ("push", "Push notification"),
                ],
                default="email",
                max_length=10,
            ),
        ),
        migrations.RemoveConstraint(model_name="delivery", name="one_delivery_per_message"),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("recipient", "kind", "object_key", "due_at", "channel"),
                name="one_delivery_per_message_channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("channel", "push"), _negated=True),
                fields=("recipient", "kind", "object_key", "due_at"),
                name="one_main_delivery_per_message",
            ),
        ),
    ]
