/**
 * 5. JupyterLab startup and notebook switch, extension enabled vs disabled.
 *
 * Config: {servers: {baseline: {base, token}, subject: {base, token}}, order: ['baseline',
 * 'subject', ...], notebooks: [a, b], switches}. Each server gets its own browser context
 * (warm HTTP cache after a first load, as a returning user has). Startup: navigation start to
 * `app.restored` (every plugin activated, layout restored), read from an init script that
 * hooks `window.jupyterapp` (the server sets `exposeAppInBrowser`). Notebook switch: a tab
 * click to the other notebook shown and painted (two animation frames), as Galata's
 * benchmark tests measure it. The eagerly loaded JavaScript of the extension is what the
 * browser fetched from its static folder during startup, gzip-compressed here.
 */
import { gzipSync } from 'node:zlib';

import {
  config,
  launch,
  log,
  newPage,
  uiRequire,
  writeResult
} from './lib.mjs';

// Galata's benchmark helpers: the change between two distributions, with its 95% interval.
const { benchmark } = uiRequire('@jupyterlab/galata/lib/benchmarkReporter');

const EXT_STATIC = '/lab/extensions/jupyterlab-continuum/static/';

const hook = () => {
  let app;
  Object.defineProperty(window, 'jupyterapp', {
    configurable: true,
    get: () => app,
    set: value => {
      app = value;
      window.__benchStarted = value.started.then(() => performance.now());
      window.__benchRestored = value.restored.then(() => performance.now());
    }
  });
};

async function startup(page, server) {
  const responses = [];
  const onResponse = response => responses.push(response);
  page.on('response', onResponse);
  await page.goto(`${server.base}/lab?reset&token=${server.token}`, {
    waitUntil: 'commit'
  });
  await page.waitForFunction(() => window.__benchRestored !== undefined, null, {
    timeout: 120000
  });
  const times = await page.evaluate(async () => ({
    started: await window.__benchStarted,
    restored: await window.__benchRestored
  }));
  page.off('response', onResponse);
  const scripts = { ours: [], all: [] };
  for (const response of responses) {
    const url = response.url().split('?')[0]; // chunks come with ?v=<hash>
    if (!url.endsWith('.js') || response.status() !== 200) {
      continue;
    }
    let body;
    try {
      body = await response.body();
    } catch {
      continue;
    }
    const entry = {
      url: url.replace(server.base, ''),
      bytes: body.length,
      gzip: gzipSync(body).length,
      reactFlow: body.includes('https://reactflow.dev'),
      // What the eager chunks hold, to name the cause when they are too big.
      axios: body.includes('AxiosHeaders'),
      reactFlowCss: body.includes('.react-flow__pane')
    };
    scripts.all.push(entry);
    if (url.includes(EXT_STATIC)) {
      scripts.ours.push(entry);
    }
  }
  return { ...times, scripts };
}

async function openNotebooks(page, server, notebooks) {
  await page.goto(`${server.base}/lab?reset&token=${server.token}`);
  await page.waitForFunction(() => window.__benchRestored !== undefined);
  await page.evaluate(() => window.__benchRestored);
  for (const path of notebooks) {
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', { path });
    }, path);
  }
  await page.waitForFunction(
    n =>
      document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length > 0 &&
      document.querySelectorAll('.jp-NotebookPanel').length >= n,
    notebooks.length
  );
  // Both rendered and idle before switching between them.
  await page.waitForTimeout(1500);
}

/** Click the tab of `path` (a real click); time until it is current and painted. */
async function switchTo(page, path) {
  const name = path.split('/').pop();
  const tab = page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
    hasText: name
  });
  const box = await tab.boundingBox();
  await page.evaluate(name => {
    const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
    const current = () =>
      document
        .querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current')
        ?.textContent.trim();
    const start = performance.now();
    window.__benchSwitch = (async () => {
      while (current() !== name) {
        await frame();
      }
      await frame();
      await frame();
      return performance.now() - start;
    })();
  }, name);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  return page.evaluate(() => window.__benchSwitch);
}

const browser = await launch();
try {
  const pages = {};
  for (const [role, server] of Object.entries(config.servers)) {
    pages[role] = await newPage(browser);
    await pages[role].addInitScript(hook);
    log(`startup: warm-up ${role}`);
    await startup(pages[role], server);
  }
  const result = {
    startup: { baseline: [], subject: [] },
    started: { baseline: [], subject: [] },
    scripts: {},
    switch: { baseline: [], subject: [] },
    browser: browser.version()
  };
  for (const role of config.order) {
    const sample = await startup(pages[role], config.servers[role]);
    result.startup[role].push(sample.restored);
    result.started[role].push(sample.started);
    result.scripts[role] = sample.scripts;
    log(`  startup ${role} ${sample.restored.toFixed(0)} ms`);
  }
  for (const [role, server] of Object.entries(config.servers)) {
    await openNotebooks(pages[role], server, config.notebooks);
  }
  // Each page shows the last notebook opened: switch to the other one, and back, in turns.
  const [a, b] = config.notebooks;
  const showing = { baseline: b, subject: b };
  for (let i = 0; i < config.switches; i++) {
    const roles = i % 2 ? ['subject', 'baseline'] : ['baseline', 'subject'];
    for (const role of roles) {
      showing[role] = showing[role] === a ? b : a;
      result.switch[role].push(await switchTo(pages[role], showing[role]));
    }
  }
  result.galata = {};
  for (const metric of ['startup', 'switch']) {
    const change = benchmark.distributionChange(
      result[metric].baseline,
      result[metric].subject,
      0.95,
      true
    );
    result.galata[metric] = { ...change, text: benchmark.formatChange(change) };
  }
  writeResult(result);
} finally {
  await browser.close();
}
