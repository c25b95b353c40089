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
