/**
 * Whether the client sends at all, and which kinds it leaves out: from the options, else from
 * SIFT_CLIENT_ENABLED / SIFT_CLIENT_DISABLED_KINDS, so an operator can switch Sift off without a
 * code change, as the collectors it replaces could be.
 */
export interface ClientSwitches {
  enabled: boolean;
  disabledKinds: ReadonlySet<string>;
}

const OFF = new Set(['0', 'false', 'no', 'off']);
const ON = new Set(['1', 'true', 'yes', 'on']);

export function clientSwitches(
  options: { enabled?: boolean; disabledKinds?: readonly string[] },
  env: NodeJS.ProcessEnv = process.env,
): ClientSwitches {
  let enabled = options.enabled;
  if (enabled === undefined) {
    const raw = env.SIFT_CLIENT_ENABLED?.trim().toLowerCase();
    if (raw === undefined || raw === '' || ON.has(raw)) enabled = true;
    else if (OFF.has(raw)) enabled = false;
    else throw new Error(`SIFT_CLIENT_ENABLED=${JSON.stringify(env.SIFT_CLIENT_ENABLED)} is not one of true, false, 1, 0, on, off`);
  }
  const listed = options.disabledKinds ?? (env.SIFT_CLIENT_DISABLED_KINDS ?? '').split(',');
  return { enabled, disabledKinds: new Set(listed.map((k) => k.trim()).filter(Boolean)) };
}
