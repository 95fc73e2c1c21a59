import { checkAccessibility, expect, snap, signIn, test } from './support';

test.describe('session', () => {
  test('when the user is idle 13 minutes then all tabs warn, at 15 they are signed out and the login session ends', async ({
    page,
    watch,
  }) => {
    await page.clock.install();
    await signIn(page, 'nurse.demo');
    await checkAccessibility(page, 'the nurse home page');
    // a second tab shares the session (over a BroadcastChannel, memory only): no second sign-in
    const second = await page.context().newPage();
    await second.clock.install();
    await second.goto('/app/');
    await expect(second.getByRole('button', { name: 'Sign out' })).toBeVisible();

    await page.clock.fastForward('13:01');
    await expect(page.getByText('Are you still there?')).toBeVisible();
    await checkAccessibility(page, 'the idle warning');
    await snap(page, 'idle-warning');
    await page.clock.fastForward('02:00');
    await expect(page.getByTestId('signed-out-reason')).toContainText('15 minutes without activity');
    await expect(second.getByText('Signed out', { exact: true })).toBeVisible();
    await checkAccessibility(page, 'the signed-out page');

    // the server's login session ended with it: signing in again asks for the password
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.waitForURL(/\/auth\/login/);
    await expect(page.locator('#password')).toBeVisible();
    expect(watch.cspViolations).toEqual([]);
  });

  test('when the user stays active then the warning goes away, the session lasts and the tokens are refreshed', async ({
    page,
    watch,
  }) => {
    await page.clock.install();
    await signIn(page, 'billing.demo');
    await page.clock.fastForward('13:30');
    await expect(page.getByText('Are you still there?')).toBeVisible();
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await expect(page.getByText('Are you still there?')).toBeHidden();
    await page.clock.fastForward('05:00');
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

    // past the access token's 10 minutes (by the page's clock): the next request refreshes first
    const before = watch.tokens.size;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('Family name').fill('Patient');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('link', { name: 'Demo Patient' })).toBeVisible();
    expect(watch.tokens.size, 'a refresh brought new tokens').toBeGreaterThan(before);
  });

  test('when the user signs out then the tokens are revoked and the app cannot call the API with them', async ({ page, watch }) => {
    await signIn(page, 'frontdesk.demo');
    const [token] = [...watch.tokens].filter((t) => t.startsWith('eyJ'));
    expect(token, 'the app received an access token').toBeTruthy();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByTestId('signed-out-reason')).toContainText('You have signed out');
    // the access token died with the login session, before its 10 minutes
    const api = await page.request.get('/fhir/Patient?_count=1', { headers: { Authorization: `Bearer ${token}` } });
    expect(api.status(), 'the access token after sign-out').toBe(401);
    const refreshTokens = [...watch.tokens].filter((t) => !t.startsWith('eyJ'));
    for (const refresh of refreshTokens) {
      const response = await page.request.post('/auth/oauth2/token', {
        form: { grant_type: 'refresh_token', refresh_token: refresh, client_id: 'clinician-app' },
      });
      expect(response.status(), 'a revoked refresh token').toBe(400);
    }
  });
});
