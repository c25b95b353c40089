/**
 * Subjects: devices publish to <prefix>.<kind>.<key>; the stream's subject transform stores
 * each message as <prefix>.<kind>.<partition>.<key>, with partition = partition(N, key).
 */
export interface SubjectLayout {
  prefix: string;
  partitions: number;
}

export const publishSubject = (layout: SubjectLayout, kind: string, key: string): string => `${layout.prefix}.${kind}.${key}`;

/** Subjects the stream accepts: exactly three tokens, so a malformed subject is refused at publish time. */
export const streamSubjects = (layout: SubjectLayout): string[] => [`${layout.prefix}.*.*`];

export const subjectTransform = (layout: SubjectLayout) => ({
  src: `${layout.prefix}.*.*`,
  dest: `${layout.prefix}.{{wildcard(1)}}.{{partition(${layout.partitions},2)}}.{{wildcard(2)}}`,
});

export const partitionFilter = (layout: SubjectLayout, partition: number): string => `${layout.prefix}.*.${partition}.*`;

export const consumerName = (prefix: string, partition: number): string => `${prefix}-p${String(partition).padStart(3, '0')}`;

/**
 * Subjects the stream accepts but stores without a partition: a publish subject holding a wildcard
 * token (`*` or `>`, sent literally) is not transformed (the server transforms literal subjects
 * only), so it keeps its three tokens and no partition consumer's filter takes it.
 */
export const unpartitionedFilter = (layout: Pick<SubjectLayout, 'prefix'>): string => `${layout.prefix}.*.*`;

/**
 * The filter that delivers the given unpartitioned subjects: a consumer delivers a stored `>`
 * token only to a filter with `>` at or before it, so one of those needs the whole prefix.
 */
export const unpartitionedScanFilter = (layout: Pick<SubjectLayout, 'prefix'>, subjects: readonly string[]): string =>
  subjects.some((s) => s.split('.').includes('>')) ? `${layout.prefix}.>` : unpartitionedFilter(layout);

/** Whether a stored subject is one the stream could not partition (three tokens, not four). */
export const isUnpartitioned = (subject: string): boolean => subject.split('.').length === 3;
