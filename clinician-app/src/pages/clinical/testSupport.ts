import { screen, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';

/**
 * Picks an option of a Mantine Select. Its dropdown stays `display: none` in jsdom (the
 * transition never runs), so the options are found among hidden elements.
 */
export async function choose(user: UserEvent, label: RegExp | string, option: string, container: HTMLElement = document.body) {
  await user.click(within(container).getByRole('textbox', { name: label }));
  await user.click(await screen.findByRole('option', { name: option, hidden: true }));
}
