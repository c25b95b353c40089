/**
 * Sift's layers, checked by `npm run lint:layers` (dependency-cruiser). From the bottom:
 *   contract, util            import nothing of Sift
 *   transforms                contract, util
 *   kinds                     contract, transforms, util
 *   config                    every component's config.ts (the schema is assembled from them)
 *   telemetry, batch          below every component that counts, logs or batches
 *   sources, sinks            side by side: sources never import sinks, sinks never sources or the core
 *   pipeline                  router, batcher (cut state), results -> side effects; knows no commit
 *   commit                    the exactly-once path: committer, group commit, journal, recovery, takeover
 *   alerts, backfill, gateway features built on the layers below
 *   worker, cli, bench        wiring and commands: nothing below imports them
 * A few leaves that import nothing of Sift are shared across a layer boundary; each is named where
 * it is allowed, and `leaves-import-nothing` keeps them leaves.
 *
 * A known violation (an edge a planned step removes) may be listed in KNOWN with that step: it is
 * reported as a warning and kept out of its error rule, so any new edge of the same kind still
 * fails the build. None is listed today.
 */

const SIFT = '^src/';

/** Modules that import nothing of Sift (see `leaves-import-nothing`), so a layer may read them without pulling in what lies above. */
const LEAF = {
  packageRoot: '^src/package-root\\.ts$',
  maskUrl: '^src/config/mask-url\\.ts$',
  redact: '^src/config/redact\\.ts$',
  result: '^src/pipeline/result\\.ts$',
  batchOutput: '^src/pipeline/batch-output\\.ts$',
  batchTally: '^src/pipeline/batch-tally\\.ts$',
  insertErrorClass: '^src/sinks/clickhouse/retry\\.ts$',
  fleet: '^src/simulate/fleet\\.ts$',
};

const TESTS = '\\.test\\.ts$';

/** Edges the code still has, by the rule they break, each as { from, to, step } naming the step that removes it. */
const KNOWN = {};

/** One error rule, kept clear of its known edges, plus a warning for each known edge. */
function layerRule({ name, comment, from, to }) {
  const known = KNOWN[name] ?? [];
  const knownFrom = [...new Set(known.map((k) => k.from))];
  // Tests sit above everything they check: a test may import across layers.
  const rules = [{ name, comment, severity: 'error', from: { ...from, pathNot: [].concat(from.pathNot ?? [], knownFrom, TESTS) }, to }];
  for (const file of knownFrom) {
    const knownTo = known.filter((k) => k.from === file).map((k) => k.to);
    rules.push({ name, comment, severity: 'error', from: { path: file }, to: { ...to, pathNot: [].concat(to.pathNot ?? [], knownTo) } });
  }
  for (const k of known) {
    rules.push({ name: `${name} (known)`, comment: `${comment} Known violation, removed by ${k.step}.`, severity: 'warn', from: { path: k.from }, to: { ...to, path: k.to } });
  }
  return rules;
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one: neither can be read, tested or moved alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRule({
      name: 'contract-imports-nothing',
      comment: 'The message contract is what the SDK, the browser client and the gateway build from; it cannot depend on the worker.',
      from: { path: '^src/contract/' },
      to: { path: SIFT, pathNot: '^src/contract/' },
    }),
    ...layerRule({
      name: 'util-imports-nothing',
      comment: 'What every layer may use (timing, config slice types) must not drag a layer in with it.',
      from: { path: '^src/util/' },
      to: { path: SIFT, pathNot: '^src/util/' },
    }),
    ...layerRule({
      name: 'leaves-import-nothing',
      comment: 'The leaves shared across a layer boundary stay leaves, so reading one never pulls in a higher layer.',
      from: { path: Object.values(LEAF) },
      to: { path: SIFT, pathNot: Object.values(LEAF) },
    }),
    ...layerRule({
      name: 'transforms-import-only-contract-and-util',
      comment: 'A transform is a pure decision over the contract; it knows no kind, config loader, source or sink.',
      from: { path: '^src/transforms/' },
      to: { path: SIFT, pathNot: ['^src/(contract|util|transforms)/'] },
    }),
    ...layerRule({
      name: 'transforms-stay-in-their-folder',
      comment: 'Each transform is one folder; what two share lives beside them in src/transforms/ (e.g. recent-keys.ts).',
      from: { path: '^src/transforms/([^/]+)/' },
      to: { path: '^src/transforms/[^/]+/', pathNot: '^src/transforms/$1/' },
    }),
    ...layerRule({
      name: 'kinds-import-only-contract-transforms-util',
      comment: 'A kind is its body rules, rows and transforms; it returns results to the pipeline through the result and BatchOutput leaves and knows nothing else of it.',
      from: { path: '^src/kinds/' },
      to: { path: SIFT, pathNot: ['^src/(kinds|contract|transforms|util)/', LEAF.result, LEAF.batchOutput, LEAF.fleet, LEAF.packageRoot] },
    }),
    ...layerRule({
      name: 'batch-imports-only-contract-and-util',
      comment: 'The batch policy owns no I/O and no timers; the caller owns the clock.',
      from: { path: '^src/batch/' },
      to: { path: SIFT, pathNot: '^src/(batch|contract|util)/' },
    }),
    ...layerRule({
      name: 'config-imports-only-declarations',
      comment: "The schema is assembled from each component's config.ts; loading it validates, it never runs a component.",
      from: { path: '^src/config/' },
      to: { path: SIFT, pathNot: ['^src/(config|contract|util)/', '^src/.+/config\\.ts$', '^src/kinds/registry\\.ts$', '^src/transforms/privacy/privacy\\.ts$', LEAF.packageRoot] },
    }),
    ...layerRule({
      name: 'telemetry-imports-only-label-vocabularies',
      comment: 'Every component logs and counts through telemetry, so it reads only the label values it pre-initialises (result reasons, insert error classes, batch tallies), never a component.',
      from: { path: '^src/telemetry/' },
      to: { path: SIFT, pathNot: ['^src/(telemetry|contract|util)/', LEAF.result, LEAF.batchTally, LEAF.insertErrorClass, LEAF.maskUrl, LEAF.redact, LEAF.packageRoot] },
    }),
    ...layerRule({
      name: 'sources-never-import-sinks',
      comment: 'A source hands messages over and learns of their fate only as acks; which sink stores them is not its business.',
      from: { path: '^src/sources/' },
      to: { path: '^src/sinks/' },
    }),
    ...layerRule({
      name: 'sources-import-no-core',
      comment: 'The source sits below the pipeline and the commit that consume it; it hands over parsed messages and learns their fate as acks.',
      from: { path: '^src/sources/' },
      to: { path: '^src/(pipeline|commit)/' },
    }),
    ...layerRule({
      name: 'sinks-import-no-core',
      comment: 'A sink writes what it is given; the pipeline, the commit and the sources sit elsewhere (a sink reads only the BatchOutput leaf).',
      from: { path: '^src/sinks/' },
      to: { path: '^src/(pipeline|commit|sources)/', pathNot: LEAF.batchOutput },
    }),
    ...layerRule({
      name: 'core-imports-no-source',
      comment: 'The worker wires a source to the pipeline; the pipeline and the commit take parsed messages (and a read-back the wiring gives) and never call back into the source.',
      from: { path: '^src/(pipeline|commit)/' },
      to: { path: '^src/sources/' },
    }),
    ...layerRule({
      name: 'pipeline-imports-no-commit',
      comment: "The pipeline cuts batches and knows nothing of how they are stored; the partition's run hands each to the commit and turns its outcome into an ack.",
      from: { path: '^src/pipeline/' },
      to: { path: '^src/commit/' },
    }),
    ...layerRule({
      name: 'core-imports-no-feature',
      comment: 'Alerts, backfill, the gateway, the benchmarks and the demo tooling are built on the core; the core never reaches back into them (config reads only their config.ts).',
      from: { path: '^src/(contract|util|transforms|kinds|config|telemetry|batch|sources|sinks|pipeline|commit)/' },
      to: { path: '^src/(alerts|backfill|gateway|bench|report|docs|deploy|tools|simulate)/', pathNot: ['/config\\.ts$', LEAF.fleet] },
    }),
    ...layerRule({
      name: 'gateway-imports-only-below',
      comment: 'The gateway publishes the contract onto the stream and answers queries; it is built on these layers and nothing else.',
      from: { path: '^src/gateway/' },
      to: { path: SIFT, pathNot: ['^src/(gateway|config|contract|kinds|sinks|sources|telemetry|util)/', LEAF.result] },
    }),
    ...layerRule({
      name: 'only-wiring-imports-gateway',
      comment: 'The gateway is started by the CLI, the worker wiring and its benchmark (and its config.ts assembled into the schema); nothing else depends on it.',
      from: { path: SIFT, pathNot: ['^src/(gateway|cli|bench)/', '^src/worker(\\.ts$|/)', '^src/config/schema\\.ts$'] },
      to: { path: '^src/gateway/' },
    }),
    ...layerRule({
      name: 'only-cli-imports-worker',
      comment: 'The worker is wiring: the CLI starts it; no component may depend on the whole.',
      from: { path: SIFT, pathNot: ['^src/cli/', '^src/worker(\\.ts$|/)'] },
      to: { path: '^src/worker(\\.ts$|/)' },
    }),
    ...layerRule({
      name: 'nothing-imports-cli',
      comment: 'A command is the top of the tree; what two commands share moves below cli/.',
      from: { path: SIFT, pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    }),
    ...layerRule({
      name: 'packages-import-only-contract',
      comment: "The SDK and the browser client ship on their own; they may build from src/contract/ and nothing else of the worker (their tests may check against the worker's kinds).",
      from: { path: '^packages/[^/]+/', pathNot: ['^packages/[^/]+/test/', '\\.test\\.ts$'] },
      to: { path: SIFT, pathNot: '^src/contract/' },
    }),
    {
      name: 'not-to-unresolvable',
      comment: 'An import the checker cannot resolve is an import it cannot check.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API for the checker to parse with; swc reads the .ts files, type-only imports included.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    // The @nats-io packages resolve only through their package.json exports.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
