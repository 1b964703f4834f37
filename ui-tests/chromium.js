/**
 * How the UI tests and the browser benchmarks launch Chromium: Debian's build, no GPU, no
 * background traffic (the machine is offline and shared).
 */
module.exports = {
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
};
