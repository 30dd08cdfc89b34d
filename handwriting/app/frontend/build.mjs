// Builds the page's front end (src/) into the page template's static folder: page.js, page.css and
// page.licences.txt (every bundled package, its licence and its licence's text). page.js and
// page.css start with the SHA-256 of what they were built from, so a test tells a stale build
// without Node (tests/app/test_frontend.py). Run: npm ci && node build.mjs
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../../../etc/jupyter/voila/templates/handwriting/static");

// The same hash as tests/app/test_frontend.py: each file's path and bytes, in this order.
function sourcesHash() {
  const hash = createHash("sha256");
  const files = ["package-lock.json", ...readdirSync(join(here, "src")).sort().map((f) => `src/${f}`)];
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(join(here, file)));
  return hash.digest("hex");
}

// The packages whose code is in the bundle: the folder under node_modules of each input file.
function licences(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  return [...packages].sort().map((name) => {
    const folder = join(here, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    const file = readdirSync(folder).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file && existsSync(join(folder, file)) ? readFileSync(join(folder, file), "utf8").trim() : "(no licence file in the package)";
    return `${name} ${meta.version}: ${meta.license}\n\n${text}\n`;
  }).join(`\n${"-".repeat(72)}\n\n`);
}

const header = `/* handwriting's page front end, built by handwriting/app/frontend/build.mjs from sources ${sourcesHash()}; the bundled packages and their licences: page.licences.txt */`;
const result = await esbuild.build({
  entryPoints: { page: join(here, "src/page.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outdir: out,
  legalComments: "none",  // page.licences.txt has every package's whole licence instead
  banner: { js: header, css: header },
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl" },
  metafile: true,
  logLevel: "warning",
});
writeFileSync(join(out, "page.licences.txt"), licences(result.metafile));
console.log(`built ${out}: page.js, page.css, page.licences.txt`);
