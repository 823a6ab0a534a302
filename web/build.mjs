// Bundles the dashboard into OUT_DIR (default web/dist): esbuild turns src/main.tsx and its CSS
// into content-hashed files, index.html names them, and every file gets a precompressed .gz
// twin. Usage: node build.mjs [OUT_DIR]. Runs offline (esbuild from node_modules).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, 'dist'));
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src/main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error('esbuild produced no .js or no .css');

const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%JS%', `/assets/${js}`)
  .replace('%CSS%', `/assets/${css}`);
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, 'favicon.svg'), readFileSync(join(here, 'favicon.svg')));

for (const dir of [out, join(out, 'assets')]) {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (!f.isFile() || f.name.endsWith('.gz')) continue;
    const p = join(dir, f.name);
    writeFileSync(p + '.gz', gzipSync(readFileSync(p), { level: constants.Z_BEST_COMPRESSION }));
  }
}
