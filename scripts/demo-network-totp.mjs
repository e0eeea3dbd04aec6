#!/usr/bin/env node
// The current TOTP code (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) of a base32 secret, as
// the demo accounts use them (`regie user add` prints the secret; network.json holds them):
//   node scripts/demo-network-totp.mjs SECRET        prints the code
// (the same as `oathtool --totp -b SECRET` where oathtool is installed). Tests import totp().
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text.toUpperCase().replace(/=+$/, '')) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The code of the 30-second step that holds `when` (ms since 1970), or of step `step` when given.
export function totp(secret, when = Date.now(), step = Math.floor(when / 30000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(at) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.length !== 3) {
    console.error('usage: node scripts/demo-network-totp.mjs SECRET');
    process.exit(2);
  }
  console.log(totp(process.argv[2]));
}
