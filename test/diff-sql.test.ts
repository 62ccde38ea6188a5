/**
 * The SQL builders. DuckDB (a dev dependency) runs the SQL over the same files and must give the
 * library's answers: the stats queries against summarize(), the diff query against diffInventories
 * (changes, fields, counts and bytes), for CSV and Parquet deliveries. Athena cannot run here: its DDL
 * is held against the columns and types of the AWS page it follows.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_FIELDS, csvFileSchema, makeRows, parquetFileSchema, writeInventory } from '../fixtures/generate.js'
import { diffInventories, diffSql, inventorySql, readInventory, readManifest, summarize, type ChangeKind, type DiffChange, type InventoryManifest, type RowFilter } from '../src/index.js'
import { unversionedPair, versionedPair, type Pair } from './support/diff-pairs.js'
import { tmpDir } from './support/tmp.js'

let db: DuckDBInstance
let con: DuckDBConnection
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:', { threads: '2' })
  con = await db.connect()
})
afterAll(() => con?.closeSync())

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
}

/** Deliveries whose duplicate rows sit in a data file of their own (DuckDB has no row numbers in CSV files). */
async function deliveries(root: string, pair: Pair, formats: ['CSV' | 'Parquet', 'CSV' | 'Parquet']) {
  const plan = (n: number, dups: number) => (dups ? [dups, Math.ceil((n - dups) / 3)] : [Math.ceil(n / 3)])
  const older = await writeInventory({ root, format: formats[0], rows: pair.older, filesRows: plan(pair.older.length, pair.duplicates.older), timestamp: '2026-11-19T01-00Z', space: '+', rowGroupSize: 700 })
  const newer = await writeInventory({ root, format: formats[1], rows: pair.newer, filesRows: plan(pair.newer.length, pair.duplicates.newer), timestamp: '2026-11-20T01-00Z', space: '%20', rowGroupSize: 700 })
  return { older: await readManifest(older.manifestPath), newer: await readManifest(newer.manifestPath) }
}

describe('DuckDB SQL gives the library’s answers', async () => {
  const root = await tmpDir('sql')

  for (const format of ['CSV', 'Parquet'] as const) {
    it(`stats queries over a ${format} delivery`, async () => {
      const f = await writeInventory({ root: path.join(root, `stats-${format}`), format, rows: makeRows({ count: 4000, seed: 61 }), filesRows: [1500], rowGroupSize: 600 })
      const m = await readManifest(f.manifestPath)
      const sql = await inventorySql(m, { engine: 'duckdb', prefixDepth: 2 })
      await con.run(sql.statements[0].sql)
      const [total, byClass, byExt, byPrefix, png] = await Promise.all(sql.statements.slice(1).map((s) => rows(s.sql)))
      const ours = async (by: Parameters<typeof summarize>[1]) => summarize(readInventory(m), by)
      const t = await ours({})
      expect(total.map((r) => [Number(r.objects), Number(r.bytes)])).toEqual([[t.total.count, t.total.bytes]])
      const groups = (g: { key: string[]; count: number; bytes: number }[]) => new Map(g.map((x) => [x.key[0], [x.count, x.bytes]]))
      const sqlGroups = (r: Record<string, unknown>[], col: string) => new Map(r.map((x) => [x[col] === null ? '(none)' : String(x[col]), [Number(x.objects), Number(x.bytes)]]))
      expect(sqlGroups(byClass, 'storage_class')).toEqual(groups((await ours({ by: 'storageClass' })).groups))
      expect(sqlGroups(byExt, 'extension')).toEqual(groups((await ours({ by: 'extension' })).groups))
      expect(sqlGroups(byPrefix, 'prefix')).toEqual(groups((await ours({ by: { prefix: 2 } })).groups))
      expect(png.map((r) => r.key)).toEqual(f.rows.filter((r) => r.key.endsWith('.png')).map((r) => r.key).sort())
    })
  }

  const cases: { name: string; pair: Pair; formats: ['CSV' | 'Parquet', 'CSV' | 'Parquet'] }[] = [
    { name: 'CSV vs CSV, current versions, with duplicates', pair: unversionedPair(3000, 71), formats: ['CSV', 'CSV'] },
    { name: 'CSV vs Parquet, current versions', pair: unversionedPair(3000, 72), formats: ['CSV', 'Parquet'] },
    { name: 'Parquet vs CSV, all versions', pair: versionedPair(3000, 73), formats: ['Parquet', 'CSV'] },
  ]
  for (const [i, c] of cases.entries()) {
    it(`diff query: ${c.name}`, async () => {
      const { older, newer } = await deliveries(path.join(root, `diff-${i}`), c.pair, c.formats)
      const ours: DiffChange[] = []
      const d = diffInventories(older, newer)
      for await (const x of d) ours.push(x)
      const summary = await d.summary()
      const sql = await diffSql(older, newer, { engine: 'duckdb' })
      const [changes, counts] = [await rows(sql.statements[0].sql), await rows(sql.statements[1].sql)]
      const norm = (change: unknown, key: unknown, vid: unknown, fields: unknown) => `${change} ${JSON.stringify(key)} ${vid ?? ''} ${fields ?? ''}`
      expect(changes.map((r) => norm(r.change, r.key, r.version_id, r.fields)).sort()).toEqual(ours.map((x) => norm(x.change, x.key, x.versionId, x.fields?.join(','))).sort())
      expect(Object.fromEntries(counts.map((r) => [r.change, { count: Number(r.objects), bytes: Number(r.bytes) }]))).toEqual(
        Object.fromEntries((['added', 'changed', 'removed'] as const).filter((k) => summary.total[k].count > 0).map((k) => [k, { count: summary.total[k].count, bytes: summary.total[k].bytes }])),
      )
    })
  }

  // The filter and `only` go into the query: it returns what the library's diff under the same filter does.
  const filtered: { name: string; pair: Pair; formats: ['CSV' | 'Parquet', 'CSV' | 'Parquet']; filter: RowFilter; only: ChangeKind[] }[] = [
    {
      name: 'CSV vs CSV: prefixes, sizes, storage classes, a date; added and changed',
      pair: unversionedPair(6000, 74),
      formats: ['CSV', 'CSV'],
      filter: { prefix: ['images/', 'logs/', 'data/', 'reports/', 'with space', 'plus+sign', 'é'], minSize: 1_000_000, storageClass: ['standard', 'GLACIER', 'DEEP_ARCHIVE', 'glacier_ir'], modifiedAfter: '2024-03-01' },
      only: ['added', 'changed'],
    },
    {
      name: 'Parquet vs CSV, all versions: suffixes, a size bound, a date, current versions without delete markers; removed and changed',
      pair: versionedPair(6000, 75),
      formats: ['Parquet', 'CSV'],
      filter: { suffix: ['.gz', '.json', '.png', '.csv', ' ', 'é'], maxSize: 3_000_000_000, modifiedBefore: '2025-06-01T00:00:00Z', latestOnly: true, excludeDeleteMarkers: true },
      only: ['removed', 'changed'],
    },
  ]
  for (const [i, c] of filtered.entries()) {
    it(`diff query with a filter and only: ${c.name}`, async () => {
      const { older, newer } = await deliveries(path.join(root, `filtered-${i}`), c.pair, c.formats)
      const norm = (change: unknown, key: unknown, vid: unknown, fields: unknown) => `${change} ${JSON.stringify(key)} ${vid ?? ''} ${fields ?? ''}`
      const ours: string[] = []
      for await (const x of diffInventories(older, newer, { filter: c.filter, only: c.only })) ours.push(norm(x.change, x.key, x.versionId, x.fields?.join(',')))
      const all: string[] = []
      for await (const x of diffInventories(older, newer)) all.push(norm(x.change, x.key, x.versionId, x.fields?.join(',')))
      expect(ours.length).toBeGreaterThan(20)
      expect(ours.length).toBeLessThan(all.length / 2) // the filter matters
      const sql = await diffSql(older, newer, { engine: 'duckdb', filter: c.filter, only: c.only })
      const changes = await rows(sql.statements[0].sql)
      expect(changes.map((r) => norm(r.change, r.key, r.version_id, r.fields)).sort()).toEqual(ours.sort())
      const counts = await rows(sql.statements[1].sql)
      expect(counts.map((r) => r.change).sort()).toEqual([...new Set(ours.map((x) => x.split(' ')[0]))].sort())
    })
  }

  it('refuses filter parts SQL would apply differently (glob, regex, ignoreCase), and bad only values', async () => {
    const { older, newer } = await deliveries(path.join(root, 'refused'), unversionedPair(50, 76), ['CSV', 'CSV'])
    await expect(diffSql(older, newer, { engine: 'duckdb', filter: { glob: '*.png' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'filter.glob' })
    await expect(diffSql(older, newer, { engine: 'athena', filter: { prefix: 'a', ignoreCase: true } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'filter.ignoreCase' })
    await expect(diffSql(older, newer, { engine: 'duckdb', filter: { prefx: 'a' } as RowFilter })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'filter.prefx' })
    await expect(diffSql(older, newer, { engine: 'duckdb', only: ['moved' as ChangeKind] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'only' })
    const athena = await diffSql(older, newer, { engine: 'athena', filter: { prefix: 'logs/', minSize: 10 }, only: ['added'] })
    expect(athena.statements.at(-1)!.sql).toContain("substr(url_decode(\"key\"), 1, 5) = 'logs/'")
    expect(athena.statements.at(-1)!.sql).toContain('CAST(NULLIF("size", \'\') AS bigint) >= 10')
  })

  it('refuses DuckDB SQL for an ORC inventory, with a typed error', async () => {
    const m = await orcManifest(path.join(root, 'orc'))
    await expect(inventorySql(m, { engine: 'duckdb' })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
    await expect(diffSql(m, m, { engine: 'duckdb' })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
    await expect(inventorySql(m, { engine: 'athena' })).resolves.toBeTruthy()
  })
})

/**
 * The DDL of https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-athena-query.html
 * ("Querying Amazon S3 Inventory with Amazon Athena", current version with lifecycle_expiration_date),
 * column by column. One deliberate difference: the page types object_lock_retain_until_date as
 * bigint for ORC and Parquet, where the files hold a timestamp (as for the page's other two dates).
 */
const DOCUMENTED: Record<'ORC' | 'Parquet' | 'CSV', string> = {
  ORC: `bucket string, key string, version_id string, is_latest boolean, is_delete_marker boolean, size bigint, last_modified_date timestamp,
    e_tag string, storage_class string, is_multipart_uploaded boolean, replication_status string, encryption_status string,
    object_lock_retain_until_date bigint, object_lock_mode string, object_lock_legal_hold_status string, intelligent_tiering_access_tier string,
    bucket_key_status string, checksum_algorithm string, object_access_control_list string, object_owner string, lifecycle_expiration_date timestamp`,
  Parquet: '', // "use the sample query for an ORC-formatted report", with the Parquet SerDe
  CSV: `bucket string, key string, version_id string, is_latest boolean, is_delete_marker boolean, size string, last_modified_date string,
    e_tag string, storage_class string, is_multipart_uploaded boolean, replication_status string, encryption_status string,
    object_lock_retain_until_date string, object_lock_mode string, object_lock_legal_hold_status string, intelligent_tiering_access_tier string,
    bucket_key_status string, checksum_algorithm string, object_access_control_list string, object_owner string, lifecycle_expiration_date string`,
}
const SERDES = {
  ORC: 'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
  Parquet: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  CSV: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
}
const parseColumns = (s: string) => s.split(',').map((c) => c.trim().split(/\s+/) as [string, string])

async function orcManifest(root: string, fields: readonly string[] = ALL_FIELDS): Promise<InventoryManifest> {
  const cols = fields.map((f) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
  const manifest = {
    sourceBucket: 'example-source-bucket',
    destinationBucket: 'arn:aws:s3:::example-inventory-destination',
    version: '2016-11-30',
    creationTimestamp: '1763600400000',
    fileFormat: 'ORC',
    fileSchema: `struct<${cols.map((c) => `${c}:string`).join(',')}>`,
    files: [{ key: 'inventory/example-source-bucket/daily-orc/data/a.orc', size: 10, MD5checksum: '0'.repeat(32) }],
  }
  const dir = path.join(root, 'inventory/example-source-bucket/daily-orc/2026-11-20T01-00Z')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
  return readManifest(path.join(dir, 'manifest.json'))
}

describe('Athena DDL follows the AWS documentation', async () => {
  const root = await tmpDir('sql-athena')

  async function manifestFor(format: 'ORC' | 'Parquet' | 'CSV', fields: readonly string[] = ALL_FIELDS): Promise<InventoryManifest> {
    if (format === 'ORC') return orcManifest(path.join(root, `orc-${fields.length}`), fields)
    const f = await writeInventory({ root: path.join(root, `${format}-${fields.length}`), format, rows: makeRows({ count: 10, seed: 81 }), fields })
    return readManifest(f.manifestPath)
  }

  for (const format of ['ORC', 'Parquet', 'CSV'] as const) {
    it(`${format}: the documented columns, types, SerDe, symlink location and dt projection`, async () => {
      const m = await manifestFor(format)
      const ddl = (await inventorySql(m, { engine: 'athena' })).statements[0].sql
      const body = /CREATE EXTERNAL TABLE IF NOT EXISTS inventory \(\n([\s\S]*?)\n\)\n/.exec(ddl)![1]
      const ours = body.split(',\n').map((l) => l.trim().split(/\s+/) as [string, string])
      const documented = parseColumns(DOCUMENTED[format] || DOCUMENTED.ORC).map(([c, t]) => [c, c === 'object_lock_retain_until_date' && format !== 'CSV' ? 'timestamp' : t])
      expect(ours).toEqual(documented)
      expect(ddl).toContain('PARTITIONED BY (dt string)')
      expect(ddl).toContain(`ROW FORMAT SERDE '${SERDES[format]}'`)
      expect(ddl).toContain("STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'")
      expect(ddl).toContain("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'")
      expect(ddl).toContain(`LOCATION 's3://example-inventory-destination/inventory/example-source-bucket/${format === 'ORC' ? 'daily-orc' : format === 'CSV' ? 'daily-csv' : 'daily-parquet'}/hive/'`)
      for (const p of ["'projection.enabled' = 'true'", "'projection.dt.type' = 'date'", "'projection.dt.format' = 'yyyy-MM-dd-HH-mm'", "'projection.dt.range' = '2026-11-20-01-00,NOW'", "'projection.dt.interval' = '1'", "'projection.dt.interval.unit' = 'HOURS'"]) {
        expect(ddl).toContain(p)
      }
      expect(ddl).not.toMatch(/MSCK/i)
    })
  }

  it('keeps only the configured fields, in the order of the fileSchema (the CSV SerDe maps columns by position)', async () => {
    const fields = ['bucket', 'key', 'size', 'lastModifiedDate', 'eTag', 'storageClass', 'isMultipartUploaded', 'replicationStatus', 'encryptionStatus']
    const m = await manifestFor('CSV', fields)
    expect(m.fileSchema).toBe(csvFileSchema(fields))
    const ddl = (await inventorySql(m, { engine: 'athena' })).statements[0].sql
    expect(/\(\n([\s\S]*?)\n\)/.exec(ddl)![1].split(',\n').map((l) => l.trim().split(' ')[0])).toEqual(['bucket', 'key', 'size', 'last_modified_date', 'e_tag', 'storage_class', 'is_multipart_uploaded', 'replication_status', 'encryption_status'])
    const p = await manifestFor('Parquet', fields)
    expect(p.fileSchema).toBe(parquetFileSchema(fields))
    expect((await inventorySql(p, { engine: 'athena' })).statements[0].sql).toContain('  size bigint,\n  last_modified_date timestamp,')
  })

  it('decodes CSV keys with url_decode (Athena turns + into a space), types sizes and dates, and queries one dt', async () => {
    const m = await manifestFor('CSV')
    const s = await inventorySql(m, { engine: 'athena' })
    const view = s.statements[1].sql
    expect(view).toContain('url_decode("key") AS "key"')
    expect(view).toContain(`CAST(NULLIF("size", '') AS bigint) AS "size"`)
    expect(view).toContain(`CAST(from_iso8601_timestamp(NULLIF("last_modified_date", '')) AS timestamp) AS "last_modified_date"`)
    for (const q of s.statements.slice(2)) expect(q.sql).toContain("dt = '2026-11-20-01-00'")
    const parquet = await inventorySql(await manifestFor('Parquet'), { engine: 'athena' })
    expect(parquet.statements[1].sql).toContain('"key" AS "key"') // Parquet keys are not encoded
    const duck = await inventorySql(m, { engine: 'duckdb' })
    expect(duck.statements[0].sql).toContain(`url_decode(replace("key", '+', '%20')) AS "key"`)
  })

  it('diff: one table when both deliveries share it, a FULL OUTER JOIN on the identity', async () => {
    const pair = versionedPair(200, 91)
    const older = await writeInventory({ root: path.join(root, 'd'), format: 'CSV', rows: pair.older, timestamp: '2026-11-19T01-00Z' })
    const newer = await writeInventory({ root: path.join(root, 'd'), format: 'CSV', rows: pair.newer, timestamp: '2026-11-20T01-00Z' })
    const s = await diffSql(await readManifest(older.manifestPath), await readManifest(newer.manifestPath), { engine: 'athena' })
    expect(s.statements.filter((x) => x.sql.startsWith('CREATE EXTERNAL TABLE'))).toHaveLength(1)
    const q = s.statements[1].sql
    expect(q).toContain("dt = '2026-11-19-01-00'")
    expect(q).toContain("dt = '2026-11-20-01-00'")
    expect(q).toContain(`FULL OUTER JOIN newer n ON o."key" = n."key" AND coalesce(o."version_id", '') = coalesce(n."version_id", '')`)
    expect(q).toContain('url_decode("key")')
    expect(q).toContain('array_position(ARRAY[')
  })
})
