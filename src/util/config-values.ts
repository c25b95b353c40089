import type convict from 'convict';

/** The values a convict schema section gives once loaded, typed as convict types the whole config: a component names its own slice with it. */
export type ConfigValues<S> = S extends convict.Schema<infer T> ? T : never;
