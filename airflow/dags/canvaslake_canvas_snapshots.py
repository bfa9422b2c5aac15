"""Canvas Lake Airflow DAG: daily snapshots of the Canvas REST API, one entity after another.

users -> courses -> assignments -> enrollments, as the original connector orders them: each later entity refers to
the earlier ones, and one entity at a time keeps the whole run inside Canvas's rate limit.
"""
from __future__ import annotations

from datetime import timedelta

from canvaslake import config as cfg
from canvaslake import lake
from canvaslake.dag import canvaslake_dag
from canvaslake.tasks import canvaslake_task

config = cfg.load()

with canvaslake_dag(
    config, "canvaslake_canvas_snapshots", "Daily Canvas REST snapshots: users, courses, assignments, enrollments (canvas.*)",
    schedule="0 5 * * *",
    dagrun_timeout=timedelta(hours=8),
) as dag:
    previous = None
    for entity in cfg.CANVAS_ENTITIES:
        last = entity == cfg.CANVAS_ENTITIES[-1]
        task = canvaslake_task(
            config, f"snapshot_{entity}", "canvas",
            options={"entities": entity},
            timeout=timedelta(hours=2),
            sla=timedelta(hours=6),
            # canvas.* is complete once the last entity is in
            outlets=[lake.canvas(config)] if last else [],
        )
        if previous is not None:
            previous >> task
        previous = task
