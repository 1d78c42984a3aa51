"""The ``urutiq-ai`` command: the root Typer app and where every command is wired in.

* ``db upgrade``, ``serve``, ``bootstrap``, ``tenants create``, ``companies create``,
  ``keys create|revoke``: in-process, no API key (``cli.server``, ``cli.admin``).
* Everything else goes through the SDK (``cli.account``, ``cli.resources``), so
  authentication and scoping apply; with no URL the SDK runs the app in-process. Their
  ``--url``, ``--api-key`` and ``--company`` are accepted by the root too (``cli._sdk``).

Building this tree must stay cheap (``--help`` at any level answers at once): the command
modules import the SDK, the schemas and anything heavy inside their functions, and the
groups are converted to Click only when asked for (``cli._lazy``).
tests/architecture/test_cli_startup.py holds both to it.
"""

from collections.abc import Callable

import typer

from urutiq_ai.cli import (
    _lazy,
    _sdk,
    account,
    admin,
    config,
    demo,
    deployments,
    drift,
    experiments,
    feedback,
    governance,
    models,
    monitors,
    performance,
    pipelines,
    quality,
    resources,
    server,
    training,
    workers,
)

app = _lazy.LazyTyper(
    name="urutiq-ai",
    help="The AI learning system of the UrutiIQ accounting platform.",
    no_args_is_help=True,
)
app.callback()(_sdk.connect)


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


db_app = _group("The database schema (in-process).")
db_app.command("upgrade")(server.db_upgrade)

tenants_app = _group("Tenants (in-process, no API key).")
tenants_app.command("create")(admin.create_tenant)

companies_app = _group("Companies: create in-process, list through the API.")
companies_app.command("create")(admin.create_company)
companies_app.command("list")(account.list_companies)

keys_app = _group("API keys: create and revoke in-process, list and show through the API.")
keys_app.command("create")(admin.create_key)
keys_app.command("revoke")(admin.revoke_key)
keys_app.command("list")(account.list_keys)
keys_app.command("show")(account.show_key)

retention_app = _group("The retention of prediction records (in-process, no API key).")
retention_app.command("purge")(admin.purge_predictions)

audit_app = _group("The append-only audit log (admin or auditor key).")
audit_app.command("list")(account.list_audit_log)

demo_app = _group("The demo tenant: ledgers, trained templates and history (in-process).")
demo_app.command("load")(demo.load)

drift_app = _group(
    "Drift: two data sets ad hoc (compare), or a model's inputs vs its training data (check)."
)
drift_app.command("compare")(drift.compare)
drift_app.command("check")(drift.check)

config_app = _group(
    "Configuration with a history: set a new version, activate (roll back), history, diff, show."
)
config_app.command("set")(config.set_)
config_app.command("activate")(config.activate)
config_app.command("history")(config.history)
config_app.command("diff")(config.diff)
config_app.command("show")(config.show)

governance_app = _group("Governance policies applied: evaluate them against a model.")
governance_app.command("evaluate")(governance.evaluate)

perf_app = _group("A model's performance over time, from its predictions' actual values.")
perf_app.command("show")(performance.show)

quality_app = _group("Data-quality checks declared in JSON, run on tables and files.")
quality_app.command("run")(quality.run)

app.command("serve")(server.serve)
app.command("scheduler")(monitors.scheduler)
app.command("worker")(workers.worker)
app.command("train")(training.train)
app.command("deploy")(deployments.deploy)
app.command("report")(governance.report)
app.command("model-card")(governance.model_card)
app.command("retrain")(feedback.retrain)
app.command("promote")(deployments.promote)
app.command("rollback")(deployments.rollback)
app.command("bootstrap")(admin.bootstrap)
app.command("whoami")(account.whoami)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(drift_app, name="drift")
app.add_typer(perf_app, name="perf")
app.add_typer(governance_app, name="governance")
app.add_typer(config_app, name="config")
app.add_typer(quality_app, name="quality")
app.add_typer(tenants_app, name="tenants")
app.add_typer(companies_app, name="companies")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit-log")
app.add_typer(retention_app, name="retention")
GROUP_VERBS: dict[str, dict[str, Callable[..., None]]] = {
    "monitors": {
        "create": monitors.create_monitor,
        "run": monitors.run_monitor,
        "pause": monitors.pause_monitor,
        "resume": monitors.resume_monitor,
    },
    "alerts": {"resolve": monitors.resolve_alert},
    "feedback": {
        "add": feedback.add,
        "process": feedback.process,
        "summary": feedback.summary,
        "ignore": feedback.ignore,
    },
    "governance-violations": {
        "investigate": governance.investigate,
        "resolve": governance.resolve,
    },
    "experiments": {
        "create": experiments.create,
        "evaluate": experiments.evaluate,
        "show": experiments.show,  # replaces the generic one: results as tables
        "promote": experiments.promote,
    },
    "deployments": {
        "status": deployments.status,
        "history": deployments.history,
        "served": deployments.served,
        "predict": deployments.predict,
        "show": deployments.show,  # replaces the generic one: by name (or id)
        "release": deployments.release,
        "check": deployments.check,
        "promote": deployments.promote,
        "rollback": deployments.rollback,
    },
    "webhooks": {"create": monitors.create_webhook, "test": monitors.ping_webhook},
    "predictions": {"actual": models.record_actual},
    "pipelines": {
        "create": pipelines.create,
        "run": pipelines.run,
        "backfill": pipelines.backfill,
        "pause": pipelines.pause,
        "resume": pipelines.resume,
    },
    # list and show replace the generic ones (registered later, so they win): --pipeline-id,
    # and a run shown with its logs and a table of its steps
    "pipeline-runs": {
        "cancel": pipelines.cancel_run,
        "list": pipelines.list_runs,
        "show": pipelines.show_run,
    },
}
MODEL_VERBS: dict[str, Callable[..., None]] = {
    "compare": models.compare,
    "promote": models.promote,
    "deprecate": models.deprecate,
    "importance": models.importance,
}
GROUP_VERBS["models"] = MODEL_VERBS
pipeline_runs_app = _group("Runs of pipelines (the same as `pipeline-runs list|show`).")
pipeline_runs_app.command("list")(pipelines.list_runs)
pipeline_runs_app.command("show")(pipelines.show_run)
for name, group in resources.resource_groups():
    for verb, command in GROUP_VERBS.get(name, {}).items():
        group.command(verb)(command)
    if name == "pipelines":  # `urutiq-ai pipelines runs list --pipeline-id X`
        group.add_typer(pipeline_runs_app, name="runs")
    app.add_typer(group, name=name)
app.command("predict")(models.predict)
importance_app = _group("Feature importances of a model version.")
importance_app.command("show")(models.importance)
app.add_typer(importance_app, name="importance")
