"""Benchmarks run by operators: the engine's throughput against raw Dramatiq (with the raw
actor it needs beside it), real resumes through the fleet against the analysis alone, and
the admin dashboard at scale; `fleet` starts and measures the worker processes.

May import anything in app except the composition root (app.cli, app.serve); the faces
(ui, actors, scheduler) only through what the composition root hands in, or as processes
started by command line.
"""

# The raw actor's queue, shared by the benchmark and the actor (app/benchmarks/raw_actor.py).
RAW_QUEUE = "bench"
# Set to "shortlist" for the bare actor on Shortlist's broker.
RAW_CONSUMER_ENV = "SHORTLIST_BENCH_RAW_CONSUMER"
