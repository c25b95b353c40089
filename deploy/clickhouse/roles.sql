-- Least-privilege access to Sift's database on a ClickHouse server (run as an admin, once):
--   clickhouse client --multiquery < deploy/clickhouse/roles.sql
-- Replace the database name "telemetry" if CLICKHOUSE_DATABASE differs, and the REPLACE_ME
-- passwords (or use IDENTIFIED WITH sha256_hash BY '<hex>' to keep clear text out of files).
-- `sift migrate` needs DDL rights (CREATE, ALTER) and runs as an admin; the workers then only insert
-- and read, and analysts only read.

-- Workers: insert rows, read them back (filter restore, checks); no CREATE, ALTER, DROP or TRUNCATE.
CREATE ROLE IF NOT EXISTS sift_writer;
GRANT INSERT, SELECT ON telemetry.* TO sift_writer;

-- Analysts, dashboards and `sift query`: read only.
CREATE ROLE IF NOT EXISTS sift_analyst;
GRANT SELECT ON telemetry.* TO sift_analyst;

CREATE USER IF NOT EXISTS sift_worker IDENTIFIED WITH sha256_password BY 'REPLACE_ME' DEFAULT ROLE sift_writer;
GRANT sift_writer TO sift_worker;

-- readonly = 2: read-only queries, but session settings (e.g. max_execution_time) may change.
CREATE USER IF NOT EXISTS sift_analyst_user IDENTIFIED WITH sha256_password BY 'REPLACE_ME' SETTINGS readonly = 2;
GRANT sift_analyst TO sift_analyst_user;
ALTER USER sift_analyst_user DEFAULT ROLE sift_analyst;
