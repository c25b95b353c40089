import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { SpoolError } from '../errors.js';
import { lockSpool } from './lock.js';

/** One event as kept on disk: its message id, subject and JSON body. */
export interface SpooledEvent {
  id: string;
  subject: string;
  data: string;
}

/** Where the spool's reader stands: a segment and a byte offset in it. */
export interface SpoolPosition {
  segment: number;
  offset: number;
}

interface Segment {
  n: number;
  bytes: number;
  events: number;
}

const SEGMENT = /^(\d{12})\.seg$/;
const segmentName = (n: number) => `${String(n).padStart(12, '0')}.seg`;
const CURSOR = 'cursor.json';
const READ_CHUNK = 256 * 1024;

const before = (a: SpoolPosition, b: SpoolPosition) => a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);

/**
 * A bounded on-disk queue of events, in append-only segment files (one event per line:
 * `<id> <subject> <json>`), with a cursor file saying how far replay has been acknowledged.
 * When the next line would pass `maxBytes`, whole oldest segments are dropped and their unsent
 * events counted. Survives a process restart: a torn last line (killed mid-write) is cut off.
 */
export class Spool {
  private segments: Segment[] = [];
  private cursor: SpoolPosition = { segment: 0, offset: 0 };
  /** Events of the cursor's segment that lie before the cursor. */
  private consumedInCursorSegment = 0;
  private fd: number | undefined;
  private readonly segmentBytes: number;
  private readonly releaseLock: () => void;
  dropped = 0;
  written = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.segmentBytes = Math.max(4096, Math.floor(maxBytes / 8));
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new SpoolError(`spool directory ${dir} cannot be created: ${(error as Error).message}`, { cause: error });
    }
    this.releaseLock = lockSpool(dir);
  }

  static open(dir: string, maxBytes: number): Spool {
    const spool = new Spool(dir, maxBytes);
    spool.recover();
    return spool;
  }

  /** Bytes of events not yet acknowledged. */
  get bytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.bytes;
    return total - (this.segments.length > 0 ? this.cursor.offset : 0);
  }

  /** Events not yet acknowledged. */
  get events(): number {
    let total = 0;
    for (const s of this.segments) total += s.events;
    return total - (this.segments.length > 0 ? this.consumedInCursorSegment : 0);
  }

  get isEmpty(): boolean {
    return this.events === 0;
  }

  append(event: SpooledEvent): void {
    const line = `${event.id} ${event.subject} ${event.data}\n`;
    const size = Buffer.byteLength(line);
    if (size > this.maxBytes) {
      this.dropped++;
      return;
    }
    let active = this.segments.at(-1);
    if (!active || active.bytes + size > this.segmentBytes) active = this.rotate();
    while (this.bytes + size > this.maxBytes && this.segments.length > 1) this.dropOldest();
    writeSync(this.fd!, line);
    active.bytes += size;
    active.events++;
    this.written++;
  }

  /** Up to `max` events from the cursor on, each with the position just after it. */
  read(max: number): Array<{ event: SpooledEvent; end: SpoolPosition }> {
    const out: Array<{ event: SpooledEvent; end: SpoolPosition }> = [];
    let at = { ...this.cursor };
    for (const segment of this.segments) {
      if (segment.n < at.segment) continue;
      if (segment.n > at.segment) at = { segment: segment.n, offset: 0 };
      while (out.length < max && at.offset < segment.bytes) {
        const chunk = this.readAt(segment.n, at.offset, Math.min(READ_CHUNK, segment.bytes - at.offset));
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0 && out.length < max; nl = chunk.indexOf(10, start)) {
          const line = chunk.toString('utf8', start, nl);
          at = { segment: segment.n, offset: at.offset + (nl - start) + 1 };
          start = nl + 1;
          const event = parseLine(line);
          if (event) out.push({ event, end: at });
        }
        if (start === 0) break; // a line longer than the chunk: cannot happen below maxBytes of READ_CHUNK
      }
      if (out.length >= max) break;
    }
    return out;
  }

  /** Marks everything before `position` as sent; deletes segments left behind. */
  commit(position: SpoolPosition): void {
    if (!before(this.cursor, position)) return; // already passed, or its segment was dropped
    const fromSegment = this.cursor.segment;
    let consumed = position.segment === fromSegment ? this.consumedInCursorSegment : 0;
    consumed += countLines(
      this.readAt(
        position.segment,
        position.segment === fromSegment ? this.cursor.offset : 0,
        position.offset - (position.segment === fromSegment ? this.cursor.offset : 0),
      ),
    );
    for (const segment of this.segments.filter((s) => s.n < position.segment)) this.removeSegment(segment);
    this.cursor = position;
    this.consumedInCursorSegment = consumed;
    this.writeCursor();
  }

  /** Once everything is sent: removes the files and starts afresh (numbering continues). */
  clear(): void {
    if (!this.isEmpty) return;
    const next = (this.segments.at(-1)?.n ?? this.cursor.segment) + 1;
    this.closeActive();
    for (const segment of [...this.segments]) this.removeSegment(segment);
    this.cursor = { segment: next, offset: 0 };
    this.consumedInCursorSegment = 0;
    this.writeCursor();
  }

  close(): void {
    this.closeActive();
    this.releaseLock();
  }

  private rotate(): Segment {
    this.closeActive();
    const n = (this.segments.at(-1)?.n ?? this.cursor.segment) + 1;
    const segment = { n, bytes: 0, events: 0 };
    this.fd = openSync(join(this.dir, segmentName(n)), 'a');
    this.segments.push(segment);
    if (this.segments.length === 1) {
      this.cursor = { segment: n, offset: 0 };
      this.consumedInCursorSegment = 0;
    }
    return segment;
  }

  private dropOldest(): void {
    const oldest = this.segments[0]!;
    this.dropped += oldest.events - (oldest.n === this.cursor.segment ? this.consumedInCursorSegment : 0);
    this.removeSegment(oldest);
    this.cursor = { segment: this.segments[0]!.n, offset: 0 };
    this.consumedInCursorSegment = 0;
    this.writeCursor();
  }

  private removeSegment(segment: Segment): void {
    if (segment === this.segments.at(-1)) this.closeActive();
    unlinkSync(join(this.dir, segmentName(segment.n)));
    this.segments = this.segments.filter((s) => s !== segment);
  }

  private closeActive(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private readAt(n: number, offset: number, length: number): Buffer {
    const buffer = Buffer.alloc(length);
    const fd = openSync(join(this.dir, segmentName(n)), 'r');
    try {
      const read = readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  private writeCursor(): void {
    const path = join(this.dir, CURSOR);
    writeFileSync(`${path}.tmp`, JSON.stringify(this.cursor));
    renameSync(`${path}.tmp`, path);
  }

  private recover(): void {
    const path = join(this.dir, CURSOR);
    if (existsSync(path)) {
      try {
        const saved = JSON.parse(readFileSync(path, 'utf8')) as SpoolPosition;
        if (Number.isSafeInteger(saved.segment) && Number.isSafeInteger(saved.offset)) this.cursor = saved;
      } catch {
        // A torn cursor file: replaying from the segment start resends events JetStream deduplicates.
        this.cursor = { segment: this.cursor.segment, offset: 0 };
      }
    }
    const found = readdirSync(this.dir)
      .flatMap((name) => (SEGMENT.test(name) ? [Number(SEGMENT.exec(name)![1])] : []))
      .sort((a, b) => a - b);
    for (const n of found) {
      const file = join(this.dir, segmentName(n));
      if (n < this.cursor.segment) {
        unlinkSync(file); // fully sent before the restart
        continue;
      }
      let bytes = statSync(file).size;
      const content = this.readAt(n, 0, bytes);
      const complete = content.lastIndexOf(10) + 1;
      if (complete < bytes) {
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, complete); // the line a kill cut short
        fsyncSync(fd);
        closeSync(fd);
        bytes = complete;
      }
      this.segments.push({ n, bytes, events: countLines(content.subarray(0, complete)) });
    }
    const first = this.segments[0];
    if (!first) return;
    if (first.n !== this.cursor.segment) this.cursor = { segment: first.n, offset: 0 };
    if (this.cursor.offset > first.bytes) this.cursor.offset = first.bytes;
    this.consumedInCursorSegment = countLines(this.readAt(first.n, 0, this.cursor.offset));
    const last = this.segments.at(-1)!;
    this.fd = openSync(join(this.dir, segmentName(last.n)), 'a');
  }
}

function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) lines++;
  return lines;
}

function parseLine(line: string): SpooledEvent | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a <= 0 || b <= a) return undefined;
  return { id: line.slice(0, a), subject: line.slice(a + 1, b), data: line.slice(b + 1) };
}
