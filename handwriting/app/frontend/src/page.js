// The dashboard page's front end: it connects to the page's kernel and shows its widgets.
//
// Voila's own front end is JupyterLab's application shell: 5 MB of JavaScript in 97 files, about 2
// CPU-seconds of a browser per page before its pad works. For one page that is nothing; for a class
// whose pages open together on one machine it was most of the wait (docs/serving.md). This is the
// part of it the dashboard uses: the kernel's websocket (@jupyterlab/services, which reconnects a
// dropped socket), the widget manager and the widgets the app is made of (@jupyter-widgets/base and
// controls), and anywidget's pad (anywidget.js): 1 MB in one file.
//
// Built into etc/jupyter/voila/templates/handwriting/static/ by build.mjs; the page template
// (index.html.j2) loads it instead of Voila's.

import * as base from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import * as controls from "@jupyter-widgets/controls";
import { KernelConnection } from "@jupyterlab/services/lib/kernel/default";
import { ServerConnection } from "@jupyterlab/services/lib/serverconnection";
import { MessageLoop } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import "@jupyter-widgets/controls/css/widgets.css";

import * as anywidget from "./anywidget.js";

const MODULES = {
  "@jupyter-widgets/base": base,
  "@jupyter-widgets/controls": controls,
  anywidget,
};
const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";

class PageManager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    // Widgets the kernel makes later (a History row, a result card) arrive as comms it opens.
    kernel.registerCommTarget(this.comm_target_name, (comm, message) =>
      this.handle_comm_open(new base.shims.services.Comm(comm), message));
  }

  async loadClass(className, moduleName, moduleVersion) {
    const found = MODULES[moduleName]?.[className];
    if (!found) throw new Error(`${className} of ${moduleName} ${moduleVersion}: not a widget this page has`);
    return found;
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }

  // Every widget the kernel already has, in one round trip (ipywidgets' jupyter.widget.control).
  restore() {
    return this._loadFromKernel();
  }
}

// An output of the notebook's cell, put where Voila's template left it.
async function show(manager, script) {
  const output = JSON.parse(script.textContent);
  const host = document.createElement("div");
  host.className = "jp-OutputArea-output";
  script.replaceWith(host);
  const data = output.data || {};
  const view = data[WIDGET_VIEW];
  if (view) {
    if (!manager.has_model(view.model_id)) throw new Error("its kernel no longer has its widgets");
    const widget = await manager.create_view(await manager.get_model(view.model_id));
    Widget.attach(widget.luminoWidget, host);
    // Lumino's widgets (the tabs) lay themselves out again when told the window changed size.
    window.addEventListener("resize", () => MessageLoop.sendMessage(widget.luminoWidget, Widget.ResizeMessage.UnknownSize));
  } else if (data["text/html"]) {
    host.innerHTML = data["text/html"];  // the app's own notebook: its outputs are trusted
  } else {
    const pre = document.createElement("pre");
    pre.textContent = data["text/plain"] ?? output.text ?? "";
    host.appendChild(pre);
  }
}

// A page that cannot reach its kernel says so, rather than spinning for ever.
function showFailure(error) {
  console.error(error);
  const text = document.getElementById("loading_text");
  if (text) text.textContent = `This page could not start: ${error.message || error}. Reload the page to try again.`;
}

function showCells() {
  document.getElementById("loading")?.remove();
  const cells = document.getElementById("rendered_cells");
  if (cells) cells.style.display = "";
}

async function main() {
  const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  const baseUrl = new URL(config.baseUrl, window.location.href).href;
  const serverSettings = ServerConnection.makeSettings({ baseUrl, wsUrl: baseUrl.replace(/^http/, "ws") });
  const kernel = new KernelConnection({ model: { id: config.kernelId, name: "python3" }, serverSettings });
  // A closing tab says goodbye, and its kernel is freed now rather than when culled (kernels.py).
  window.addEventListener("beforeunload", () => {
    navigator.sendBeacon(`${baseUrl}voila/api/shutdown/${config.kernelId}`);
  });
  const manager = new PageManager(kernel);
  await manager.restore();
  for (const script of document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]')) {
    await show(manager, script);
  }
  showCells();
}

// The cells show once their widgets do (Voila's own voila_finish() waits for a theme this page
// does not load).
const start = () => main().catch(showFailure);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
