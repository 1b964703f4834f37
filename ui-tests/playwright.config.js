/**
 * Playwright configuration: Galata's defaults, Debian's Chromium, one worker.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const chromium = require('./chromium');

const port = process.env.GALATA_PORT || '8888';
// A token-protected server with XSRF checks on (jupyter_server_token_config.py).
const securePort = Number(port) + 100;

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: 0,
  timeout: 120 * 1000,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: chromium
  },
  webServer: [
    {
      command: 'npm start',
      url: `http://localhost:${port}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI
    },
    {
      command: 'jupyter lab --config jupyter_server_token_config.py',
      // Without the token the server answers 403: up, and protected.
      url: `http://localhost:${securePort}/api/status`,
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI
    }
  ]
};
