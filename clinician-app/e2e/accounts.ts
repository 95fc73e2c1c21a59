import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The published demo accounts (docs/demo-accounts.md), read as the tools read them. */
const document = readFileSync(join(here, '..', '..', 'docs', 'demo-accounts.md'), 'utf8');

export interface Account {
  username: string;
  password: string;
  totpSecret: string;
}

export function account(username: string): Account {
  const block = document.slice(document.indexOf(`username: ${username}`));
  return {
    username,
    password: /password: (.+)/.exec(block)![1].trim(),
    totpSecret: /totp_secret: ([A-Z2-7]+)/.exec(block)![1],
  };
}

export const BACKEND = {
  id: 'demo-backend-service',
  secret: /client_id: demo-backend-service[\s\S]*?client_secret: (\S+)/.exec(document)![1],
};

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits), as an authenticator app computes it. */
export function totp(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}
