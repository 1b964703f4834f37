/**
 * What the browser benchmarks share: Chromium through playwright-core (the one Galata's tests
 * install in ui-tests/), their config and result files, frame times and heap measurements.
 *
 * Each script is run by a Python benchmark as `node bench/browser/<script> CONFIG.json OUT.json`.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const uiRequire = createRequire(join(root, 'ui-tests', 'package.json'));
const { chromium } = uiRequire('playwright-core');
const launchOptions = uiRequire('./chromium.js');

export const config = JSON.parse(readFileSync(process.argv[2], 'utf-8'));

export function writeResult(result) {
  writeFileSync(process.argv[3], JSON.stringify(result));
}

export function pageUrl(name) {
  return pathToFileURL(join(root, 'bench', 'build', name, 'index.html')).href;
}

/** Chromium as the UI tests run it (ui-tests/chromium.js), one window size for all. */
export async function launch(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: launchOptions.executablePath,
    headless: true,
    // Frames keep coming while the page is measured, and the heap can be collected.
    args: [
      ...launchOptions.args,
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--js-flags=--expose-gc',
      ...extraArgs
    ]
  });
  return browser;
}

export const VIEWPORT = { width: 1600, height: 1000 };

export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, ...options });
  const page = await context.newPage();
  page.on('crash', () => log(`page crashed: ${page.url()}`));
  page.on('pageerror', error => log(`page error: ${error.message}`));
  return page;
}

/**
 * Define `window.__watchBadges(onBadge)` in the page: it calls `onBadge(element)` for every
 * status badge (`data-continuum-status`) that appears or changes, and returns its observer.
 */
export async function defineBadgeWatch(page) {
  await page.evaluate(() => {
    window.__watchBadges = onBadge => {
      const observer = new MutationObserver(mutations => {
        for (const m of mutations) {
          if (m.type === 'attributes') {
            onBadge(m.target);
            continue;
          }
          for (const added of m.addedNodes) {
            if (added.nodeType === 1) {
              if (added.hasAttribute('data-continuum-status')) {
                onBadge(added);
              }
              added
                .querySelectorAll('[data-continuum-status]')
                .forEach(onBadge);
            }
          }
        }
      });
      observer.observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-continuum-status']
      });
      return observer;
    };
  });
}

/** Start recording the time between animation frames. */
export async function startFrames(page) {
  await page.evaluate(() => {
    const state = { frames: [], last: 0, on: true };
    window.__benchFrames = state;
    const tick = now => {
      if (state.last) {
        state.frames.push(now - state.last);
      }
      state.last = now;
      if (state.on) {
        requestAnimationFrame(tick);
      }
    };
    requestAnimationFrame(tick);
  });
}

/** Stop recording; the frame times (ms) since startFrames. */
export async function stopFrames(page) {
  return page.evaluate(() => {
    window.__benchFrames.on = false;
    return window.__benchFrames.frames;
  });
}

/** JS heap in use after a full garbage collection (bytes). */
export async function heapUsed(page) {
  const cdp = await page.context().newCDPSession(page);
  for (let i = 0; i < 2; i++) {
    await cdp.send('HeapProfiler.collectGarbage');
  }
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

export function percentile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) {
    return NaN;
  }
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const started = Date.now();

export function log(message) {
  const at = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${at} s] ${message}\n`);
}

/**
 * Run `fn` under the V8 sampling profiler; the functions with the most self time, as
 * `[share, "name file:line:column"]` (the file is the bundle's chunk: which module it is).
 */
export async function profiled(page, fn, top = 25) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const value = await fn();
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  const time = new Map();
  profile.samples.forEach((id, i) => {
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const self = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const file = f.url.split('/').pop().split('?')[0];
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber}:${f.columnNumber}`;
    const t = time.get(node.id) ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  }
  const ranked = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, t]) => [Number((t / total).toFixed(3)), key]);
  const files = new Map();
  for (const [key, t] of self) {
    const file = key.split(' ').pop().split(':')[0] || '(native)';
    files.set(file, (files.get(file) ?? 0) + t);
  }
  const byFile = [...files.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([file, t]) => [Number((t / total).toFixed(3)), file]);
  return { value, ranked, byFile };
}

const METRICS = [
  'TaskDuration',
  'ScriptDuration',
  'RecalcStyleDuration',
  'LayoutDuration'
];

/** Main-thread seconds spent in `fn`: all tasks, and scripts, style and layout within. */
export async function mainThread(page, fn) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () =>
    Object.fromEntries(
      (await cdp.send('Performance.getMetrics')).metrics
        .filter(m => METRICS.includes(m.name))
        .map(m => [m.name, m.value])
    );
  const before = await read();
  const value = await fn();
  const after = await read();
  await cdp.detach();
  const spent = Object.fromEntries(
    METRICS.map(name => [name, after[name] - before[name]])
  );
  spent.Other =
    spent.TaskDuration -
    spent.ScriptDuration -
    spent.RecalcStyleDuration -
    spent.LayoutDuration;
  return { value, spent };
}
