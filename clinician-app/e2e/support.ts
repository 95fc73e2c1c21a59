import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { account, totp } from './accounts';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface Fixtures {
  run: string;
  untreatedPatient: string;
  untreatedFamily: string;
  claim: string;
  insurer: string;
}

export function fixtures(): Fixtures {
  return JSON.parse(readFileSync(join(here, '..', 'target', 'e2e-fixtures.json'), 'utf8')) as Fixtures;
}

/** The last TOTP step used per user, kept on disk so that separate runs within 30 s also wait. */
const stepsFile = join(here, '..', 'target', 'e2e-totp-steps.json');
const lastStep = {
  get(username: string): number | undefined {
    return existsSync(stepsFile) ? (JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<string, number>)[username] : undefined;
  },
  set(username: string, step: number): void {
    const steps = existsSync(stepsFile) ? (JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<string, number>) : {};
    writeFileSync(stepsFile, JSON.stringify({ ...steps, [username]: step }));
  },
};

/**
 * Signs in through the app: the server's password page, then a TOTP code, as a person would. A
 * code is accepted once per user, so a second sign-in of the same user waits for the next step.
 */
export async function signIn(page: Page, username: string, path = '/app/'): Promise<void> {
  const user = account(username);
  await page.goto(path);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/auth\/login/);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/auth\/mfa/);
  let step = Math.floor(Date.now() / 30_000);
  if ((lastStep.get(username) ?? -1) >= step) {
    await page.waitForTimeout((step + 1) * 30_000 - Date.now() + 500);
    step += 1;
  }
  lastStep.set(username, step);
  await page.fill('#code', totp(user.totpSecret, step));
  await page.click('form:has(#code) button[type=submit]');
  await page.waitForURL(/\/app\//);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** With SCREENSHOTS=<dir> (docs/images/clinician-app), a screenshot of the page for the docs. */
export async function snap(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) {
    await page.screenshot({ path: join(process.env.SCREENSHOTS, `${name}.png`) });
  }
}

/** axe-core on the page as it is: no serious or critical violation of WCAG 2.x A/AA. */
export async function checkAccessibility(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
    `accessibility of ${what}`,
  ).toEqual([]);
}

/**
 * Watches a page for what must never happen: a Content-Security-Policy violation (a style or
 * script the policy blocks: the page would be broken), a token or the given PHI values in the
 * console, in a URL the page visited, or in localStorage/sessionStorage.
 */
export const test = base.extend<{ watch: Watch }>({
  watch: async ({ page }, use) => {
    const watch = new Watch(page);
    await use(watch);
    await watch.verify();
  },
});

export class Watch {
  readonly console: string[] = [];
  readonly urls: string[] = [];
  readonly cspViolations: string[] = [];
  readonly phi = new Set<string>();
  readonly tokens = new Set<string>();

  constructor(private readonly page: Page) {
    // what was blocked, and where: the browser's console line alone does not say
    void page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const target = event.target as Element | null;
        console.warn(
          `CSP violation: ${event.violatedDirective} at ${event.sourceFile}:${event.lineNumber} on ${window.location.pathname}` +
            ` element ${target && 'outerHTML' in target ? target.outerHTML.slice(0, 120) : String(target)}`,
        );
      });
    });
    page.on('console', (message) => {
      this.console.push(message.text());
      if (/Content Security Policy|CSP violation/i.test(message.text())) {
        this.cspViolations.push(message.text());
      }
    });
    // every token the app receives (read before the app gets it): none may appear anywhere but
    // in the app's memory
    void page.route('**/auth/oauth2/token', async (route) => {
      const response = await route.fetch();
      const text = await response.text();
      try {
        const body = JSON.parse(text) as Record<string, string>;
        ['access_token', 'refresh_token', 'id_token'].forEach((name) => body[name] && this.tokens.add(body[name]));
      } catch {
        // not JSON: no token in it
      }
      await route.fulfill({ response, body: text });
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) {
        this.urls.push(frame.url());
      }
    });
  }

  /** Values of a patient's record that must not leak into storage, URLs or the console. */
  sensitive(...values: string[]): void {
    values.filter(Boolean).forEach((value) => this.phi.add(value));
  }

  async verify(): Promise<void> {
    expect(this.cspViolations, 'Content-Security-Policy violations').toEqual([]);
    const storage = this.page.isClosed()
      ? ''
      : await this.page
          .evaluate(() => {
            const dump = (store: Storage) =>
              Array.from({ length: store.length }, (_, i) => `${store.key(i)}=${store.getItem(store.key(i)!)}`).join('\n');
            return window.location.origin.startsWith('https') ? dump(localStorage) + '\n' + dump(sessionStorage) : '';
          })
          .catch(() => '');
    const places: [string, string][] = [
      ['console', this.console.join('\n')],
      ['URLs', this.urls.join('\n')],
      ['storage', storage],
    ];
    for (const [where, text] of places) {
      // a JWT (access or ID token) starts with a base64url JSON header
      expect(text, `a token in the ${where}`).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
      for (const token of this.tokens) {
        expect(text.includes(token), `a token the app received, in the ${where}`).toBe(false);
      }
      for (const value of this.phi) {
        expect(text, `PHI (${value.slice(0, 3)}…) in the ${where}`).not.toContain(value);
      }
    }
  }
}

export { expect };
