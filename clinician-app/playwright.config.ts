import { defineConfig } from '@playwright/test';

// End-to-end: the packaged server (started by e2e/run.sh of the repository on a fresh data
// directory) driven in Debian's Chromium; APP_ORIGIN names it. One worker: the specs share the
// server and the auditor's spec reads what the others did.
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'target/e2e-results',
  globalSetup: './e2e/global-setup.ts',
  projects: [
    { name: 'roles', testIgnore: /auditor\.spec\.ts/ },
    // the auditor finds the accesses the other roles' specs made
    { name: 'auditor', testMatch: /auditor\.spec\.ts/, dependencies: ['roles'] },
  ],
  use: {
    baseURL: process.env.APP_ORIGIN ?? 'https://localhost:8443',
    // the development certificate is self-signed
    ignoreHTTPSErrors: true,
    screenshot: 'only-on-failure',
    trace: 'off',
    viewport: { width: 1440, height: 900 },
    // no transitions (the app respects it): axe then sees dialogs as they are, not half faded in
    reducedMotion: 'reduce',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
