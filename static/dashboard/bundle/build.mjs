// Bundles graphql-ws's client for the /dashboard page: `node build.mjs <out-file>`.
// static/dashboard/assets/graphql-ws.js is this file's output, committed; the page's test
// rebuilds it from the pinned packages (package-lock.json) and compares.
import * as esbuild from "esbuild";

const [outfile] = process.argv.slice(2);
await esbuild.build({
  entryPoints: ["entry.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  banner: { js: "/* graphql-ws 6.4.2 (MIT, see graphql-ws.LICENSE), bundled by static/dashboard/bundle */" },
  outfile,
  logLevel: "warning",
});
