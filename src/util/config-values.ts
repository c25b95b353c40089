import type convict from 'convict';

/** A convict schema section's loaded values, inferred as convict infers the whole config's: a component names its own config slice with it. */
export type ConfigValues<S> = S extends convict.Schema<infer T> ? T : never;
