"""The ``urutiq-ai`` command line: admin and server commands in-process, the rest via the SDK."""
