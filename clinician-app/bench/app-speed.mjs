// The clinician app's speed targets (issue 20), measured in Debian's Chromium against a running
// server (e.g. bench/clinician-app.sh starts one on a fresh data directory):
//   - initial JavaScript, gzipped (budget 300 KB);
//   - first meaningful page after sign-in: from submitting the one-time code to the workspace's
//     heading, and from a reload (the app gets new tokens through the login session) to it (≤ 1.5 s);
//   - patient search to the rendered list with PATIENTS patients loaded (p95 ≤ 500 ms).
// Usage: node bench/app-speed.mjs   Environment: APP_ORIGIN (https://localhost:8443), PATIENTS
// (10000; 0 = load none, use what is there), SEARCHES (40), CHROMIUM (/usr/bin/chromium),
// NODE_EXTRA_CA_CERTS=<data>/tls/server.crt for the loading requests.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createHmac } from 'node:crypto';

const here = fileURLToPath(new URL('.', import.meta.url));
const origin = process.env.APP_ORIGIN ?? 'https://localhost:8443';
const patients = Number(process.env.PATIENTS ?? 10000);
const searches = Number(process.env.SEARCHES ?? 40);
const SURNAMES = Array.from({ length: 200 }, (_, i) => `Benchfam${i.toString(36)}`);
const GIVEN = ['Ada', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun'];

const accounts = readFileSync(join(here, '..', '..', 'docs', 'demo-accounts.md'), 'utf8');
const backendSecret = /client_id: demo-backend-service[\s\S]*?client_secret: (\S+)/.exec(accounts)[1];

function account(username) {
  const block = accounts.slice(accounts.indexOf(`username: ${username}`));
  return { password: /password: (.+)/.exec(block)[1].trim(), secret: /totp_secret: ([A-Z2-7]+)/.exec(block)[1] };
}
function totp(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String(((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000)).padStart(6, '0');
}
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)];

// 1. initial JavaScript and CSS of the built app, gzipped
const dist = join(here, '..', 'target', 'classes', 'clinician-app', 'assets');
let js = 0;
let css = 0;
for (const file of readdirSync(dist)) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  if (file.endsWith('.js')) js += size;
  if (file.endsWith('.css')) css += size;
  void statSync;
}
console.log(`initial JavaScript: ${(js / 1024).toFixed(0)} KB gzipped (budget 300 KB); CSS ${(css / 1024).toFixed(0)} KB`);

// 2. the population, loaded as an interface engine would (transactions of 500)
if (patients > 0) {
  const token = (
    await (
      await fetch(`${origin}/auth/oauth2/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`demo-backend-service:${backendSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=system/*.cruds',
      })
    ).json()
  ).access_token;
  const started = Date.now();
  for (let done = 0; done < patients; done += 500) {
    const entry = Array.from({ length: Math.min(500, patients - done) }, (_, i) => {
      const n = done + i;
      return {
        resource: {
          resourceType: 'Patient',
          name: [{ family: SURNAMES[n % SURNAMES.length], given: [GIVEN[n % GIVEN.length]] }],
          gender: n % 2 ? 'female' : 'male',
          birthDate: `19${String(40 + (n % 60)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 10}`,
          identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `BENCH-${n}` }],
        },
        request: { method: 'POST', url: 'Patient' },
      };
    });
    const response = await fetch(`${origin}/fhir`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    if (!response.ok) throw new Error(`load: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
  console.log(`loaded ${patients} patients in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// 3. the browser
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } })).newPage();
const user = account('frontdesk.demo');
await page.goto(`${origin}/app/`);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(/\/auth\/login/);
await page.fill('#username', 'frontdesk.demo');
await page.fill('#password', user.password);
await page.click('button[type=submit]');
await page.waitForURL(/\/auth\/mfa/);
const step = Math.floor(Date.now() / 30_000);
await page.fill('#code', totp(user.secret, step));
let t0 = Date.now();
await page.click('form:has(#code) button[type=submit]');
await page.getByRole('heading', { name: /workspace/ }).waitFor();
const signIn = Date.now() - t0;
const reloads = [];
for (let i = 0; i < 10; i++) {
  t0 = Date.now();
  await page.reload();
  await page.getByRole('heading', { name: /workspace/ }).waitFor();
  reloads.push(Date.now() - t0);
}
console.log(`first page after the one-time code: ${signIn} ms; after a reload (new tokens through the login session): p50 ${quantile(reloads, 0.5)} ms, p95 ${quantile(reloads, 0.95)} ms (target ≤ 1500 ms)`);

await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
const times = [];
let rows = 0;
for (let i = 0; i < searches; i++) {
  const family = SURNAMES[(i * 37) % SURNAMES.length];
  await page.getByLabel('Family name').fill(family);
  t0 = Date.now();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('tbody tr', { hasText: family }).first().waitFor();
  times.push(Date.now() - t0);
  rows = await page.locator('tbody tr').count();
  await page.getByRole('button', { name: /Clear/ }).click();
}
console.log(`patient search (exact family name, ${rows} rows on the first page) to the rendered list, ${searches} searches: p50 ${quantile(times, 0.5)} ms, p95 ${quantile(times, 0.95)} ms (target ≤ 500 ms)`);
await browser.close();
