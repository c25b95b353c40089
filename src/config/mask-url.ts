/**
 * A URL's userinfo, wherever it sits in a text. It runs from `scheme://` to the LAST `@` before
 * whitespace, a quote, an angle bracket or the next `scheme://`: people write passwords with an
 * unencoded `@`, `:` or `/` (nats://u:p@ss/x@host), and masking to the first `@` or `/` showed the
 * rest. It never starts with `/`, so `file:///…/node_modules/@scope/…` in a stack trace is no URL
 * with credentials. A path holding an `@` (http://host/a@b) cannot be told from a password holding
 * a `/`, so it is masked too: hiding a little too much is the safe side.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)((?:(?![a-z][a-z0-9+.-]*:\/\/)[^\s"'`<>@/])(?:(?![a-z][a-z0-9+.-]*:\/\/)[^\s"'`<>])*)@/gi;

/** The userinfo of every URL in a text (user:password, or a lone token), found as masking finds it. */
export const userinfosIn = (text: string): string[] => [...text.matchAll(USERINFO)].map((m) => m[2]!);

/** user:password → user:***, a lone token (or anything without a user) → ***. */
function maskUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  return colon > 0 && !userinfo.slice(0, colon).includes('/') ? `${userinfo.slice(0, colon)}:***` : '***';
}

/** Masks every URL with userinfo anywhere in a text, e.g. an error message or a stack trace quoting one. */
export const maskUrlsIn = (text: string): string =>
  text.includes('://') ? text.replace(USERINFO, (_, scheme: string, userinfo: string) => `${scheme}${maskUserinfo(userinfo)}@`) : text;

/**
 * Hides the password (or a lone token) in a URL's userinfo: nats://alice:s3cret@host →
 * nats://alice:***@host, nats://t0ken@host → nats://***@host. Text without userinfo is unchanged.
 */
export const maskUrl = (url: string): string => maskUrlsIn(url);

/** NATS_URL may list several servers, comma-separated: each is masked. */
export const maskUrlList = (urls: string): string =>
  maskUrlsIn(urls)
    .split(',')
    .map((u) => u.trim())
    .join(',');
