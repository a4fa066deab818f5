"""The Celery app of the production profile's workers:

    celery -A orchestration.celery_app worker -n worker1@%h -c 1

It registers dagster-celery's `execute_plan` task on the app built from the same settings as the
run's executor (orchestration/executors.py): same broker, same acknowledgement rules. A worker
needs the code (this package), the settings (CLAIMGRID_*), DAGSTER_HOME with the production
dagster.yaml and the PostgreSQL connection (DAGSTER_PG_*): each step it runs writes its events to
the instance, and its Dagster log names the worker ("Executing steps ... in celery worker").
"""
from celery.signals import worker_init
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from orchestration.executors import celery_executor_config
from orchestration.settings import load_settings

app = make_app(CeleryExecutor.for_cli(**celery_executor_config(load_settings())).app_args())
execute_plan = create_task(app)


@worker_init.connect
def load_code_location(**_) -> None:
    """The worker loads the code location and Great Expectations as it starts (before it takes
    a task) instead of in its first step: seconds of imports each, which otherwise sat in the
    first step every worker ran."""
    import orchestration.definitions  # noqa: F401
    from orchestration.checks.gx_validation import warm_up

    warm_up()
