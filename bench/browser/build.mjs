/**
 * Build the benchmark pages (production mode, minified) into bench/build/:
 * bare/ (the bare React Flow 12 page) and workflow/ (the workflow core in the browser).
 * Uses the Rspack that builds the extension (@rspack/core, via @jupyter/builder).
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(join(root, 'package.json'));
const { rspack } = require('@rspack/core');

const out = join(root, 'bench', 'build');
const pages = { bare: 'bare.tsx', workflow: 'workflow.ts' };

const config = {
  mode: 'production',
  context: root,
  entry: Object.fromEntries(
    Object.entries(pages).map(([name, file]) => [
      name,
      join(here, 'pages', file)
    ])
  ),
  output: { path: out, filename: '[name]/[name].js', clean: true },
  resolve: { extensions: ['.tsx', '.ts', '.js'] },
  resolveLoader: { modules: [join(root, 'node_modules')] },
  module: {
    rules: [
      {
        test: /\.tsx?$/,
        loader: 'builtin:swc-loader',
        options: {
          jsc: {
            parser: { syntax: 'typescript', tsx: true },
            transform: { react: { runtime: 'classic' } },
            target: 'es2019'
          }
        }
      },
      {
        test: /\.css$/,
        use: ['style-loader', 'css-loader'],
        type: 'javascript/auto'
      }
    ]
  },
  devtool: false,
  performance: { hints: false }
};

rspack(config, (error, stats) => {
  if (error || stats.hasErrors()) {
    console.error(
      error ?? stats.toString({ colors: false, all: false, errors: true })
    );
    process.exit(1);
  }
  for (const name of Object.keys(pages)) {
    mkdirSync(join(out, name), { recursive: true });
    writeFileSync(
      join(out, name, 'index.html'),
      `<!doctype html>\n<html><head><meta charset="utf-8"><title>${name}</title></head>` +
        `<body><div id="flow"></div><script src="${name}.js"></script></body></html>\n`
    );
  }
  console.log(`built ${Object.keys(pages).join(', ')} into ${out}`);
});
