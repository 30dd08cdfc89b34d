"""The Voila dashboard: one ipywidgets app with Draw, Upload, Word, History and Model tabs.

The notebook `notebooks/dashboard.ipynb` only calls `build_app()` and displays it; every widget
lives here so that it is tested in-process (tests/app/test_dashboard.py) and in a real browser
(tests/e2e). One module per tab; `app` puts them together with the store and the recognizer.
"""

from handwriting.app.dashboard.app import App, build_app

__all__ = ["App", "build_app"]
