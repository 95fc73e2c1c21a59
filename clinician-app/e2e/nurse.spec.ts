import { checkAccessibility, expect, signIn, test } from './support';
import { choose, navigate } from './navigation';

test('nurse: records a temperature in the chart of a patient they treat; editing the patient is not offered nor reachable', async ({
  page,
}) => {
  await signIn(page, 'nurse.demo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
  await expect(page.getByRole('link', { name: 'Register patient' })).toHaveCount(0);
  await page.getByLabel('Birth date').fill('1970-01-01');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'Demo Patient' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Demo Patient');
  await expect(page.getByRole('link', { name: 'Edit patient' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Record observation' }).click();
  await choose(page, 'Measurement', /Body temperature/);
  await page.getByLabel(/^Value/).fill('37.4');
  await page.getByRole('button', { name: 'Record observation' }).click();
  await page.getByRole('tab', { name: 'Observations' }).click();
  await expect(page.getByRole('tabpanel').getByText(/37\.4/).first()).toBeVisible();
  await checkAccessibility(page, 'the observations tab');

  await navigate(page, '/app/patients/demo-patient/edit');
  await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();
});
