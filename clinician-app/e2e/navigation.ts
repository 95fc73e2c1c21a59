import type { Page } from '@playwright/test';

/**
 * Goes to a path of the app inside the running app, as its own links do (a reload would forget the
 * in-memory tokens and sign in again through the server's session).
 */
export async function navigate(page: Page, path: string): Promise<void> {
  await page.evaluate((target) => {
    window.history.pushState(null, '', target);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/** Chooses an option of a select (a native one, or Mantine's Select) by their labels. */
export async function choose(page: Page, label: string | RegExp, option: string | RegExp): Promise<void> {
  const native = page.getByRole('combobox', { name: label });
  if ((await native.count()) > 0 && (await native.first().evaluate((element) => element.tagName)) === 'SELECT') {
    const options = await native.first().locator('option').allTextContents();
    const wanted = options.find((text) => (typeof option === 'string' ? text === option : option.test(text)));
    await native.first().selectOption({ label: wanted ?? String(option) });
    return;
  }
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option }).click();
}
