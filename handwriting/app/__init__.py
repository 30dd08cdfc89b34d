"""Stage 6, app: what users run. The prediction store, the `predict` command, the Voila dashboard
and the server that starts it."""

# The teacher's token, from the launcher (`serve`) to the kernels (`dashboard.visitor`): one name for
# both, defined where neither has to import the other (the launcher must not import the widgets).
ADMIN_TOKEN_ENV = "HANDWRITING_ADMIN_TOKEN"
