"""The Model tab: the model card - what the model was trained on, how well it reads writers it
never saw, its version - read from the JSON card beside the model, without loading it;
and the word model's card when there is one.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from handwriting.app.dashboard.common import esc, note_html


def _pct(value) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, (int, float)) else esc(value)


def card_html(card: dict, model_path: Path | None = None, database: str | None = None) -> str:
    """The card as HTML: summary, data sources with licences, measured accuracies, parameters.
    `database`: where predictions are stored, as shown (a file name, or a URL with no password)."""
    rows = [("Version", card.get("version", "?")), ("Created", card.get("created", "?")),
            ("Model file", model_path.name if model_path else card.get("model_file", "?")),
            ("Uncertain below", _pct(card.get("uncertainty_threshold", "?")))]
    if database is not None:
        rows.append(("Predictions stored in", database))
    summary = "".join(f"<tr><th>{esc(k)}</th><td>{v if k == 'Uncertain below' else esc(v)}</td></tr>"
                      for k, v in rows)
    data = "".join(f"<tr><td>{esc(d.get('name', '?'))}</td><td class='hw-num'>{esc(d.get('count', ''))}</td>"
                   f"<td>{esc(d.get('licence', ''))}</td></tr>" for d in card.get("data", []))
    metrics = []
    for name, m in (card.get("metrics") or {}).items():
        if isinstance(m, dict) and "accuracy" in m:
            top3 = m.get("top3_accuracy")
            metrics.append(f"<tr><td>{esc(name)}</td><td class='hw-num'>{esc(m.get('count', ''))}</td>"
                           f"<td class='hw-num'>{_pct(m['accuracy'])}</td>"
                           f"<td class='hw-num'>{_pct(top3) if top3 is not None else ''}</td></tr>")
    params = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>"
                     for k, v in (card.get("params") or {}).items())
    notes = "".join(f"<li>{esc(n)}</li>" for n in card.get("notes", []) or [])
    parts = [f'<div class="hw-card-page" data-version="{esc(card.get("version", ""))}">',
             '<h3 class="hw-h3">Model</h3>', f'<table class="hw-table hw-kv">{summary}</table>',
             '<h3 class="hw-h3">Trained on</h3>']
    parts.append(f'<table class="hw-table"><tr><th>source</th><th>images</th><th>licence</th></tr>{data}</table>'
                 if data else note_html("The card names no training data."))
    parts.append('<h3 class="hw-h3">Measured accuracy</h3>')
    parts.append('<table class="hw-table"><tr><th>test set</th><th>images</th><th>top-1</th><th>top-3</th></tr>'
                 f'{"".join(metrics)}</table>' if metrics else note_html("The card records no measurements."))
    if notes:
        parts.append(f'<h3 class="hw-h3">Notes</h3><ul class="hw-notes">{notes}</ul>')
    if params:
        parts.append(f'<details class="hw-details"><summary>Training parameters</summary>'
                     f'<table class="hw-table hw-kv">{params}</table></details>')
    parts.append("</div>")
    return "".join(parts)


WORD_MODEL = ("Word model", "Reads a whole line of a picture without cutting it into letters; the Word tab weighs its "
              "readings against the letter model's cuts.")
PEN_MODEL = ("Pen model", "Reads a word drawn on the Word pad from the pen's path, in the order it was written.")


def word_card_html(card: dict, model_path: Path | None = None, about: tuple[str, str] = WORD_MODEL) -> str:
    """A word model's card as HTML (`about`: its title and what it does): what it is, what it learned
    from, how many words it reads."""
    rows = [("Version", card.get("version", "?")), ("Model file", model_path.name if model_path else card.get("model_file", "?")),
            ("Reads", card.get("task", "?"))]
    summary = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    data = "".join(f"<tr><td>{esc(d.get('name', '?'))}</td><td class='hw-num'>{esc(d.get('count', ''))}</td>"
                   f"<td>{esc(d.get('licence', ''))}</td></tr>" for d in card.get("data", []))
    metrics = "".join(f"<tr><td>{esc(name)}</td><td class='hw-num'>{esc(m.get('count', ''))}</td>"
                      f"<td class='hw-num'>{_pct(m['accuracy'])}</td></tr>"
                      for name, m in (card.get("metrics") or {}).items() if isinstance(m, dict) and "accuracy" in m)
    parts = [f'<div class="hw-card-page hw-word-card" data-version="{esc(card.get("version", ""))}">',
             f'<h3 class="hw-h3">{esc(about[0])}</h3>',
             note_html(about[1]),
             f'<table class="hw-table hw-kv">{summary}</table>']
    if data:
        parts.append('<h3 class="hw-h3">It learnt from</h3>'
                     f'<table class="hw-table"><tr><th>source</th><th>letters or words</th><th>licence</th></tr>{data}</table>')
    if metrics:
        parts.append('<h3 class="hw-h3">Words it reads exactly, alone</h3>'
                     f'<table class="hw-table"><tr><th>test set</th><th>words</th><th>exact</th></tr>{metrics}</table>')
    parts.append("</div>")
    return "".join(parts)


class ModelTab:
    def __init__(self, card: dict, model_path: Path | None = None, database: str | None = None,
                 word_card: dict | None = None, word_model_path: Path | None = None,
                 pen_card: dict | None = None, pen_model_path: Path | None = None):
        html = card_html(card, model_path, database)
        if word_card:
            html += word_card_html(word_card, word_model_path)
        if pen_card:
            html += word_card_html(pen_card, pen_model_path, PEN_MODEL)
        self.widget = widgets.HTML(html)
        self.widget.add_class("hw-tab")
        self.widget.add_class("hw-model")
