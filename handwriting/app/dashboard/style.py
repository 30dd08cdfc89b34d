"""The dashboard's one small stylesheet, shipped inside the app (an HTML widget holding a <style>),
so it looks the same in Voila and in JupyterLab and needs nothing from the network.

Every class starts with `hw-`; tests select elements by the same classes.
"""

CSS = """
.hw-app { --hw-accent: #2f6fde; --hw-accent-soft: #a9c1ee; --hw-ink: #1f2328; --hw-muted: #5f6b76;
  --hw-line: #d6dae0; --hw-panel: #f6f8fa; --hw-warn-bg: #fff4d6; --hw-warn: #7a5600;
  --hw-err-bg: #fdecec; --hw-err: #a4161a; --hw-ok-bg: #e6f4ea; --hw-ok: #1e6b34;
  max-width: 1120px; margin: 0 auto; padding: 12px 16px 32px; color: var(--hw-ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 14px; }
.hw-app .widget-html-content, .hw-app .widget-label { font-family: inherit; font-size: 14px; line-height: 1.4; }
.hw-header { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin: 4px 0 10px; }
.hw-title { font-size: 22px; font-weight: 650; margin: 0; }
.hw-subtitle { color: var(--hw-muted); }
.hw-app .lm-TabBar-tab, .hw-app .p-TabBar-tab { font-size: 14px; min-width: 96px; text-align: center; }
.hw-tab { padding: 14px 4px 8px; gap: 18px; }
.hw-draw { flex-wrap: wrap; align-items: flex-start; }
.hw-pad-column { gap: 8px; flex: 0 0 300px; width: 300px; }
.hw-result-column { flex: 1 1 420px; min-width: 300px; }
.hw-controls { gap: 8px; align-items: center; flex-wrap: wrap; }
.hw-pad { border: 1px solid var(--hw-line); border-radius: 8px; background: #fff; touch-action: none;
  cursor: crosshair; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.hw-word-canvas { width: 100% !important; max-width: 840px; height: auto !important; box-sizing: border-box; }
.hw-app .jupyter-button { border-radius: 6px; background: var(--hw-panel); border: 1px solid var(--hw-line);
  color: var(--hw-ink); font-size: 14px; padding: 0 14px; }
.hw-app .jupyter-button:hover:enabled { background: #eaeef2; box-shadow: none; }
.hw-app .jupyter-button.hw-export, .hw-app .jupyter-button.mod-primary { background: var(--hw-accent); color: #fff;
  border-color: var(--hw-accent); }
/* FileUpload writes "description (count)" into its button; the count reads as "(0)" once the app
   has taken the files, so the label comes from here instead. */
.hw-app .widget-upload.hw-upload, .hw-app .widget-upload.hw-word-upload { font-size: 0; }
.hw-app .widget-upload.hw-upload::before { content: "Choose pictures..."; font-size: 14px; }
.hw-app .widget-upload.hw-word-upload::before { content: "Read a picture of a word..."; font-size: 14px; }
.hw-app .jupyter-button.widget-upload, .hw-app .jupyter-button.widget-upload:focus,
.hw-app .jupyter-button.widget-upload:active { background: var(--hw-accent); color: #fff;
  border-color: var(--hw-accent); width: auto; padding: 0 16px; }
.hw-app .hw-controls .jupyter-button { width: auto; min-width: 76px; }
.hw-app .jupyter-button.hw-confirm { background: var(--hw-err); color: #fff; border-color: var(--hw-err); }
.hw-button { display: inline-block; height: 28px; line-height: 26px; padding: 0 14px; border-radius: 6px;
  border: 1px solid var(--hw-accent); background: var(--hw-accent); color: #fff !important;
  text-decoration: none; font-size: 14px; user-select: none; }
.hw-button:hover { filter: brightness(1.08); }
.hw-button.hw-disabled { background: var(--hw-panel); color: #9aa3ab !important; border-color: var(--hw-line);
  cursor: default; filter: none; }
.hw-note { color: var(--hw-muted); }
.hw-muted { color: var(--hw-muted); font-size: 12.5px; }
.hw-error, .hw-error-text { color: var(--hw-err); }
.hw-error { background: var(--hw-err-bg); border-radius: 6px; padding: 8px 12px; }
.hw-result { display: flex; flex-direction: column; gap: 12px; padding: 14px 18px; background: var(--hw-panel);
  border: 1px solid var(--hw-line); border-radius: 10px; min-height: 250px; box-sizing: border-box; }
.hw-result-head { display: flex; align-items: center; gap: 18px; flex-wrap: wrap; }  /* a phone: the reading, then the rest */
.hw-result-body { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
.hw-letter { font-size: 88px; line-height: 1; font-weight: 700; min-width: 64px; text-align: center; }
.hw-letter-small { font-size: 48px; min-width: 40px; }
.hw-confidence { font-size: 20px; font-weight: 600; }
.hw-result-side { display: flex; flex-direction: column; gap: 6px; align-items: flex-start; }
.hw-badge { font-size: 12px; border-radius: 999px; padding: 2px 10px; font-weight: 600; }
.hw-uncertain { background: var(--hw-warn-bg); color: var(--hw-warn); }
.hw-sure { background: var(--hw-ok-bg); color: var(--hw-ok); }
.hw-bars { display: flex; flex-direction: column; gap: 5px; min-width: 220px; }
.hw-result-body .hw-bars { flex: 1 1 220px; }
.hw-bar-row { display: grid; grid-template-columns: 22px 1fr 54px; gap: 8px; align-items: center; }
.hw-bar-letter { font-weight: 650; text-align: center; }
.hw-bar-track { background: #e4e8ec; border-radius: 4px; height: 14px; overflow: hidden; }
.hw-bar { display: block; height: 100%; background: var(--hw-accent-soft); border-radius: 4px; }
.hw-bar.hw-top { background: var(--hw-accent); }
.hw-bar-value { text-align: right; font-variant-numeric: tabular-nums; color: var(--hw-muted); font-size: 12.5px; }
.hw-figure { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 4px; }
.hw-figure figcaption { color: var(--hw-muted); font-size: 12px; }
.hw-model-view { image-rendering: pixelated; image-rendering: crisp-edges; background: #000;
  border: 1px solid #444; border-radius: 4px; }
.hw-empty { background: #000; opacity: .15; }
.hw-card { display: flex; gap: 18px; align-items: center; padding: 12px 14px; border: 1px solid var(--hw-line);
  border-radius: 10px; background: #fff; flex-wrap: wrap; }
.hw-card-box { margin-bottom: 10px; }
.hw-card-images { display: flex; gap: 14px; align-items: center; }
.hw-card-result { display: flex; flex-direction: column; gap: 8px; min-width: 240px; flex: 1; }
.hw-card-name { font-weight: 600; overflow-wrap: anywhere; }
.hw-card-error { background: var(--hw-err-bg); border-color: #f3c4c4; flex-direction: column;
  align-items: flex-start; gap: 2px; }
.hw-thumb { max-width: 160px; max-height: 160px; border-radius: 4px; border: 1px solid var(--hw-line);
  background: #fff; }
.hw-thumb-input { max-width: 120px; max-height: 56px; }
.hw-history-pictures-word .hw-thumb-input { max-width: 190px; }
.hw-upload-results { margin-top: 6px; }
.hw-word-box { display: flex; flex-direction: column; gap: 12px; padding: 14px 18px; background: var(--hw-panel);
  border: 1px solid var(--hw-line); border-radius: 10px; }
.hw-result-empty:empty { display: none; }
.hw-word-read { font-size: 40px; font-weight: 700; letter-spacing: 2px; }
.hw-word-raw { color: var(--hw-muted); }
.hw-word-alts { display: flex; flex-direction: column; gap: 4px; max-width: 560px; }
.hw-word-alts .hw-bar-row { grid-template-columns: minmax(120px, 190px) 1fr 64px; }
.hw-word-alts .hw-bar-letter { text-align: left; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hw-word-boxes { max-width: 100%; border: 1px solid var(--hw-line); border-radius: 6px; background: #fff; }
.hw-boxes { align-items: flex-start; }
.hw-strip-view { max-width: 100%; height: auto; }
.hw-letter-cells { display: flex; gap: 10px; flex-wrap: wrap; }
.hw-letter-cell { display: flex; flex-direction: column; align-items: center; gap: 3px; padding: 6px 8px;
  background: #fff; border: 1px solid var(--hw-line); border-radius: 8px; min-width: 60px; }
.hw-cell-uncertain { border-color: #e8c66a; background: var(--hw-warn-bg); }
.hw-cell-index { font-size: 11px; color: #d9480f; font-weight: 700; }
.hw-cell-letter { font-size: 22px; font-weight: 700; }
.hw-history-rows { border-top: 1px solid var(--hw-line); }
.hw-history-row { align-items: center; gap: 16px; padding: 8px 4px; border-bottom: 1px solid var(--hw-line); }
.hw-history-row:hover { background: #fafbfc; }
.hw-history-line { display: flex; gap: 16px; align-items: center; }
.hw-history-pictures { display: flex; gap: 8px; align-items: center; width: 190px; flex: none; }
.hw-history-pictures-word { flex-direction: column; align-items: flex-start; gap: 4px; }
.hw-history-pictures img { max-width: 190px; object-fit: contain; }
.hw-history-info { min-width: 280px; }
.hw-history-info > span { margin-right: 10px; vertical-align: middle; }
.hw-history-letter { font-size: 26px; font-weight: 700; }
.hw-source { font-size: 12px; text-transform: uppercase; letter-spacing: .5px; padding: 2px 8px;
  border-radius: 999px; background: #eef1f4; color: var(--hw-muted); }
.hw-source-draw { background: #e7efff; color: #24509e; }
.hw-source-upload { background: #f1e9fb; color: #5b2d91; }
.hw-source-word { background: #e6f4ea; color: #1e6b34; }
.hw-visitor { font: 12px ui-monospace, monospace; padding: 2px 6px; border-radius: 4px;
  background: #fff4e0; color: #8a5300; }
.hw-view .hw-h3 { margin-bottom: 2px; }
.hw-name { max-width: 320px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hw-history-fix { gap: 2px; }
.hw-saved { color: var(--hw-ok); font-size: 12.5px; font-weight: 600; margin-left: 6px; }
.hw-export-box { margin-top: 18px; padding: 12px 16px; background: var(--hw-panel); border: 1px solid var(--hw-line);
  border-radius: 10px; gap: 8px; }
.hw-h3 { font-size: 15px; font-weight: 650; margin: 14px 0 6px; }
.hw-export-box .hw-h3 { margin-top: 0; }
.hw-table { border-collapse: collapse; margin: 4px 0 8px; min-width: 360px; }
.hw-table th, .hw-table td { border-bottom: 1px solid var(--hw-line); padding: 5px 12px 5px 0; text-align: left;
  vertical-align: top; }
.hw-table th { color: var(--hw-muted); font-weight: 600; }
.hw-kv th { width: 180px; }
.hw-num { text-align: right !important; font-variant-numeric: tabular-nums; }
.hw-card-page { max-width: 860px; }
.hw-details summary { cursor: pointer; color: var(--hw-accent); margin: 10px 0 4px; }
.hw-status:empty { display: none; }
.hw-fatal { max-width: 760px; margin: 40px auto; }
@media (max-width: 640px) {
  .hw-app { padding: 6px 6px 24px; }
  .hw-letter { font-size: 64px; }
  .hw-history-row { flex-wrap: wrap; }
}
"""


def stylesheet_html() -> str:
    return f"<style>{CSS}</style>"
