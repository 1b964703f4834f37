import { expect, test } from '@jupyterlab/galata';

import { workflowNotebook } from './helpers';

// The server of jupyter_server_token_config.py: a token, and XSRF checks on.
const TOKEN = 'continuum-e2e-token';
const BASE = `http://localhost:${Number(process.env.GALATA_PORT || '8888') + 100}`;

const NOTEBOOK = JSON.parse(
  workflowNotebook([
    { id: 'produce', source: 'numbers = list(range(5))' },
    {
      id: 'consume',
      source: 'print("sum is", sum(numbers))',
      placement: 'cloud',
      after: ['produce']
    }
  ])
);

test('deploy works against a token-protected server with XSRF checks', async ({
  browser
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();

  // Without credentials the orchestrator refuses.
  const anonymous = await page.request.get(`${BASE}/continuum/api/v1/health`);
  expect(anonymous.status()).toBe(403);

  const upload = await page.request.put(`${BASE}/api/contents/secure.ipynb`, {
    headers: { Authorization: `token ${TOKEN}` },
    data: { type: 'notebook', format: 'json', content: NOTEBOOK }
  });
  expect(upload.ok()).toBe(true);

  // JupyterLab sends the token it was opened with, which spares it the XSRF check: drop it
  // from the orchestrator's requests, as a password login would, so that only the session
  // cookie and the XSRF header can authenticate them.
  await page.route('**/continuum/api/v1/**', route => {
    const headers = { ...route.request().headers() };
    delete headers.authorization;
    return route.continue({ headers });
  });
  const writes: { url: string; headers: Record<string, string> }[] = [];
  page.on('request', request => {
    if (
      request.method() === 'POST' &&
      request.url().includes('/continuum/api/v1/')
    ) {
      writes.push({ url: request.url(), headers: request.headers() });
    }
  });
  // The token logs the browser in; from then on the session is a cookie.
  await page.goto(`${BASE}/lab/tree/secure.ipynb?token=${TOKEN}`);
  await page.waitForFunction(() => !!window.jupyterapp);
  await page.evaluate(async () => {
    await window.jupyterapp.restored;
  });
  const badge = (id: string) =>
    page.locator(
      `.jp-Continuum-cellChip[data-continuum-cell="${id}"] .jp-Continuum-badge`
    );
  await expect(
    page.locator('.jp-Continuum-cellChip[data-continuum-cell="consume"]')
  ).toBeVisible({ timeout: 60_000 });

  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('continuum:deploy');
  });
  for (const id of ['produce', 'consume']) {
    await expect(badge(id)).toHaveAttribute(
      'data-continuum-status',
      'succeeded',
      { timeout: 90_000 }
    );
  }
  await expect(
    page.locator('.jp-OutputArea-output', { hasText: 'sum is 10' })
  ).toHaveCount(1);

  // The submit carried the XSRF header of the cookie session.
  const submit = writes.find(write => write.url.endsWith('/runs'));
  expect(submit).toBeDefined();
  expect(submit!.headers['x-xsrftoken']).toBeTruthy();
  await context.close();
});
