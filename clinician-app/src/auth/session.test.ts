import { afterEach, describe, expect, it, vi } from 'vitest';
import { Session } from './session';
import { fakeToken } from '../test/render';

/** navigator.locks as browsers implement it for one origin: one holder per name at a time. */
function fakeLocks() {
  const queues = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const previous = queues.get(name) ?? Promise.resolve();
      const next = previous.then(callback, callback);
      queues.set(name, next.catch(() => undefined));
      return next;
    },
  };
}

function tab(locks: ReturnType<typeof fakeLocks>): Session {
  const scope = Object.create(window) as Window & typeof globalThis;
  Object.defineProperty(scope, 'navigator', { value: { locks } });
  return new Session(scope);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const opened: Session[] = [];

afterEach(() => {
  opened.splice(0).forEach((session) => session.stop());
  vi.unstubAllGlobals();
});

describe('Session across tabs', () => {
  it('when a tab signs in then another tab gets the tokens in memory and nothing is stored', async () => {
    const locks = fakeLocks();
    const first = tab(locks);
    const second = tab(locks);
    opened.push(first, second);
    first.signedIn({ access_token: fakeToken(['nurse']), refresh_token: 'r1' });
    await wait(50);
    expect(second.current.tokens?.refreshToken).toBe('r1');
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it('when two tabs need a refresh at once then the rotating refresh token is used once and both get the new tokens', async () => {
    const locks = fakeLocks();
    const first = tab(locks);
    const second = tab(locks);
    opened.push(first, second);
    const used: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith('/.well-known/smart-configuration')) {
          return Response.json({ authorization_endpoint: '/auth/a', token_endpoint: '/auth/t' });
        }
        const form = new URLSearchParams(String(init?.body));
        used.push(form.get('refresh_token')!);
        await wait(20);
        return Response.json({ access_token: fakeToken(['nurse'], { exp: Math.floor(Date.now() / 1000) + 600 }), refresh_token: 'r2' });
      }),
    );
    // an access token that expires in 30 s: both tabs refresh before using it
    first.signedIn({ access_token: fakeToken(['nurse'], { exp: Math.floor(Date.now() / 1000) + 30 }), refresh_token: 'r1' });
    await wait(50);
    const [a, b] = await Promise.all([first.accessToken(), second.accessToken()]);
    expect(used).toEqual(['r1']);
    expect(a).toBe(b);
    expect(first.current.tokens?.refreshToken).toBe('r2');
    expect(second.current.tokens?.refreshToken).toBe('r2');
  });

  it('when one tab signs out then every tab forgets the tokens', async () => {
    const locks = fakeLocks();
    const first = tab(locks);
    const second = tab(locks);
    opened.push(first, second);
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    first.signedIn({ access_token: fakeToken(['billing']), refresh_token: 'r1' });
    await wait(50);
    await second.signOut('user');
    await wait(50);
    expect(first.current.tokens).toBeUndefined();
    expect(first.current.signedOut).toBe('user');
  });
});
