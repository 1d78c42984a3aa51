"""The job ledger: one row per dispatched job, and one per process that runs jobs.

Executors come and go (a server restarts, a Celery worker is killed); the ledger is what
lets the system notice. See ``urutiq_ai.core.jobs`` for how it is used.
"""
