"""The procrastinate app a ``kluis worker`` builds: one task per job on the ``kluis`` queue, and
the periodic jobs as procrastinate periodic tasks on the cron of their hours (only those the
settings turn on)."""

from __future__ import annotations

import threading
from pathlib import Path

from kluis.jobs import Registry, pg, worker
from kluis.runtime import Kluis
from kluis.slices import jobs


def periodic(kluis: Kluis) -> dict[tuple[str, str], str]:
    app = worker.build(kluis, Registry(jobs()), threading.Event())
    names = {"campaigns.send", "imports.run", "retention.scheduled", "backup.daily"}
    assert names <= set(app.tasks)
    assert {app.tasks[name].queue for name in names} == {pg.QUEUE}
    found = {key: task.cron for key, task in app.periodic_registry.periodic_tasks.items()}
    # the /privacy page's unsent verification mails expire every hour, whatever the settings
    expiry = ("privacy.verifications_expire", "privacy.verifications_expire")
    assert found.pop(expiry) == "0 * * * *"
    # post mailings' files not downloaded in time are deleted every hour, whatever the settings
    files = ("post.expire_files", "post.expire_files")
    assert found.pop(files) == "0 * * * *"
    return found


def test_the_schedule_and_the_daily_backup_are_periodic_tasks(kluis: Kluis, tmp_path: Path) -> None:
    kluis.settings.connected_deliver_hours = 0
    kluis.settings.schedule_hours = 6
    assert periodic(kluis) == {("retention.scheduled", "retention.scheduled"): "0 */6 * * *"}
    kluis.settings.schedule_hours = 0
    kluis.settings.backup_dir = tmp_path / "backups"
    assert periodic(kluis) == {("backup.daily", "backup.daily"): "0 0 * * *"}


def test_the_notices_to_connected_systems_go_every_hour_unless_turned_off(kluis: Kluis) -> None:
    kluis.settings.schedule_hours = 0
    assert periodic(kluis) == {
        ("connected.deliver", "connected.deliver"): "0 * * * *",
        ("requests.final_certificates", "requests.final_certificates"): "0 * * * *",
    }
    kluis.settings.connected_deliver_hours = 0
    assert periodic(kluis) == {}
