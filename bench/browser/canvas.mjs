/**
 * 4. The canvas under load (and 8's browser heap): the extension's canvas in JupyterLab
 * against the bare React Flow 12 page (pages/bare.tsx) rendering the same graph in a flow of
 * the same size.
 *
 * Config: {base, token, reps, sizes: [{nodes, path, graph, heap, status?}], status: {rate,
 * seconds, runs: {subject, baseline}}}. For each size: open the notebook (up to 60 s for
 * JupyterLab to render its cells), then its canvas (heap before and after, after a full GC); open the bare page (heap before and after its
 * render). Then, alternating the two pages (ABBA per repetition), at fit-to-view and at 100%
 * zoom: drag a node, pan the view, recording the time between animation frames while the
 * mouse moves.
 *
 * Status (sizes with `status`): badges following a notebook's live run. A synthetic running
 * run of the notebook's nodes exists before the notebook opens, so the canvas follows it; the benchmark extension then publishes
 * node events at `rate`/s while a node is dragged. Recorded: frame times, each event's time to
 * its badge (MutationObserver), and whether every node's badge ends on its last event.
 *
 * On the subject page, each measurement also counts the notebook cells JupyterLab rendered
 * meanwhile. BENCH_CANVAS_PROFILE=drag or =status logs V8 profiles of those phases.
 */
import {
  config,
  defineBadgeWatch,
  heapUsed,
  launch,
  log,
  newPage,
  mainThread,
  pageUrl,
  percentile,
  profiled,
  startFrames,
  stopFrames,
  writeResult
} from './lib.mjs';

const STEPS = 40; // mouse moves each way: a drag is up to STEPS moves there, as many back
const MIN_STEPS = 4;
const GESTURE_MS = 2000;
const RENDER_WAIT_MS = 60000;
const STEP_PX = 4;

const flowSelector = {
  subject: '.jp-Continuum-canvas .react-flow',
  baseline: '#flow .react-flow'
};

async function openLab(page, size) {
  const url = `${config.base}/lab/tree/${size.path}?reset&token=${config.token}`;
  await page.goto(url);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: 180000
  });
  await page.evaluate(() => window.jupyterapp.restored);
  await page.waitForSelector('.jp-NotebookPanel .jp-Cell', { timeout: 180000 });
  // JupyterLab renders a long notebook's cells a few at a time: when the page is idle, and at
  // least every 3 s however busy it is; each new cell's editor costs a style pass over the
  // whole page. Measured meanwhile, frames carry that work, so the driver waits for it, up
  // to RENDER_WAIT_MS (5,000 cells take longer), and counts the cells rendered during each
  // measurement.
  const start = Date.now();
  while (Date.now() - start < RENDER_WAIT_MS) {
    const left = await placeholders(page, size.path);
    if (left === 0) {
      break;
    }
    await page.waitForTimeout(1000);
  }
  const left = await placeholders(page, size.path);
  log(
    `  notebook: ${left} of ${size.nodes} cells still to render after ${((Date.now() - start) / 1000).toFixed(0)} s`
  );
  return left;
}

/** Cells of the notebook at `path` that JupyterLab has not rendered yet (null: not open). */
async function placeholders(page, path) {
  return page.evaluate(path => {
    const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(
      widget => widget.context?.path === path
    );
    // Before its content loads, a notebook shows one empty cell of its own.
    if (!panel?.context.isReady) {
      return null;
    }
    return panel.content.widgets.filter(cell => cell.isPlaceholder()).length;
  }, path);
}

/** `fn`'s value and, on the subject page, how many cells JupyterLab rendered meanwhile. */
async function counting(page, role, path, fn) {
  if (role !== 'subject') {
    return { value: await fn(), rendered: null };
  }
  const before = await placeholders(page, path);
  const value = await fn();
  return { value, rendered: before - (await placeholders(page, path)) };
}

async function openCanvas(page, size) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('continuum:open-canvas');
  });
  await page.waitForSelector(`${flowSelector.subject} .react-flow__node`, {
    timeout: 180000
  });
  await settle(page, flowSelector.subject);
}

async function openBare(page, size, flow, follow, variant) {
  await page.goto(pageUrl('bare'));
  const before = size.heap ? await heapUsed(page) : null;
  await page.evaluate(
    ({ graph, flow, follow, variant }) =>
      window.bareFlow.render(graph, flow, follow, variant),
    { graph: size.graph, flow, follow, variant }
  );
  await page.waitForSelector(`${flowSelector.baseline} .react-flow__node`, {
    timeout: 120000
  });
  await settle(page, flowSelector.baseline);
  return before;
}

/** Until the flow has rendered its nodes and a few frames pass quietly. */
async function settle(page, selector) {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const count = await page.evaluate(
      s => document.querySelectorAll(`${s} .react-flow__node`).length,
      selector
    );
    if (count === last && count > 0) {
      break;
    }
    last = count;
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(1000);
}

async function flowBox(page, role) {
  return page.locator(flowSelector[role]).first().boundingBox();
}

async function zoomOf(page, role) {
  return page.evaluate(s => {
    const viewport = document.querySelector(`${s} .react-flow__viewport`);
    return new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a;
  }, flowSelector[role]);
}

/** Fit the view (React Flow's own control), or zoom to 100% around the flow's centre. */
async function setZoom(page, role, zoom) {
  const s = flowSelector[role];
  await page.locator(`${s} .react-flow__controls-fitview`).click();
  await page.waitForTimeout(300);
  if (zoom === 'fit') {
    return zoomOf(page, role);
  }
  const box = await flowBox(page, role);
  // React Flow zooms by 2^(-deltaY * 0.002) per wheel event (deltaMode 0).
  for (let i = 0; i < 3; i++) {
    const k = await zoomOf(page, role);
    if (Math.abs(k - 1) < 0.01) {
      break;
    }
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, Math.log2(k) / 0.002);
    await page.waitForTimeout(400);
  }
  return zoomOf(page, role);
}

/**
 * A point to press: the centre of the node nearest the flow's centre, or empty pane near it.
 * Candidates come from the nodes' boxes (one layout); hit tests, costly on a page of 5,000
 * nodes, only confirm the nearest few.
 */
async function target(page, role, what) {
  const box = await flowBox(page, role);
  return page.evaluate(
    ({ s, box, what }) => {
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const inside = (x, y) =>
        x > box.x + 40 &&
        x < box.x + box.width - 40 &&
        y > box.y + 40 &&
        y < box.y + box.height - 160; // clear of the controls and the minimap
      const rects = Array.from(
        document.querySelectorAll(`${s} .react-flow__node`),
        node => [node, node.getBoundingClientRect()]
      );
      const near = (points, count) =>
        points
          .filter(p => inside(p.x, p.y))
          .sort(
            (a, b) =>
              (a.x - cx) ** 2 +
              (a.y - cy) ** 2 -
              ((b.x - cx) ** 2 + (b.y - cy) ** 2)
          )
          .slice(0, count);
      if (what === 'node') {
        const centres = rects.map(([node, r]) => ({
          node,
          x: r.x + r.width / 2,
          y: r.y + r.height / 2
        }));
        for (const p of near(centres, 30)) {
          const hit = document.elementFromPoint(p.x, p.y);
          if (hit && p.node.contains(hit)) {
            return { x: p.x, y: p.y };
          }
        }
        return null;
      }
      const covered = (x, y) =>
        rects.some(
          ([, r]) =>
            x >= r.left - 6 &&
            x <= r.right + 6 &&
            y >= r.top - 6 &&
            y <= r.bottom + 6
        );
      const points = [];
      for (let ring = 0; ring < 60; ring++) {
        for (let a = 0; a < 24; a++) {
          const x = cx + ring * 7 * Math.cos((a * Math.PI) / 12);
          const y = cy + ring * 7 * Math.sin((a * Math.PI) / 12);
          if (!covered(x, y)) {
            points.push({ x, y });
          }
        }
      }
      for (const p of near(points, 300)) {
        if (
          document
            .elementFromPoint(p.x, p.y)
            ?.classList.contains('react-flow__pane')
        ) {
          return { x: p.x, y: p.y };
        }
      }
      return null;
    },
    { s: flowSelector[role], box, what }
  );
}

/** Press at the target, move STEPS there and STEPS back, release; the frame times. */
async function gesture(page, role, what) {
  const at = await target(page, role, what);
  if (!at) {
    throw new Error(`no ${what} to press in the ${role} flow`);
  }
  await page.mouse.move(at.x, at.y);
  await startFrames(page);
  await page.mouse.down();
  // Out and back; where frames take long (thousands of nodes in view on a busy machine),
  // fewer moves, so that a gesture lasts seconds, not minutes.
  const until = Date.now() + GESTURE_MS / 2;
  let steps = 0;
  while (steps < STEPS && (steps < MIN_STEPS || Date.now() < until)) {
    steps++;
    await page.mouse.move(at.x + steps * STEP_PX, at.y + steps * (STEP_PX / 2));
  }
  for (let i = steps - 1; i >= 0; i--) {
    await page.mouse.move(at.x + i * STEP_PX, at.y + i * (STEP_PX / 2));
  }
  const up = Date.now();
  await page.mouse.up(); // answered once the page has handled it (a drop saves positions)
  const frames = await stopFrames(page);
  frames.release_ms = Date.now() - up;
  return frames;
}

async function api(path, body) {
  const response = await fetch(`${config.base}${path}`, {
    method: 'POST',
    headers: { Authorization: `token ${config.token}` },
    body: JSON.stringify(body)
  });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

/** Record every badge state the page shows, with the wall-clock time it showed it. */
async function watchBadges(page) {
  await defineBadgeWatch(page);
  await page.evaluate(() => {
    const seen = [];
    window.__benchBadges = seen;
    const note = badge => {
      const node = badge.closest('[data-continuum-node-id]');
      if (node) {
        seen.push([
          node.getAttribute('data-continuum-node-id'),
          badge.getAttribute('data-continuum-status'),
          performance.timeOrigin + performance.now()
        ]);
      }
    };
    window.__benchObserver = window.__watchBadges(note);
  });
}

/** Stop recording badges; what was recorded. */
async function stopBadges(page) {
  return page.evaluate(() => {
    window.__benchObserver.disconnect();
    return window.__benchBadges;
  });
}

/** Each rendered node's badge state, by node id. */
async function finalBadges(page, selector) {
  return page.evaluate(s => {
    const final = {};
    for (const node of document.querySelectorAll(
      `${s} [data-continuum-node-id]`
    )) {
      const badge = node.querySelector('[data-continuum-status]');
      if (badge) {
        final[node.getAttribute('data-continuum-node-id')] = badge.getAttribute(
          'data-continuum-status'
        );
      }
    }
    return final;
  }, selector);
}

function latencies(events, seen) {
  const byNode = new Map();
  for (const [node, state, ts] of events) {
    if (!byNode.has(node)) {
      byNode.set(node, []);
    }
    byNode.get(node).push([state, ts * 1000]);
  }
  const out = [];
  for (const [node, state, at] of seen) {
    const list = byNode.get(node);
    if (!list) {
      continue;
    }
    let match = null;
    for (const [s, ts] of list) {
      if (ts > at + 1) {
        break;
      }
      if (s === state) {
        match = ts;
      }
    }
    if (match !== null) {
      out.push(at - match);
    }
  }
  return out;
}

/** While the run's node events arrive at `rate`/s: drag a node; frames, latencies, losses. */
async function underEvents(page, role, runId, nodeIds) {
  const { rate, seconds } = config.status;
  await watchBadges(page);
  const emitted = api('/continuum-bench/emit', {
    run_id: runId,
    count: Math.round(rate * seconds),
    rate,
    nodes: nodeIds,
    record: true
  });
  await page.waitForTimeout(300); // events flowing before the gesture starts
  const frames = [];
  while (true) {
    frames.push(...(await gesture(page, role, 'node')));
    const done = await Promise.race([
      emitted.then(() => true),
      new Promise(r => setTimeout(() => r(false), 0))
    ]);
    if (done) {
      break;
    }
  }
  const { events } = await emitted;
  await page.waitForTimeout(1000); // the last events reach the page
  // Recorded until here: the fit below mounts cards whose badges show old events' states,
  // which is no event reaching a badge.
  const seen = await stopBadges(page);
  await setZoom(page, role, 'fit'); // every node rendered, to check its final badge
  await page.waitForTimeout(1000);
  const final = await finalBadges(page, flowSelector[role]);
  const last = new Map();
  for (const [node, state] of events) {
    last.set(node, state);
  }
  let checked = 0;
  let lost = 0;
  for (const [node, state] of last) {
    if (node in final) {
      checked++;
      if (final[node] !== state) {
        lost++;
      }
    }
  }
  return {
    frames,
    latencies: latencies(events, seen),
    events: events.length,
    checked,
    lost
  };
}

/**
 * The time the script may take (config.budget_s), shared out so that it always finishes:
 * each size gets a share of what is left, and a gesture is repeated beyond its first pair
 * only while the rest of the size's scenarios still fit (a busy machine gets fewer samples,
 * which the results show, rather than none).
 */
const budgetEnd = Date.now() + config.budget_s * 1000;
const SCENARIOS = 4; // drag and pan, at fit-to-view and at 100%

const result = { sizes: [], browser: null };
const browser = await launch();
try {
  result.browser = browser.version();
  for (const [index, size] of config.sizes.entries()) {
    const last = index === config.sizes.length - 1;
    const sizeEnd =
      Date.now() + (budgetEnd - Date.now()) * (last ? 1 : size.budget_share);
    // Reserved for what follows the gestures: status events, then the diagnostics (a
    // render of the bare page and two drags each).
    const diagnoseMs =
      (size.diagnose?.length ?? 0) * (size.nodes > 2000 ? 35 : 25) * 1000;
    const reserve = (size.status ? 90 : 0) * 1000 + diagnoseMs;
    log(
      `canvas: ${size.nodes} nodes (${((sizeEnd - Date.now()) / 1000).toFixed(0)} s)`
    );
    const pages = {
      subject: await newPage(browser),
      baseline: await newPage(browser)
    };
    const out = {
      nodes: size.nodes,
      frames: {},
      heap: {},
      zoom: {},
      status: null
    };
    out.cellsToRender = await openLab(pages.subject, size);
    if (size.heap) {
      out.heap.subjectBefore = await heapUsed(pages.subject);
    }
    await openCanvas(pages.subject, size);
    log('  canvas open');
    if (size.heap) {
      out.heap.subjectAfter = await heapUsed(pages.subject);
    }
    const box = await flowBox(pages.subject, 'subject');
    const flow = {
      width: Math.round(box.width),
      height: Math.round(box.height)
    };
    out.flow = flow;
    const follow = size.status
      ? {
          url: `${config.base.replace('http', 'ws')}/continuum/api/v1/events?run_id=${config.status.runs.baseline}&token=${config.token}`
        }
      : undefined;
    out.heap.baselineBefore = await openBare(
      pages.baseline,
      size,
      flow,
      follow
    );
    if (size.heap) {
      out.heap.baselineAfter = await heapUsed(pages.baseline);
      log('  heap measured');
    }
    let scenario = 0;
    for (const zoom of ['fit', '100']) {
      for (const role of ['subject', 'baseline']) {
        out.zoom[`${zoom}-${role}`] = await setZoom(pages[role], role, zoom);
      }
      log(`  zoom ${zoom} set`);
      for (const what of ['node', 'pane']) {
        const key = `${what === 'node' ? 'drag' : 'pan'}-${zoom}`;
        out.frames[key] = { subject: [], baseline: [] };
        scenario++;
        let pairMs = 0;
        for (let rep = 0; rep < config.reps; rep++) {
          const need = pairMs * (1 + SCENARIOS - scenario);
          if (rep > 0 && Date.now() + need > sizeEnd - reserve) {
            log(
              `  ${key}: ${rep} repetition(s), the time left is for the rest`
            );
            break;
          }
          const pairStart = Date.now();
          const order =
            rep % 2 ? ['subject', 'baseline'] : ['baseline', 'subject'];
          for (const role of order) {
            const {
              value: { value: frames, spent },
              rendered
            } = await counting(pages[role], role, size.path, () =>
              mainThread(pages[role], () => gesture(pages[role], role, what))
            );
            out.frames[key][role].push(frames);
            if (rendered !== null) {
              out.cellsRendered ??= {};
              (out.cellsRendered[key] ??= []).push(rendered);
            }
            out.release ??= {};
            out.release[key] ??= { subject: [], baseline: [] };
            out.release[key][role].push(frames.release_ms);
            out.mainThread ??= {};
            out.mainThread[key] ??= { subject: [], baseline: [] };
            out.mainThread[key][role].push(spent);
            log(
              `  ${key} ${role} p95 ${percentile(frames, 0.95).toFixed(1)} ms (${frames.length} frames)`
            );
          }
          pairMs = Date.now() - pairStart;
        }
      }
    }
    if (size.status) {
      out.status = { subject: {}, baseline: {} };
      for (const zoom of ['fit', '100']) {
        for (const role of ['baseline', 'subject']) {
          await setZoom(pages[role], role, zoom);
          const run = async () => {
            const { value, rendered } = await counting(
              pages[role],
              role,
              size.path,
              () =>
                underEvents(
                  pages[role],
                  role,
                  config.status.runs[role],
                  size.graph.nodes.map(n => n.id)
                )
            );
            return { ...value, cellsRendered: rendered };
          };
          if (process.env.BENCH_CANVAS_PROFILE === 'status') {
            // Where each page's time goes under events (not in make bench).
            const { value, ranked, byFile } = await profiled(pages[role], run);
            out.status[role][zoom] = value;
            log(
              `  status ${zoom} ${role} by file: ${byFile.map(r => r.join(' ')).join(', ')}`
            );
            log(
              `  profile:\n    ${ranked.map(r => r.join(' ')).join('\n    ')}`
            );
          } else {
            out.status[role][zoom] = await run();
          }
          const s = out.status[role][zoom];
          log(
            `  status ${zoom} ${role}: frames p95 ${percentile(s.frames, 0.95).toFixed(1)} ms, ` +
              `badge p95 ${percentile(s.latencies, 0.95).toFixed(1)} ms, lost ${s.lost}/${s.checked}`
          );
        }
      }
    }
    if (process.env.BENCH_CANVAS_PROFILE === 'drag') {
      // Where each page's time goes during a drag (not in make bench).
      out.profiles = {};
      for (const zoom of ['fit', '100']) {
        for (const role of ['subject', 'baseline']) {
          await setZoom(pages[role], role, zoom);
          const { ranked, byFile } = await profiled(pages[role], () =>
            gesture(pages[role], role, 'node')
          );
          out.profiles[`${zoom}-${role}`] = { ranked, byFile };
          log(`  by file: ${byFile.map(r => r.join(' ')).join(', ')}`);
          log(
            `  profile drag-${zoom} ${role}:\n    ${ranked.map(r => r.join(' ')).join('\n    ')}`
          );
        }
      }
    }
    if (size.diagnose && Date.now() + diagnoseMs / 2 > sizeEnd) {
      log('  diagnostics skipped: no time left');
    } else if (size.diagnose) {
      // The bare page's drag with one option of the canvas changed at a time: where time
      // goes (not compared with the canvas; it tells why). "as the canvas" is the
      // baseline's drag measured above at the same zoom.
      out.diagnostics = {};
      for (const [name, variant, zoom] of size.diagnose) {
        await openBare(pages.baseline, size, flow, undefined, variant);
        await setZoom(pages.baseline, 'baseline', zoom);
        const drag = [];
        for (let rep = 0; rep < Math.min(2, config.reps); rep++) {
          drag.push(
            percentile(await gesture(pages.baseline, 'baseline', 'node'), 0.95)
          );
        }
        out.diagnostics[name] = {
          zoom,
          drag_p95: drag,
          as_the_canvas_p95: out.frames[`drag-${zoom}`].baseline.map(f =>
            percentile(f, 0.95)
          )
        };
        log(
          `  diagnostic, bare page, ${name} (${zoom}): drag p95 ${drag.map(x => x.toFixed(1))}`
        );
      }
    }
    result.sizes.push(out);
    await pages.subject.context().close();
    await pages.baseline.context().close();
  }
  writeResult(result);
} finally {
  await browser.close();
}
