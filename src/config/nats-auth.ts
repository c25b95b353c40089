/** The NATS keys that say how to sign in (a slice of the config's nats section). */
interface NatsAuthSettings {
  url: string;
  user: string;
  password: string;
  token: string;
  creds: string;
  nkeySeedFile: string;
}

/** What NATS_URL's userinfo says: nats://user:password@host or nats://token@host. */
export type UrlCredentials = { user: string; pass: string } | { token: string };

export interface NatsServers {
  /** The servers without their userinfo: the client ignores it, and it must not reach its errors. */
  servers: string[];
  /** Each server's userinfo as written ('' for none). */
  userinfo: string[];
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Splits NATS_URL into servers; the userinfo of each runs to its last @ (a password may hold @, : or /). */
export function natsServers(url: string): NatsServers {
  const servers: string[] = [];
  const userinfo: string[] = [];
  for (const server of url.split(',').map((s) => s.trim())) {
    const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:(\S*)@)?([^@]*)$/i.exec(server);
    servers.push(m ? `${m[1]}${m[3]}` : server);
    userinfo.push(m?.[2] ?? '');
  }
  return { servers, userinfo };
}

/** The credentials NATS_URL carries (percent-decoded), if any. */
export function urlCredentials(url: string): UrlCredentials | undefined {
  const given = natsServers(url).userinfo.find(Boolean);
  if (!given) return undefined;
  const colon = given.indexOf(':');
  return colon < 0 ? { token: decode(given) } : { user: decode(given.slice(0, colon)), pass: decode(given.slice(colon + 1)) };
}

/**
 * Ways to sign in that contradict each other, as one line naming the keys; undefined when at most
 * one is given. The client authenticates the same way with every server of the list.
 */
export function natsAuthProblem(nats: NatsAuthSettings): string | undefined {
  const given = new Set(natsServers(nats.url).userinfo.filter(Boolean));
  if (given.size > 1) {
    return 'nats.url (NATS_URL) gives different credentials for different servers: NATS signs in to each server of the list the same way, so give them once';
  }
  const ways = [
    given.size > 0 && 'credentials in nats.url (NATS_URL)',
    nats.creds && 'nats.creds (NATS_CREDS)',
    nats.nkeySeedFile && 'nats.nkeySeedFile (NATS_NKEY_SEED_FILE)',
    nats.token && 'nats.token (NATS_TOKEN)',
    (nats.user || nats.password) && 'nats.user/nats.password (NATS_USER/NATS_PASSWORD)',
  ].filter((way): way is string => Boolean(way));
  if (ways.length > 1) return `${ways.join(' and ')} are set together: NATS signs in one way, so give only one`;
  if (nats.password && !nats.user) return 'nats.password (NATS_PASSWORD) is set without nats.user (NATS_USER)';
  return undefined;
}
