"""Canvas Lake Airflow DAG: copy lake tables into PostgreSQL/MariaDB after each product build (only when configured).

Defined only when canvaslake_config has a "mirror" entry with a jdbc_url; the database password is read by the
job from SSM (/<ssm_prefix>/mirror-db-password), never from here.
"""
from __future__ import annotations

from datetime import timedelta

from canvaslake import config as cfg
from canvaslake import lake
from canvaslake.dag import canvaslake_dag
from canvaslake.tasks import canvaslake_task

config = cfg.load()
DEFAULT_TABLES = ("events.live_stream", "product.learning_events")

if config.mirror and config.mirror.get("jdbc_url"):
    with canvaslake_dag(
        config, "canvaslake_mirror", "Mirror lake tables into a SQL database for BI tools",
        schedule=[lake.product(config)],
        dagrun_timeout=timedelta(hours=3),
    ) as dag:
        canvaslake_task(
            config, "mirror_tables", "mirror",
            options={
                "tables": ",".join(config.mirror.get("tables") or DEFAULT_TABLES),
                "jdbc-url": config.mirror["jdbc_url"],
            },
            timeout=timedelta(hours=2),
            sla=timedelta(hours=2, minutes=30),
        )
