/**
 * 6. The workflow core (src/workflow, production bundle) on a big workflow, in Chromium.
 * Config: {nodes, reps}. Result: {baseline_ms, subject_ms, parts_ms, browser}.
 */
import { config, launch, newPage, pageUrl, writeResult } from './lib.mjs';

const browser = await launch();
try {
  const page = await newPage(browser);
  await page.goto(pageUrl('workflow'));
  const result = await page.evaluate(
    ({ nodes, reps }) => window.benchWorkflow(nodes, reps),
    config
  );
  writeResult({ ...result, browser: browser.version() });
} finally {
  await browser.close();
}
