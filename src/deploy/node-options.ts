/**
 * V8's old-space limit for a worker process, in MiB. Node's default is sized to the machine (4 GiB
 * here) and V8 lets the old generation grow to about four times what survived the last full
 * collection, most of it dead: messages held in the read-ahead and rows waiting for their insert
 * outlive young collections and die in the old generation. With this limit V8 collects it sooner.
 * Measured at a 1M-message device-metrics backlog on 2 cores (read-ahead 8,192): peak RSS 573-581
 * MiB with 1024, 545-588 with 768, 725-804 with the default (then 4 full collections, 13 at 768),
 * at 0.5-1 µs of worker CPU a message more; the mixed scenario, whose live heap is larger, pays
 * 1-2 µs (2.5 at 768), for an RSS it kept under 600 MiB anyway. 1024 leaves room for filter state
 * (about 93 bytes a device-metric: some ten million device-metrics a worker); beyond, raise it in
 * NODE_OPTIONS (the SiftHeapNearLimit alert says when).
 */
export const WORKER_HEAP_MIB = 1024;

/** Node options every worker runs with: the deploy files set them as NODE_OPTIONS, launchers pass them. */
export const WORKER_NODE_OPTIONS = [`--max-old-space-size=${WORKER_HEAP_MIB}`];
