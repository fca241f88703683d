// Bundles page.js for the browser: `node build.mjs <out-folder>` writes bundle.js there.
import * as esbuild from "esbuild";

const [outdir] = process.argv.slice(2);
await esbuild.build({
  entryPoints: ["page.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  define: { "process.env.NODE_ENV": '"production"' },
  outfile: `${outdir}/bundle.js`,
  logLevel: "warning",
});
