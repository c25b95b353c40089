import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sorts like the numbers it spells

/**
 * Time-ordered unique ids (ULID layout: 48-bit epoch ms, then 80 random bits, 26 characters).
 * Ids made in the same millisecond increment the random part, so ids from one generator always
 * sort in the order they were made; JetStream drops a repeat of one within its duplicate window.
 */
export class MessageIds {
  private lastMs = -1;
  private timePrefix = '';
  private readonly random = new Uint8Array(10);

  constructor(private readonly clock: () => number = Date.now) {}

  next(): string {
    const now = Math.max(this.clock(), this.lastMs); // a clock stepping back must not reorder ids
    if (now === this.lastMs) this.increment();
    else {
      randomFillSync(this.random);
      this.timePrefix = encodeTime(now);
    }
    this.lastMs = now;
    return this.timePrefix + encodeRandom(this.random);
  }

  private increment(): void {
    for (let i = this.random.length - 1; i >= 0; i--) {
      if (this.random[i]! < 255) {
        this.random[i]!++;
        return;
      }
      this.random[i] = 0;
    }
  }
}

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** 80 bits as 16 base32 digits, most significant first. */
function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31]!;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** The epoch ms an id was made at. */
export function idTime(id: string): number {
  let ms = 0;
  for (let i = 0; i < 10; i++) ms = ms * 32 + ALPHABET.indexOf(id[i]!);
  return ms;
}
