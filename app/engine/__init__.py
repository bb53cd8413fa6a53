"""The engine: the batch service and everything that moves a batch from submission to its
report. State transitions and counters (transitions, hotpath, writebehind), processing in
the worker, dispatch and the broker, leases, lanes, outcomes, finalizing, events, the
kinds of work, and the housekeeping the scheduler runs.

May import: the foundation, app.analysis and app.accounts. Never the faces (ui, actors,
scheduler): enqueueing goes through app.engine.dispatch, by actor name.
"""
