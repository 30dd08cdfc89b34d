// anywidget's two classes, for the page's widget manager (page.js): a widget whose front end is an
// ES module sent by its kernel (`_esm`: the pad, handwriting/app/dashboard/pad.js).
//
// anywidget's own front end is 280 KB of JavaScript in two more files; the pad needs only this:
// import the module, call its `initialize` once per model and its `render` once per view, and the
// function `render` returns when the view goes.

import { DOMWidgetModel, DOMWidgetView } from "@jupyter-widgets/base";

async function importModule(source) {
  // `_esm` is the module's text (or, in anywidget's development mode, its address).
  if (/^https?:\/\//.test(source)) return import(source);
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export class AnyModel extends DOMWidgetModel {
  initialize(attributes, options) {
    super.initialize(attributes, options);
    this.widget = importModule(this.get("_esm")).then(async (module) => {
      const widget = typeof module.default === "function" ? await module.default() : module.default;
      if (widget.initialize) await widget.initialize({ model: this });
      return widget;
    });
  }
}

export class AnyView extends DOMWidgetView {
  async render() {
    const widget = await this.model.widget;
    if (widget.render) this.cleanup = await widget.render({ model: this.model, el: this.el });
  }

  remove() {
    if (typeof this.cleanup === "function") this.cleanup();
    return super.remove();
  }
}
