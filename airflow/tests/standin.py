"""A small stand-in for the parts of Airflow 2.10 and its Amazon provider that the Canvas Lake DAGs import.

Airflow cannot be installed here, so the tests put these modules into ``sys.modules`` under Airflow's own names
and import the DAG files against them. The stand-ins keep what the tests rely on and what catches mistakes:
the real constructor signatures (keyword names the real classes accept; anything else is a TypeError, as in
Airflow), ``default_args`` applied to tasks the way Airflow applies them, ``>>`` dependencies, duplicate task ids
refused, Variables read from a dict, dataset conditions with ``&`` and ``|``, and SNS publishes recorded.
"""
from __future__ import annotations

import contextlib
import sys
import types
from datetime import datetime, timedelta

_NOTSET = object()
_dag_stack: list = []

# BaseOperator's parameters in Airflow 2.10 (the ones default_args may carry)
BASE_OPERATOR_PARAMS = {
    "task_id", "owner", "email", "email_on_retry", "email_on_failure", "retries", "retry_delay",
    "retry_exponential_backoff", "max_retry_delay", "start_date", "end_date", "depends_on_past",
    "ignore_first_depends_on_past", "wait_for_past_depends_before_skipping", "wait_for_downstream", "dag", "params",
    "default_args", "priority_weight", "weight_rule", "queue", "pool", "pool_slots", "sla", "execution_timeout",
    "on_execute_callback", "on_failure_callback", "on_success_callback", "on_retry_callback",
    "on_skipped_callback", "pre_execute", "post_execute", "trigger_rule", "resources", "run_as_user",
    "task_concurrency", "max_active_tis_per_dag", "max_active_tis_per_dagrun", "executor", "executor_config",
    "do_xcom_push", "multiple_outputs", "inlets", "outlets", "task_group", "doc", "doc_md", "doc_json", "doc_yaml",
    "doc_rst", "task_display_name", "logger_name", "allow_nested_operators",
}


class Variable:
    store: dict = {}
    reads: list = []

    @classmethod
    def get(cls, key, default_var=_NOTSET, deserialize_json=False):
        cls.reads.append(key)
        if key not in cls.store:
            if default_var is _NOTSET:
                raise KeyError(f"Variable {key} does not exist")
            return default_var
        value = cls.store[key]
        if deserialize_json:
            import json
            return json.loads(value)
        return value


class BaseDataset:
    def __and__(self, other):
        return DatasetAll(self, other)

    def __or__(self, other):
        return DatasetAny(self, other)


class Dataset(BaseDataset):
    def __init__(self, uri: str, extra: dict | None = None):
        if not isinstance(uri, str) or "://" not in uri:
            raise ValueError(f"Dataset URI must be a string with a scheme, got {uri!r}")
        self.uri = uri
        self.extra = extra

    def __eq__(self, other):
        return isinstance(other, Dataset) and other.uri == self.uri

    def __hash__(self):
        return hash(self.uri)

    def __repr__(self):
        return f"Dataset({self.uri!r})"


class DatasetAll(BaseDataset):
    def __init__(self, *objects):
        self.objects = objects

    def __repr__(self):
        return f"DatasetAll{self.objects!r}"


class DatasetAny(BaseDataset):
    def __init__(self, *objects):
        self.objects = objects

    def __repr__(self):
        return f"DatasetAny{self.objects!r}"


class DAG:
    def __init__(self, dag_id, *, description=None, schedule=_NOTSET, start_date=None, end_date=None,
                 template_searchpath=None, user_defined_macros=None, user_defined_filters=None, default_args=None,
                 concurrency=None, max_active_tasks=16, max_active_runs=16, max_consecutive_failed_dag_runs=0,
                 dagrun_timeout=None, sla_miss_callback=None, default_view="grid", orientation="LR", catchup=True,
                 on_success_callback=None, on_failure_callback=None, doc_md=None, params=None, access_control=None,
                 is_paused_upon_creation=None, jinja_environment_kwargs=None, render_template_as_native_obj=False,
                 tags=None, owner_links=None, auto_register=True, fail_stop=False, dag_display_name=None):
        if schedule is _NOTSET:
            raise TypeError(f"DAG {dag_id}: give schedule= explicitly (Airflow's default differs between versions)")
        if not (schedule is None or isinstance(schedule, (str, timedelta, BaseDataset))
                or (isinstance(schedule, list) and all(isinstance(d, Dataset) for d in schedule))):
            raise TypeError(f"DAG {dag_id}: schedule must be a cron/preset, a timedelta or datasets, got {schedule!r}")
        for key in (default_args or {}):
            if key not in BASE_OPERATOR_PARAMS:
                raise TypeError(f"DAG {dag_id}: default_args key {key!r} is not a BaseOperator parameter")
        if start_date is not None and not isinstance(start_date, datetime):
            raise TypeError("start_date must be a datetime")
        self.dag_id = dag_id
        self.description = description
        self.schedule = schedule
        self.start_date = start_date
        self.default_args = dict(default_args or {})
        self.max_active_runs = max_active_runs
        self.dagrun_timeout = dagrun_timeout
        self.sla_miss_callback = sla_miss_callback
        self.catchup = catchup
        self.tags = tags or []
        self.task_dict: dict = {}

    def __enter__(self):
        _dag_stack.append(self)
        return self

    def __exit__(self, *exc):
        _dag_stack.pop()
        return False

    @property
    def tasks(self):
        return list(self.task_dict.values())

    def add_task(self, task):
        if task.task_id in self.task_dict:
            raise ValueError(f"Task id {task.task_id!r} has already been added to the DAG {self.dag_id}")
        self.task_dict[task.task_id] = task


class BaseOperator:
    template_fields: tuple = ()

    def __init__(self, *, task_id, dag=None, **kwargs):
        unknown = set(kwargs) - BASE_OPERATOR_PARAMS
        if unknown:
            raise TypeError(f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}): "
                            f"{sorted(unknown)}")
        dag = dag or (_dag_stack[-1] if _dag_stack else None)
        merged = dict(dag.default_args) if dag else {}
        merged.update(kwargs)
        self.task_id = task_id
        self.dag = dag
        self.retries = merged.get("retries", 0)
        self.retry_delay = merged.get("retry_delay", timedelta(seconds=300))
        self.retry_exponential_backoff = merged.get("retry_exponential_backoff", False)
        self.max_retry_delay = merged.get("max_retry_delay")
        self.execution_timeout = merged.get("execution_timeout")
        self.sla = merged.get("sla")
        self.on_failure_callback = merged.get("on_failure_callback")
        self.outlets = list(merged.get("outlets") or [])
        self.owner = merged.get("owner", "airflow")
        self.upstream_task_ids: set = set()
        self.downstream_task_ids: set = set()
        if dag is not None:
            dag.add_task(self)

    def set_downstream(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            self.downstream_task_ids.add(o.task_id)
            o.upstream_task_ids.add(self.task_id)

    def __rshift__(self, other):
        self.set_downstream(other)
        return other

    def __lshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o.set_downstream(self)
        return other

    def __rrshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o.set_downstream(self)
        return self


class GlueJobOperator(BaseOperator):
    """Signature of airflow.providers.amazon.aws.operators.glue.GlueJobOperator (provider 9.x)."""

    template_fields = ("job_name", "script_location", "script_args", "create_job_kwargs", "run_job_kwargs",
                       "s3_bucket", "iam_role_name", "iam_role_arn")

    def __init__(self, *, job_name="aws_glue_default_job", job_desc="AWS Glue Job with Airflow",
                 script_location=None, concurrent_run_limit=None, script_args=None, retry_limit=0,
                 num_of_dpus=None, s3_bucket=None, iam_role_name=None, iam_role_arn=None, create_job_kwargs=None,
                 run_job_kwargs=None, wait_for_completion=True, deferrable=False, verbose=False,
                 replace_script_file=False, update_config=False, stop_job_run_on_kill=False, sleep_before_return=0,
                 job_poll_interval=6, waiter_delay=60, waiter_max_attempts=75, aws_conn_id="aws_default",
                 region_name=None, verify=None, botocore_config=None, **kwargs):
        super().__init__(**kwargs)
        self.job_name = job_name
        self.script_location = script_location
        self.script_args = script_args or {}
        self.wait_for_completion = wait_for_completion
        self.verbose = verbose
        self.stop_job_run_on_kill = stop_job_run_on_kill
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name


class EmrServerlessStartJobOperator(BaseOperator):
    """Signature of airflow.providers.amazon.aws.operators.emr.EmrServerlessStartJobOperator (provider 8.x/9.x)."""

    template_fields = ("application_id", "config", "execution_role_arn", "job_driver", "configuration_overrides")

    def __init__(self, *, application_id, execution_role_arn, job_driver, configuration_overrides=None,
                 client_request_token="", config=None, wait_for_completion=True, aws_conn_id="aws_default",
                 name=None, waiter_max_attempts=_NOTSET, waiter_delay=_NOTSET, deferrable=False,
                 enable_application_ui_links=False, cancel_on_kill=True, **kwargs):
        super().__init__(**kwargs)
        self.application_id = application_id
        self.execution_role_arn = execution_role_arn
        self.job_driver = job_driver
        self.configuration_overrides = configuration_overrides
        self.config = config or {}
        self.wait_for_completion = wait_for_completion
        self.name = name
        self.waiter_max_attempts = waiter_max_attempts
        self.waiter_delay = waiter_delay
        self.aws_conn_id = aws_conn_id


class SnsHook:
    """airflow.providers.amazon.aws.hooks.sns.SnsHook: publishes are recorded in ``published``."""

    published: list = []

    def __init__(self, *, aws_conn_id="aws_default", region_name=None, verify=None, config=None):
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name

    def publish_to_target(self, target_arn, message, subject=None, message_attributes=None,
                          message_deduplication_id=None, message_group_id=None):
        SnsHook.published.append({"target_arn": target_arn, "message": message, "subject": subject})
        return {"MessageId": f"m-{len(SnsHook.published)}"}


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__path__ = []  # a package, so that submodules can be imported from sys.modules
    return module


MODULES = {
    "airflow": dict(DAG=DAG),
    "airflow.models": dict(DAG=DAG, Variable=Variable, BaseOperator=BaseOperator),
    "airflow.datasets": dict(Dataset=Dataset, DatasetAll=DatasetAll, DatasetAny=DatasetAny),
    "airflow.providers": {},
    "airflow.providers.amazon": {},
    "airflow.providers.amazon.aws": {},
    "airflow.providers.amazon.aws.operators": {},
    "airflow.providers.amazon.aws.operators.glue": dict(GlueJobOperator=GlueJobOperator),
    "airflow.providers.amazon.aws.operators.emr": dict(EmrServerlessStartJobOperator=EmrServerlessStartJobOperator),
    "airflow.providers.amazon.aws.hooks": {},
    "airflow.providers.amazon.aws.hooks.sns": dict(SnsHook=SnsHook),
}


@contextlib.contextmanager
def installed(variables: dict):
    """Airflow's modules replaced by the stand-ins, with these Variables; everything restored afterwards."""
    saved = {k: v for k, v in sys.modules.items() if k == "airflow" or k.startswith("airflow.")}
    for name in saved:
        del sys.modules[name]
    for name, attrs in MODULES.items():
        sys.modules[name] = _module(name, **attrs)
    Variable.store = dict(variables)
    Variable.reads = []
    SnsHook.published = []
    try:
        yield
    finally:
        for name in MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
