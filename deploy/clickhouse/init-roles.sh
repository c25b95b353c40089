#!/bin/sh
# Run once by the ClickHouse image at its first start (deploy/docker/compose.yaml mounts it into
# /docker-entrypoint-initdb.d/, and roles.sql at /etc/sift/roles.sql): creates the roles and users
# of roles.sql as the admin user, each user identified by the SHA-256 of its password from the
# environment, so no clear-text password is written into SQL.
set -eu
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
worker="$(sha256 "$SIFT_WORKER_PASSWORD")"
analyst="$(sha256 "$SIFT_ANALYST_PASSWORD")"
sed -e "/CREATE USER IF NOT EXISTS sift_worker /s/WITH sha256_password BY 'REPLACE_ME'/WITH sha256_hash BY '$worker'/" \
    -e "/CREATE USER IF NOT EXISTS sift_analyst_user /s/WITH sha256_password BY 'REPLACE_ME'/WITH sha256_hash BY '$analyst'/" \
    "${SIFT_ROLES_SQL:-/etc/sift/roles.sql}" \
  | clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery
