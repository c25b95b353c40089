/**
 * V8's old-space limit for a worker process, in MiB. Node's default is sized to the machine, and V8
 * lets the old generation grow to several times what survived the last full collection, most of it
 * dead (messages held in the read-ahead, rows waiting for their insert): with a limit it collects
 * sooner, for a lower peak RSS. 1024 leaves room for the filter state of some ten million
 * device-metrics a worker; beyond, raise it in NODE_OPTIONS (the SiftHeapNearLimit alert says when).
 */
export const WORKER_HEAP_MIB = 1024;

/** Node options every worker runs with: the deploy files set them as NODE_OPTIONS, launchers pass them. */
export const WORKER_NODE_OPTIONS = [`--max-old-space-size=${WORKER_HEAP_MIB}`];
