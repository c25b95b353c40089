/** Fields to drop or hash, per kind: {"api": {"hash": ["client_ip", "user_id"]}, "activity": {"drop": ["search_query"]}}. */
export type PrivacyRules = Record<string, { hash?: string[]; drop?: string[] }>;

export const privacyConfig = {
  rules: {
    doc: 'Per kind, body fields to drop (stored empty) or hash (salted SHA-256, hex) before they are stored, e.g. {"api":{"hash":["client_ip","user_id"]},"activity":{"drop":["search_query"]}}. A field a kind does not have stops start-up.',
    format: 'privacy-rules',
    default: {} as PrivacyRules,
    env: 'PRIVACY',
  },
  salt: {
    doc: 'Salt of the hashed fields (keep it secret and stable: the same value hashes the same way across workers and restarts). Required when a rule hashes.',
    format: String,
    default: '',
    env: 'PRIVACY_SALT',
    sensitive: true,
  },
};
