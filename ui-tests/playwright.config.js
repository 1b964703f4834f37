/**
 * Playwright configuration: Galata's defaults, Debian's Chromium, one worker.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

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
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
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
