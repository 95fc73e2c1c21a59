import { decodeClaims, type Claims } from './claims';
import { endLoginSession, refreshTokens, revoke, TokenError, touchLoginSession, type TokenResponse } from './smart';

/** Idle limits matching the server's login session (15 minutes idle), with a warning 2 minutes before. */
export const IDLE_WARNING_MS = 13 * 60_000;
export const IDLE_LOGOFF_MS = 15 * 60_000;
const REFRESH_BEFORE_MS = 60_000;
const TOUCH_EVERY_MS = 60_000;

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  claims: Claims;
}

export type SignedOutReason = 'user' | 'idle' | 'expired';

export interface SessionState {
  tokens?: Tokens;
  /** Milliseconds until idle logoff while the warning shows. */
  idleWarning?: number;
  signedOut?: SignedOutReason;
  /** Until a new tab has heard whether another tab holds a session. */
  joining: boolean;
}

type Message =
  | { type: 'hello' }
  | { type: 'session'; tokens: Tokens }
  | { type: 'activity'; at: number }
  | { type: 'logout'; reason: SignedOutReason };

/**
 * The signed-in session of this browser, kept in memory only (never in localStorage,
 * sessionStorage, cookies of ours or URLs). The app's tabs share it over a BroadcastChannel: a new
 * tab asks the others for the tokens. One tab at a time, the holder of a Web Lock, refreshes
 * the tokens (refresh tokens rotate: the server revokes the whole authorization when a rotated-out
 * refresh token comes back, so two tabs must never refresh at once) and tells the others the new
 * ones. Every tab reports user activity; after 13 idle minutes all tabs warn, after 15 they sign out.
 */
export class Session {
  private state: SessionState = { joining: true };
  private readonly listeners = new Set<(state: SessionState) => void>();
  private readonly channel?: BroadcastChannel;
  private lastActivity = Date.now();
  private lastTouch = 0;
  private refreshing?: Promise<Tokens | undefined>;
  private waiters: ((tokens: Tokens | undefined) => void)[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private signingOut = false;

  constructor(private readonly scope: Window & typeof globalThis = window) {
    if ('BroadcastChannel' in scope) {
      this.channel = new BroadcastChannel('securefhir-clinician-session');
      this.channel.onmessage = (event: MessageEvent<Message>) => this.receive(event.data);
    }
  }

  start(): void {
    const onActivity = () => this.activity();
    for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
      this.scope.addEventListener(type, onActivity, { passive: true });
    }
    this.timer = setInterval(() => this.tick(), 1000);
    if (this.channel) {
      this.post({ type: 'hello' });
      setTimeout(() => this.update({ joining: false }), 400);
    } else {
      this.update({ joining: false });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.channel?.close();
  }

  get current(): SessionState {
    return this.state;
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After the code exchange of a sign-in in this tab. */
  signedIn(response: TokenResponse): void {
    const tokens = toTokens(response);
    this.lastActivity = Date.now();
    this.lastTouch = Date.now();
    this.update({ tokens, signedOut: undefined, idleWarning: undefined, joining: false });
    this.post({ type: 'session', tokens });
  }

  /** A fresh access token: refreshed first when it expires within a minute. */
  async accessToken(): Promise<string | undefined> {
    const tokens = this.state.tokens;
    if (!tokens) {
      return undefined;
    }
    if (tokens.claims.expiresAt - Date.now() > REFRESH_BEFORE_MS) {
      return tokens.accessToken;
    }
    return (await this.refresh())?.accessToken;
  }

  /** Refreshes now (after a 401, or before expiry), one tab at a time. */
  refresh(): Promise<Tokens | undefined> {
    this.refreshing ??= this.refreshOnce().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The user stays signed in (the idle warning's button). */
  activity(): void {
    const now = Date.now();
    const wasWarned = this.state.idleWarning !== undefined;
    if (now - this.lastActivity > 5000 || wasWarned) {
      this.post({ type: 'activity', at: now });
    }
    this.lastActivity = now;
    if (wasWarned) {
      this.update({ idleWarning: undefined });
    }
  }

  /**
   * Revokes the refresh token, ends the server's login session (which revokes the user's
   * online_access authorizations, and with them the access tokens), then forgets the tokens in
   * every tab.
   */
  async signOut(reason: SignedOutReason): Promise<void> {
    const tokens = this.state.tokens;
    if (!tokens || this.signingOut) {
      return;
    }
    this.signingOut = true;
    try {
      if (tokens.refreshToken) {
        await revoke(tokens.refreshToken);
      }
      await endLoginSession();
    } finally {
      this.signingOut = false;
      this.post({ type: 'logout', reason });
      this.update({ tokens: undefined, idleWarning: undefined, signedOut: reason });
    }
  }

  private async refreshOnce(): Promise<Tokens | undefined> {
    const locks = (this.scope.navigator as Navigator & { locks?: LockManager }).locks;
    const run = async () => {
      const before = this.state.tokens;
      if (!before) {
        return undefined;
      }
      // another tab may have refreshed while this one waited for the lock: ask for the newest first
      const newest = await this.newestFromOtherTabs(before);
      if (newest.claims.expiresAt - Date.now() > REFRESH_BEFORE_MS) {
        return newest;
      }
      if (!newest.refreshToken) {
        await this.signOut('expired');
        return undefined;
      }
      try {
        const tokens = toTokens(await refreshTokens(newest.refreshToken), newest);
        this.update({ tokens });
        this.post({ type: 'session', tokens });
        return tokens;
      } catch (error) {
        if (error instanceof TokenError && error.code === 'invalid_grant') {
          await this.signOut('expired');
          return undefined;
        }
        throw error;
      }
    };
    return locks ? locks.request('securefhir-clinician-refresh', run) : run();
  }

  /** Asks the other tabs for their tokens and waits briefly for a newer set. */
  private newestFromOtherTabs(mine: Tokens): Promise<Tokens> {
    if (!this.channel) {
      return Promise.resolve(mine);
    }
    return new Promise((resolve) => {
      const done = (tokens: Tokens | undefined) => {
        clearTimeout(timeout);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve(tokens && tokens.claims.expiresAt > mine.claims.expiresAt ? tokens : (this.state.tokens ?? mine));
      };
      const timeout = setTimeout(() => done(undefined), 150);
      this.waiters.push(done);
      this.post({ type: 'hello' });
    });
  }

  private receive(message: Message): void {
    switch (message.type) {
      case 'hello':
        if (this.state.tokens) {
          this.post({ type: 'session', tokens: this.state.tokens });
        }
        break;
      case 'session': {
        const mine = this.state.tokens;
        if (!mine || message.tokens.claims.expiresAt >= mine.claims.expiresAt) {
          this.update({ tokens: message.tokens, signedOut: undefined, joining: false });
        }
        this.waiters.forEach((waiter) => waiter(message.tokens));
        break;
      }
      case 'activity':
        this.lastActivity = Math.max(this.lastActivity, message.at);
        if (this.state.idleWarning !== undefined) {
          this.update({ idleWarning: undefined });
        }
        break;
      case 'logout':
        this.update({ tokens: undefined, idleWarning: undefined, signedOut: message.reason });
        break;
    }
  }

  private tick(): void {
    if (!this.state.tokens) {
      return;
    }
    const idle = Date.now() - this.lastActivity;
    if (idle >= IDLE_LOGOFF_MS) {
      void this.signOut('idle');
    } else if (idle >= IDLE_WARNING_MS) {
      this.update({ idleWarning: IDLE_LOGOFF_MS - idle });
    } else if (Date.now() - this.lastTouch > TOUCH_EVERY_MS && idle < TOUCH_EVERY_MS) {
      // the user worked in the last minute: keep the server's login session alive too
      this.lastTouch = Date.now();
      void touchLoginSession().then((alive) => {
        if (!alive && this.state.tokens) {
          void this.signOut('expired');
        }
      });
    }
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }

  private update(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener(this.state));
  }
}

function toTokens(response: TokenResponse, previous?: Tokens): Tokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    idToken: response.id_token ?? previous?.idToken,
    claims: decodeClaims(response.access_token, response.id_token ?? previous?.idToken),
  };
}
