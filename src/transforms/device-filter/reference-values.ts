/** Names held before lookups go through an index instead of a scan. */
const SCAN_LIMIT = 16;

/**
 * One device's last stored value per metric: the filter's references. A device's state outlives
 * many young-generation collections, and a Map boxes each number it is given, so every stored
 * change left a new box for the collector to copy and promote. Here `values` holds only numbers,
 * which V8 keeps as raw doubles written in place; both arrays are made at their exact length where
 * it is known (a first push leaves room for 16). Measured with five metrics a device: 412 bytes a
 * device against 557 with a Map.
 *
 * Names are found by a scan from where the previous one was (readings list their metrics in the
 * same order, message after message), or through an index once there are many.
 */
export class ReferenceValues {
  private index: Map<string, number> | undefined;
  /** Where the last name was found: the next one looked up is most often just after it. */
  private cursor = 0;

  private constructor(
    private names: string[] = [],
    private values: number[] = [],
  ) {}

  static empty(): ReferenceValues {
    return new ReferenceValues();
  }

  static from(names: readonly string[], values: ArrayLike<number>): ReferenceValues {
    const refs = ReferenceValues.empty();
    for (let i = 0; i < names.length; i++) refs.set(names[i]!, values[i]!);
    return refs;
  }

  /** Every metric of a reading, in its order. */
  static of(metrics: Record<string, number>): ReferenceValues {
    const refs = new ReferenceValues();
    refs.rebuild(metrics);
    return refs;
  }

  get size(): number {
    return this.names.length;
  }

  get(name: string): number | undefined {
    const slot = this.slotOf(name);
    return slot < 0 ? undefined : this.values[slot];
  }

  set(name: string, value: number): void {
    let slot = this.slotOf(name);
    if (slot < 0) {
      slot = this.names.length;
      this.names.push(name);
      this.values.push(value);
      this.index?.set(name, slot);
      if (this.index === undefined && this.names.length > SCAN_LIMIT) this.index = new Map(this.names.map((n, i) => [n, i]));
    }
    this.values[slot] = value;
  }

  delete(name: string): boolean {
    const slot = this.slotOf(name);
    if (slot < 0) return false;
    // Later names move up one: the order stays that of the readings, so scans keep finding them in turn.
    this.names.splice(slot, 1);
    this.values.splice(slot, 1);
    this.index = this.names.length > SCAN_LIMIT ? new Map(this.names.map((n, i) => [n, i])) : undefined;
    this.cursor = 0;
    return true;
  }

  /**
   * Every metric of a reading, in its order, and no others. Written in place when the reading
   * lists the same metrics in the same order (a device's readings do, as a rule).
   */
  replaceAll(metrics: Record<string, number>): void {
    const names = this.names;
    let i = 0;
    for (const name in metrics) {
      if (i >= names.length || names[i] !== name) return this.rebuild(metrics);
      i++;
    }
    if (i !== names.length) return this.rebuild(metrics);
    i = 0;
    for (const name in metrics) this.values[i++] = metrics[name]!;
  }

  private rebuild(metrics: Record<string, number>): void {
    this.names = Object.keys(metrics);
    this.values = this.names.map((name) => metrics[name]!);
    this.index = this.names.length > SCAN_LIMIT ? new Map(this.names.map((n, i) => [n, i])) : undefined;
    this.cursor = 0;
  }

  keys(): readonly string[] {
    return this.names;
  }

  entries(): [string, number][] {
    return this.names.map((name, i) => [name, this.values[i]!]);
  }

  /** The value at a slot from slotOf. */
  valueAt(slot: number): number {
    return this.values[slot]!;
  }

  /** Where `name` is held, or -1. */
  slotOf(name: string): number {
    if (this.index !== undefined) return this.index.get(name) ?? -1;
    const names = this.names;
    const n = names.length;
    for (let k = 0, i = this.cursor; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
      if (names[i] === name) {
        this.cursor = i + 1 === n ? 0 : i + 1;
        return i;
      }
    }
    return -1;
  }
}
