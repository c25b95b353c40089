-- Least-privilege access to Sift's database on a ClickHouse server (run as an admin, once):
--   clickhouse client --multiquery < deploy/clickhouse/roles.sql
-- Replace the database name "telemetry" if CLICKHOUSE_DATABASE differs, and the REPLACE_ME
-- passwords (or use IDENTIFIED WITH sha256_hash BY '<hex>' to keep clear text out of files).
-- `sift migrate` needs DDL rights (CREATE, ALTER) and runs as an admin; the workers then only insert
-- and read, and analysts only read.

-- Workers: insert rows, read them back (filter restore, checks); no CREATE, ALTER, DROP or TRUNCATE.
CREATE ROLE IF NOT EXISTS sift_writer;
GRANT INSERT, SELECT ON telemetry.* TO sift_writer;

-- Analysts, dashboards and `sift query`: read only, and only Sift's database. No source grants
-- (FILE, URL, REMOTE, S3, HDFS, MYSQL, POSTGRES, ODBC, JDBC, …), so the server refuses table
-- functions that read files, URLs or other servers; no dictGet; nothing on other databases.
CREATE ROLE IF NOT EXISTS sift_analyst;
GRANT SELECT ON telemetry.* TO sift_analyst;

-- readonly = 2: reads only, yet a query may lower its own limits (sift query sends
-- max_execution_time, max_result_rows, max_memory_usage with every query, within the MAX here).
CREATE SETTINGS PROFILE IF NOT EXISTS sift_analyst_profile SETTINGS readonly = 2, max_execution_time = 120 MAX 600, max_memory_usage = 4294967296 MAX 8589934592, allow_introspection_functions = 0 CONST, allow_ddl = 0 CONST TO sift_analyst;

-- Per analyst per hour: bounds what one person (or a runaway script) can take from the server.
CREATE QUOTA IF NOT EXISTS sift_analyst_quota KEYED BY user_name FOR INTERVAL 1 hour MAX queries = 3600, execution_time = 7200, result_rows = 100000000, read_rows = 100000000000 TO sift_analyst;

CREATE USER IF NOT EXISTS sift_worker IDENTIFIED WITH sha256_password BY 'REPLACE_ME' DEFAULT ROLE sift_writer;
GRANT sift_writer TO sift_worker;

-- IF NOT EXISTS keeps an existing user as it is: `ALTER USER sift_analyst_user SETTINGS PROFILE sift_analyst_profile` updates one.
CREATE USER IF NOT EXISTS sift_analyst_user IDENTIFIED WITH sha256_password BY 'REPLACE_ME' SETTINGS PROFILE sift_analyst_profile;
GRANT sift_analyst TO sift_analyst_user;
ALTER USER sift_analyst_user DEFAULT ROLE sift_analyst;
