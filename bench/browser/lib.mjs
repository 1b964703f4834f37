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

export const config = JSON.parse(readFileSync(process.argv[2], 'utf-8'));

export function writeResult(result) {
  writeFileSync(process.argv[3], JSON.stringify(result));
}

export function pageUrl(name) {
  return pathToFileURL(join(root, 'bench', 'build', name, 'index.html')).href;
}

/** Chromium as the UI tests run it (Debian's, headless, no GPU), one window size for all. */
export async function launch(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
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
  for (let i = 0; i < 3; i++) {
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

export function log(message) {
  process.stderr.write(`${message}\n`);
}
