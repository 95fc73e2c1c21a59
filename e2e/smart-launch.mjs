// End-to-end SMART standalone launch with a real SMART client library (fhirclient) in headless
// Chromium: the app redirects to the authorization server, the demo patient signs in with password
// and TOTP, allows the requested scopes, and the app exchanges the code (PKCE S256) and reads its
// patient. Usage: node smart-launch.mjs <fhir base URL> <path to docs/demo-accounts.md>
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [fhirBase, accountsFile] = process.argv.slice(2);
if (!fhirBase || !accountsFile) {
  console.error("usage: node smart-launch.mjs <fhir base URL> <docs/demo-accounts.md>");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));

// The demo patient's password and TOTP secret, from the documented demo accounts.
const accounts = readFileSync(accountsFile, "utf8");
const block = accounts.slice(accounts.indexOf("username: patient.demo"));
const password = /password: (.+)/.exec(block)[1].trim();
const totpSecret = /totp_secret: ([A-Z2-7]+)/.exec(block)[1];

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238 TOTP, SHA-1, 30 s steps, 6 digits.
function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

// The app: two static pages and the fhirclient browser bundle, at the demo client's redirect origin.
const files = {
  "/launch": ["text/html", join(here, "app", "launch.html")],
  "/callback": ["text/html", join(here, "app", "callback.html")],
  "/fhir-client.js": ["text/javascript", join(here, "node_modules", "fhirclient", "build", "fhir-client.js")],
};
const app = createServer((request, response) => {
  const file = files[new URL(request.url, "http://127.0.0.1").pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" });
  response.end(readFileSync(file[1]));
});
await new Promise((resolve) => app.listen(9000, "127.0.0.1", resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  // The server's development certificate is self-signed.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:9000/launch?iss=${encodeURIComponent(fhirBase)}`);

  await page.waitForURL(/\/auth\/login/);
  await page.fill("#username", "patient.demo");
  await page.fill("#password", password);
  await page.click("button[type=submit]");

  await page.waitForURL(/\/auth\/mfa/);
  await page.fill("#code", totp(totpSecret));
  await page.click("form:has(#code) button[type=submit]");

  await page.waitForURL(/\/auth\/consent/);
  const consentText = await page.textContent("body");
  if (!consentText.includes("patient/Patient.rs")) throw new Error("consent screen does not list patient/Patient.rs");
  await page.click("#allow");

  await page.waitForURL(/127\.0\.0\.1:9000\/callback/);
  await page.waitForFunction(() => document.getElementById("result").textContent.length > 0, null, { timeout: 30000 });
  const result = JSON.parse(await page.textContent("#result"));
  console.log("app result:", JSON.stringify(result));

  const expect = (condition, message) => {
    if (!condition) throw new Error(message);
  };
  expect(!result.error, `the app failed: ${result.error}`);
  expect(result.contextPatient === "demo-patient", "launch context patient is not demo-patient");
  expect(result.resourceType === "Patient" && result.id === "demo-patient", "the app did not read its patient");
  expect(result.needPatientBanner === true, "need_patient_banner missing");
  expect(result.hasIdToken, "no id_token");
  expect(result.hasRefreshToken, "no refresh token despite offline_access");
  expect(/launch\/patient/.test(result.scope), "launch/patient not granted");
  console.log("SMART standalone launch with fhirclient: OK");
} catch (error) {
  failed = true;
  console.error("SMART standalone launch with fhirclient FAILED:", error.message);
} finally {
  await browser.close();
  app.close();
}
process.exit(failed ? 1 : 0);
