import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { ANALYST_QUERY_LIMITS, ALERT_QUERY_LIMITS, QueryRefused, runReadOnly } from '../../src/sinks/clickhouse/read-only-query.js';
import { runQuery } from '../../src/cli/query.js';
import { checkRules } from '../../src/cli/alerts.js';
import { query as ruleQuery } from '../../src/alerts/engine.js';
import { parseRules } from '../../src/alerts/rules.js';
import { sift, siftOk } from '../helpers/cli.js';
import { guideQueries } from '../helpers/analyst-guide.js';

/** Collects what a command writes to stdout. */
function sink(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(out, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/**
 * `sift query` without --write and alert rule queries: each attack an analyst's access allows on
 * the embedded engine, refused before it runs, and the reads an analyst needs, still answered.
 */
describe('read-only queries (embedded engine)', () => {
  const id = randomBytes(4).toString('hex');
  const db = `sift_ro_${id}`;
  const other = `other_${id}`;
  let dir: string;
  let scratch: string;
  let clickhouse: ClickHouseClient;
  let http: HttpServer;
  let tcp: TcpServer;
  let httpPort = 0;
  let tcpPort = 0;
  const httpRequests: string[] = [];
  let tcpConnections = 0;

  /** sift query without --write: the output, or the one-line error it exits with. */
  async function analyst(sql: string, format = 'TSV', limits = ANALYST_QUERY_LIMITS): Promise<string> {
    const out = sink();
    await runQuery(clickhouse, sql, { format, write: false, database: db, limits }, out);
    return out.text();
  }
  async function refused(sql: string): Promise<string> {
    const error = await analyst(sql).then(
      (output) => new Error(`ran: ${JSON.stringify(sql)} printed ${JSON.stringify(output.slice(0, 200))}`),
      (e: Error) => e,
    );
    expect(error.message, sql).toMatch(/^refused: [^\n]+ \(sift query is read-only unless --write\)$/);
    return error.message;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-ro-'));
    scratch = mkdtempSync(join(tmpdir(), 'sift-ro-files-'));
    writeFileSync(join(scratch, 'secret.csv'), 'api_token_abc123,password\n1,2\n');
    http = createHttpServer((req, res) => {
      httpRequests.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
      res.end('{"a":1}\n');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
    tcp = createTcpServer((socket) => {
      tcpConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;

    const config = loadConfig({ env: { CLICKHOUSE_URL: '', CLICKHOUSE_EMBEDDED_PATH: dir, CLICKHOUSE_DATABASE: db, NODE_ENV: undefined } });
    clickhouse = await createClickHouse(config.clickhouse, { useDatabase: false });
    await migrate(clickhouse, { database: db, retentionDays: 3650 });
    await clickhouse.command({ query: `INSERT INTO ${db}.heartbeats (ts, instance_id, app) VALUES (now64(3), 'i-1', 'web')` });
    await clickhouse.command({ query: `CREATE DATABASE ${other}` });
    await clickhouse.command({ query: `CREATE TABLE ${other}.secret (v String) ENGINE = MergeTree ORDER BY v` });
    await clickhouse.command({ query: `INSERT INTO ${other}.secret VALUES ('the other database')` });
    await clickhouse.command({ query: `USE ${db}` });
  });
  afterAll(async () => {
    await clickhouse?.close();
    http?.close();
    tcp?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('INTO OUTFILE is refused and writes nothing, not even a view definition for the next process to load', async () => {
    const planted = join(scratch, 'planted.txt');
    expect(await refused(`SELECT 'x' INTO OUTFILE '${planted}' TRUNCATE FORMAT RawBLOB`)).toContain(
      'INTO OUTFILE writes a file on the host',
    );
    const metadata = join(dir, 'metadata', db, 'planted_v.sql');
    await refused(`SELECT 'ATTACH VIEW planted_v AS SELECT 1' INTO OUTFILE '${metadata}' TRUNCATE FORMAT RawBLOB`);
    await refused(`EXPLAIN SELECT 1 INTO OUTFILE '${planted}'`);
    await refused(`SHOW TABLES INTO OUTFILE '${planted}'`);
    expect(existsSync(planted)).toBe(false);
    expect(existsSync(metadata)).toBe(false);
  });

  it('INTO OUTFILE on any statement kind writes nothing, while it is checked or after', async () => {
    const kinds = [
      'SELECT 1',
      'WITH 1 AS a SELECT a',
      'SELECT 1 UNION ALL SELECT 2',
      'EXPLAIN SELECT 1',
      'EXPLAIN AST SELECT 1',
      'EXPLAIN SYNTAX SELECT 1',
      'DESCRIBE heartbeats',
      'SHOW TABLES',
      'SHOW DATABASES',
      'SHOW CREATE TABLE heartbeats',
      'EXISTS TABLE heartbeats',
      'SHOW COLUMNS FROM heartbeats',
      'SHOW PROCESSLIST',
      'SHOW GRANTS',
      'CHECK TABLE heartbeats',
      "SHOW SETTINGS LIKE 'max_threads'",
    ];
    for (const [i, kind] of kinds.entries()) {
      await refused(`${kind} INTO OUTFILE '${join(scratch, `out-${i}`)}'`);
      await refused(`${kind} INTO OUTFILE '${join(scratch, `out-${i}-fmt`)}' FORMAT TSV`);
    }
    expect(readdirSync(scratch).filter((f) => f.startsWith('out-'))).toEqual([]);
  });

  it('a quoted name holding a line break cannot forge the syntax tree', async () => {
    expect(await refused('SELECT 1 AS `a"];\n    n1[label="Literal 1`')).toContain('could not be read');
    expect(await refused('SELECT 1 FROM `heartbeats\n    n2[label="TableIdentifier x"];` AS t')).toContain('could not be read');
  });

  it("DESCRIBE file(...) returns no part of the host's files", async () => {
    for (const sql of [
      "DESCRIBE file('/etc/passwd', 'JSONEachRow')",
      `DESCRIBE file('${join(scratch, 'secret.csv')}', 'CSVWithNames')`,
      `DESC TABLE FILE('${join(scratch, 'secret.csv')}', 'CSVWithNames')`,
      `SELECT file('/etc/passwd')`,
      `SELECT * FROM file('/etc/passwd', 'LineAsString')`,
    ]) {
      const message = await refused(sql);
      expect(message).toMatch(/file\(\) reads the host's files/i);
      expect(message).not.toMatch(/root|api_token/);
    }
  });

  it('DESCRIBE url(...) with chosen headers, s3, remote, mysql, postgresql: refused, and no request leaves', async () => {
    const web = `http://127.0.0.1:${httpPort}`;
    const peer = `127.0.0.1:${tcpPort}`;
    const attempts: Array<[string, RegExp]> = [
      [`DESCRIBE url('${web}/x', 'JSONEachRow', headers('X-A'='1'))`, /url\(\) fetches URLs/],
      [`SELECT * FROM url('${web}/x', 'JSONEachRow', 'a UInt8')`, /url\(\) fetches URLs/],
      [`DESCRIBE s3('${web}/bucket/key.csv', 'CSV')`, /s3\(\) reads object storage/],
      [`SELECT * FROM s3('${web}/bucket/key.csv', 'KEY', 'SECRET', 'CSV', 'a UInt8')`, /s3\(\) reads object storage/],
      [`SELECT * FROM remote('${peer}', system.one)`, /remote\(\) queries other ClickHouse servers/],
      [`SELECT * FROM remoteSecure('${peer}', ${db}.heartbeats)`, /remoteSecure\(\) queries other ClickHouse servers/],
      [`SELECT * FROM cluster('default', system.one)`, /cluster\(\) queries other ClickHouse servers/],
      [`SELECT * FROM mysql('${peer}', 'db', 't', 'user', 'password')`, /mysql\(\) connects to another database/],
      [`DESCRIBE postgresql('${peer}', 'db', 't', 'user', 'password')`, /postgresql\(\) connects to another database/],
      [`SELECT * FROM executable('cat /etc/passwd', 'TSV', 'line String')`, /executable\(\) runs a program/],
      [`SELECT * FROM merge('${other}', '.*')`, /merge\(\) reads outside the Sift database/],
    ];
    for (const [sql, reason] of attempts) expect(await refused(sql), sql).toMatch(reason);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(httpRequests).toEqual([]);
    expect(tcpConnections).toBe(0);
  });

  it('EXPLAIN over a table function is refused, whatever the EXPLAIN kind', async () => {
    for (const kind of ['', 'PLAN', 'PIPELINE', 'SYNTAX', 'QUERY TREE', 'ESTIMATE']) {
      expect(await refused(`EXPLAIN ${kind} SELECT * FROM file('/etc/passwd', 'LineAsString')`)).toContain("file() reads the host's files");
    }
    // EXPLAIN AST is refused as a kind: its FORMAT and SETTINGS would bind to the query it explains.
    expect(await refused("EXPLAIN AST SELECT * FROM file('/etc/passwd', 'LineAsString')")).toContain(
      'EXPLAIN AST is not one of the EXPLAIN kinds allowed',
    );
    await refused(`EXPLAIN SELECT * FROM url('http://127.0.0.1:${httpPort}/e', 'JSONEachRow')`);
    expect(httpRequests).toEqual([]);
  });

  it('a table function hidden in a subquery, a CTE, a JOIN, IN, view() or a parameterized-view argument is refused', async () => {
    const f = "file('/etc/passwd', 'LineAsString')";
    for (const sql of [
      `SELECT * FROM (SELECT * FROM ${f})`,
      `WITH leak AS (SELECT * FROM ${f}) SELECT * FROM leak`,
      `WITH (SELECT any(line) FROM ${f}) AS leak SELECT leak`,
      `SELECT * FROM heartbeats AS h JOIN ${f} AS p ON h.app = p.line`,
      `SELECT count() FROM heartbeats WHERE app IN (SELECT line FROM ${f})`,
      `SELECT * FROM view(SELECT * FROM ${f})`,
      `SELECT 1 UNION ALL SELECT count() FROM ${f}`,
      `SELECT * FROM api_performance(hours = 1, endpoint = (SELECT any(line) FROM ${f}))`,
      `DESCRIBE (SELECT * FROM ${f})`,
      `SELECT arrayMap(x -> (SELECT count() FROM ${f}), [1])`,
    ])
      expect(await refused(sql), sql).toContain("file() reads the host's files");
  });

  it('two statements are refused and the second never runs', async () => {
    expect(await refused('SELECT 1; DROP TABLE heartbeats')).toContain('more than one statement');
    await refused('SELECT 1 AS value;\nDROP TABLE heartbeats;');
    await refused('SELECT 1 PARALLEL WITH DROP TABLE heartbeats');
    expect(await analyst('EXISTS TABLE heartbeats')).toBe('1\n');
  });

  it('SETTINGS that would lift the limits are refused, wherever they sit', async () => {
    for (const sql of [
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT * FROM (SELECT 1 SETTINGS allow_ddl = 1)',
      'SELECT 1 FORMAT TSV SETTINGS max_execution_time = 0',
      'EXPLAIN SELECT 1 SETTINGS max_result_rows = 0',
      'DESCRIBE heartbeats SETTINGS readonly = 0',
    ])
      expect(await refused(sql), sql).toContain('a SETTINGS clause');
  });

  it('another database, or a system table beyond the storage ones, is refused in every position', async () => {
    for (const sql of [
      `SELECT * FROM ${other}.secret`,
      `SELECT * FROM heartbeats JOIN ${other}.secret ON 1 = 1`,
      `SELECT 'the other database' IN ${other}.secret`,
      `DESCRIBE ${other}.secret`,
      `SHOW CREATE TABLE ${other}.secret`,
      `SHOW TABLES FROM ${other}`,
      `EXISTS TABLE ${other}.secret`,
      `SELECT joinGet('${other}.secret', 'v', 1)`,
      `SELECT dictGet('${other}.dict', 'v', 1)`,
      `SELECT hasColumnInTable('${other}', 'secret', 'v')`,
      `SELECT dictGetKeys('${other}.dict', 'v', 1)`,
      `SELECT aiGenerate('say the password')`,
      'SELECT * FROM system.query_log',
      'SELECT * FROM system.users',
      'SELECT * FROM INFORMATION_SCHEMA.TABLES',
    ]) {
      const message = await refused(sql);
      expect(message, sql).not.toContain('the other database\n');
    }
    expect(await refused(`SELECT * FROM ${other}.secret`)).toContain(`table ${other}.secret is outside the Sift database ${db}`);
  });

  it('statements that change anything are refused by kind, before ClickHouse sees them', async () => {
    for (const sql of [
      'DROP TABLE heartbeats',
      'INSERT INTO heartbeats (instance_id) VALUES (1)',
      'SET readonly = 0',
      'SYSTEM DROP MARK CACHE',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'SHOW PROCESSLIST',
      'USE system',
    ]) {
      expect(await refused(sql), sql).toContain('is not a read allowed here');
    }
    expect(await analyst('EXISTS TABLE heartbeats')).toBe('1\n');
  });

  it('the reads an analyst needs still answer: CTE, views, parameterized views, SHOW, DESCRIBE, EXPLAIN, system.parts', async () => {
    expect(await analyst("WITH recent AS (SELECT instance_id FROM heartbeats WHERE app = 'web') SELECT count() FROM recent")).toBe('1\n');
    expect(await analyst('SELECT instance_id FROM instances_v')).toBe('i-1\n');
    expect(await analyst(`SELECT count() FROM ${db}.heartbeats`)).toBe('1\n');
    expect(await analyst("SELECT count() FROM api_performance(hours = 24, endpoint = '')")).toBe('0\n');
    expect(await analyst(`SELECT count() FROM ${db}.api_performance(hours = 24, endpoint = '')`)).toBe('0\n');
    expect((await analyst('SHOW TABLES')).split('\n')).toContain('heartbeats');
    expect(await analyst('DESCRIBE heartbeats')).toMatch(/^ts\t/);
    expect(await analyst(`DESCRIBE TABLE ${db}.heartbeats`)).toMatch(/^ts\t/);
    expect(await analyst('SHOW CREATE TABLE heartbeats')).toContain('CREATE TABLE');
    expect(await analyst('EXPLAIN SELECT count() FROM heartbeats')).toContain('ReadFrom');
    expect(await analyst('EXPLAIN PLAN header = 1 SELECT count() FROM heartbeats')).toContain('Header');
    expect(await analyst('EXPLAIN SYNTAX SELECT 1')).toContain('SELECT 1');
    expect(await analyst('EXPLAIN ESTIMATE SELECT count() FROM heartbeats')).toBeDefined();
    expect(await analyst(`SELECT count() > 0 FROM system.parts WHERE database = '${db}' AND table = 'heartbeats' AND active`)).toBe('1\n');
    expect(await analyst('SELECT sum(number) FROM numbers(10)')).toBe('45\n');
    expect(await analyst('SELECT count() AS n FROM heartbeats FORMAT JSONEachRow')).toMatch(/^\{"n":"?1"?\}\n$/);
    expect(await analyst("SHOW TABLES LIKE 'heartbeat%' FORMAT CSV")).toBe('"heartbeats"\n');
    expect(await analyst(`SHOW TABLES FROM ${db} LIKE 'heartbeat%'`)).toBe('heartbeats\n');
    expect(await analyst("SELECT app FROM heartbeats -- a comment; DROP TABLE heartbeats\nWHERE app = 'web';")).toBe('web\n');
  });

  it('every query of the analyst guide runs read-only as written', async () => {
    const sample: Record<string, unknown> = { String: '', UInt32: 24, Float64: 1 };
    for (const { name, sql } of guideQueries().values()) {
      const params = Object.fromEntries([...sql.matchAll(/\{(\w+):(\w+)\}/g)].map(([, key, type]) => [key!, sample[type!]]));
      await expect(runReadOnly(clickhouse, sql, params, { database: db, limits: ANALYST_QUERY_LIMITS }), name).resolves.toBeDefined();
    }
  });

  it("runs with readonly and its limits as the query's own settings, and leaves the shared session writable", async () => {
    expect(
      await analyst("SELECT getSetting('readonly'), getSetting('max_execution_time')", 'TSV', {
        ...ANALYST_QUERY_LIMITS,
        maxExecutionTimeS: 7,
      }),
    ).toBe('1\t7\n');
    await expect(analyst('SELECT number FROM numbers(11)', 'TSV', { ...ANALYST_QUERY_LIMITS, maxResultRows: 10 })).rejects.toThrow(
      /code 396/,
    );
    await expect(
      analyst('SELECT sleep(1) FROM numbers(3) SETTINGS max_block_size = 1', 'TSV', { ...ANALYST_QUERY_LIMITS, maxExecutionTimeS: 1 }),
    ).rejects.toThrow(/SETTINGS/);
    await expect(
      analyst('SELECT sleepEachRow(0.5) FROM numbers(6)', 'TSV', { ...ANALYST_QUERY_LIMITS, maxExecutionTimeS: 1 }),
    ).rejects.toThrow(/code 159/);
    // The worker shares the embedded session: nothing of the read-only query may stay in it.
    const [session] = await (
      await clickhouse.query({ query: "SELECT getSetting('readonly') AS r, getSetting('max_result_rows') AS m", format: 'JSONEachRow' })
    ).json<{ r: string; m: string }>();
    expect({ r: Number(session!.r), m: Number(session!.m) }).toEqual({ r: 0, m: 0 });
    await clickhouse.command({ query: `INSERT INTO ${db}.heartbeats (ts, instance_id, app) VALUES (now64(3), 'i-2', 'web')` });
    await clickhouse.command({ query: `ALTER TABLE ${db}.heartbeats DELETE WHERE instance_id = 'i-2' SETTINGS mutations_sync = 2` });
  });

  it('under a server profile of readonly = 2 (the shipped analyst user) it sends only the limits; under readonly = 1 nothing', async () => {
    const { createClient } = await import('@clickhouse/client');
    const { createChdbConnection } = await import('chdb/connection');
    const options = { database: db, limits: { ...ALERT_QUERY_LIMITS, maxExecutionTimeS: 9 } };
    for (const [readonly, timeout] of [
      [2, 9],
      [1, 0],
    ] as const) {
      // Another session on the same engine stands for a user whose readonly comes from the server.
      const connection = createChdbConnection({ path: dir }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
      const session = createClient({ connection });
      try {
        await session.command({ query: `USE ${db}` });
        await session.command({ query: `SET readonly = ${readonly}` });
        const [seen] = await runReadOnly<{ r: unknown; t: unknown }>(
          session,
          "SELECT getSetting('readonly') AS r, getSetting('max_execution_time') AS t",
          {},
          options,
        );
        expect([Number(seen!.r), Number(seen!.t)]).toEqual([readonly, timeout]);
      } finally {
        await session.close();
      }
    }
  });

  it('runReadOnly binds parameters, and an Identifier parameter cannot name another database', async () => {
    const options = { database: db, limits: ALERT_QUERY_LIMITS };
    const bound = await runReadOnly<{ v: unknown; s: string }>(
      clickhouse,
      'SELECT {n:UInt32} + 1 AS v, {s:String} AS s',
      { n: 41, s: "x'); DROP TABLE heartbeats; --" },
      options,
    );
    expect(bound.map((r) => [Number(r.v), r.s])).toEqual([[42, "x'); DROP TABLE heartbeats; --"]]);
    const counted = await runReadOnly<{ n: unknown }>(clickhouse, 'SELECT count() AS n FROM {t:Identifier}', { t: 'heartbeats' }, options);
    expect(counted.map((r) => Number(r.n))).toEqual([1]);
    await expect(runReadOnly(clickhouse, 'SELECT * FROM {t:Identifier}', { t: `${other}.secret` }, options)).rejects.toThrow(QueryRefused);
    await expect(runReadOnly(clickhouse, 'SELECT 1 FORMAT CSV', {}, options)).rejects.toThrow('refused: a FORMAT clause');
  });

  it('an alert rule "SELECT 1 AS value; DROP TABLE heartbeats" is refused and the table stays', async () => {
    const rules = parseRules(
      'rules:\n  - name: sneaky\n    severity: info\n    query: "SELECT 1 AS value; DROP TABLE heartbeats"\n    above: 0\n',
      'alerts.yaml',
    );
    await expect(checkRules(clickhouse, db, rules)).rejects.toThrow(/^alert rule "sneaky": query: refused: more than one statement/);
    await expect(ruleQuery(clickhouse, db, rules[0]!.query)).rejects.toThrow(QueryRefused);
    const reader = parseRules(
      `rules:\n  - name: reader\n    severity: info\n    query: "SELECT toFloat64(length(file('/etc/passwd'))) AS value"\n    above: 0\n`,
      'alerts.yaml',
    );
    await expect(checkRules(clickhouse, db, reader)).rejects.toThrow(
      /^alert rule "reader": query: refused: function file\(\) reads the host's files/,
    );
    const show = parseRules('rules:\n  - name: show\n    severity: info\n    query: "SHOW TABLES"\n    above: 0\n', 'alerts.yaml');
    await expect(checkRules(clickhouse, db, show)).rejects.toThrow(/refused: SHOW TABLES is not a read allowed here \(allowed: SELECT\)/);
    expect(await analyst('EXISTS TABLE heartbeats')).toBe('1\n');
    const fine = parseRules(
      'rules:\n  - name: fine\n    severity: info\n    query: "SELECT app, count() AS value FROM heartbeats GROUP BY app"\n    above: 0\n',
      'alerts.yaml',
    );
    expect(await checkRules(clickhouse, db, fine)).toEqual(['would fire  fine (info) app=web value=1 above 0; fires at once']);
  });

  it('leaves no stray files in the working directory', () => {
    expect(readdirSync(scratch).sort()).toEqual(['secret.csv']);
  });
});

/** The built CLI, as an analyst and an on-call engineer run it: one line, exit 1, nothing changed. */
describe('sift query and sift alerts check (CLI)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-ro-cli-'));
    env = {
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(dir, 'clickhouse'),
      CLICKHOUSE_DATABASE: `sift_ro_cli_${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'silent',
      ALERT_RULES_FILE: join(dir, 'alerts.yaml'),
    };
    await siftOk(['migrate'], env);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sift query refuses INTO OUTFILE in one line and writes no file', async () => {
    const target = join(dir, 'overwritten.txt');
    writeFileSync(target, 'original\n');
    const result = await sift(['query', `SELECT 'x' INTO OUTFILE '${target}' TRUNCATE FORMAT RawBLOB`], env).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sift: refused: INTO OUTFILE writes a file on the host (sift query is read-only unless --write)\n');
    expect(await import('node:fs').then((fs) => fs.readFileSync(target, 'utf8'))).toBe('original\n');
  });

  it('sift alerts check refuses a rule that would drop a table, and the table stays', async () => {
    writeFileSync(
      env.ALERT_RULES_FILE!,
      'rules:\n  - name: sneaky\n    severity: info\n    query: "SELECT 1 AS value; DROP TABLE heartbeats"\n    above: 0\n',
    );
    const result = await sift(['alerts', 'check'], env).done;
    expect(result.code).toBe(2); // a rule that cannot be used is a configuration error
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('alert rule "sneaky": query: refused: more than one statement');
    expect((await siftOk(['query', 'EXISTS TABLE heartbeats', '--format', 'TSV'], env)).trim()).toBe('1');
  });
});
