"""Stage 6, app: what users run. The prediction store, the `predict` command, the Voila dashboard
and the server that starts it."""
