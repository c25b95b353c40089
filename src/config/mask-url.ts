/**
 * Hides the password (or a lone token) in a URL's userinfo: nats://alice:s3cret@host →
 * nats://alice:***@host, nats://t0ken@host → nats://***@host. Text without userinfo is unchanged.
 */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/\s]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** NATS_URL may list several servers, comma-separated: each is masked. */
export const maskUrlList = (urls: string): string => urls.split(',').map((u) => maskUrl(u.trim())).join(',');

/** Masks every URL with userinfo anywhere in a text, e.g. an error message quoting one. */
export const maskUrlsIn = (text: string): string => text.replace(/[a-z][a-z0-9+.-]*:\/\/[^@/\s]*@/gi, (match) => maskUrl(match));
