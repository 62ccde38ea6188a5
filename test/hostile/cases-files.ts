/**
 * Hostile inputs other than Parquet pages: CSV.gz data files, manifests and their checksum files,
 * completion reports, files that are not regular files. Same shape as cases.ts.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { writeOrc, type OrcColumn, type OrcRow } from '../../fixtures/orc-writer.js'
import type { HostileCase } from './cases.js'
import { oneFileInventory } from '../support/one-file-inventory.js'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')

/** A CSV inventory delivery: one data file and its manifest (`manifest`: fields that replace the manifest's own). */
async function csvInventory(dir: string, data: Buffer, fileSchema = 'Bucket, Key, Size', manifest?: Record<string, unknown>): Promise<void> {
  await oneFileInventory(dir, { name: 'data.csv.gz', bytes: data, fileFormat: 'CSV', fileSchema, manifest })
}

/** An ORC inventory delivery: one data file and its manifest. */
async function orcInventory(dir: string, data: Buffer, fileSchema: string): Promise<void> {
  await oneFileInventory(dir, { name: 'data.orc', bytes: data, fileFormat: 'ORC', fileSchema })
}

const ORC_SCHEMA = 'struct<bucket:string,key:string>'
const orcStrings = (names: string[]): OrcColumn[] => names.map((name) => ({ name, kind: 'string' }))

/** An uncompressed ORC file of bucket/key rows in which every `café` (data, dictionary, statistics) is made invalid UTF-8 (`caf` E9 41). */
function orcNotUtf8(rows: OrcRow[]): Buffer {
  const b = writeOrc(orcStrings(['bucket', 'key']), rows, { compression: 'NONE' })
  const good = Buffer.from('café')
  for (let at = b.indexOf(good); at >= 0; at = b.indexOf(good, at + 1)) b.set([0xe9, 0x41], at + 3)
  return b
}

/** gzip of `n` bytes of `byte`, compressed in 1 MiB pieces as one stream per member. */
function gzipOf(n: number, byte: number): Buffer {
  const piece = gzipSync(Buffer.alloc(1 << 20, byte), { level: 9 })
  return Buffer.concat(Array.from({ length: Math.ceil(n / (1 << 20)) }, () => piece))
}

const inventoryCall = { kind: 'inventory', manifest: 'manifest.json' } as const

export const FILE_CASES: HostileCase[] = [
  {
    name: 'csv-gzip-damaged-second-member',
    what: 'a multi-member file whose next header is not gzip ended early with half its rows, as if complete',
    expected: 'GZIP_CORRUPT',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, Buffer.concat([gzipSync('"b","k1","1"\n"b","k2","2"\n'), Buffer.alloc(4096)])),
  },
  {
    name: 'csv-gzip-bomb-one-record',
    what: '2 GiB of one unterminated record from a 2 MB file: must stop at the record-length limit',
    expected: 'CSV_MALFORMED',
    call: inventoryCall,
    write: async (dir) => csvInventory(dir, Buffer.concat([gzipSync('"b","'), gzipOf(2 * 1024 ** 3, 0x61)])),
  },
  {
    name: 'csv-gzip-bomb-one-field-per-byte',
    what: '1 GiB of commas: one record with a billion fields',
    expected: 'CSV_MALFORMED',
    call: inventoryCall,
    write: async (dir) => csvInventory(dir, gzipOf(1024 ** 3, 0x2c)),
  },
  {
    name: 'csv-schema-without-key',
    what: 'a fileSchema with no Key column gave rows whose key is undefined',
    expected: 'MANIFEST_INVALID',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, gzipSync('"b","1"\n'), 'Bucket, Size'),
  },
  {
    name: 'manifest-checksum-endless',
    what: 'manifest.checksum as a link to /dev/zero grew without limit',
    expected: 'IO_ERROR',
    call: inventoryCall,
    write: async (dir) => {
      await csvInventory(dir, gzipSync('"b","k","1"\n'))
      await symlink('/dev/zero', path.join(dir, 'manifest.checksum'))
    },
  },
  {
    name: 'manifest-checksum-huge',
    what: 'a 4 GiB (sparse) manifest.checksum was read whole',
    expected: 'LIMIT_EXCEEDED',
    call: inventoryCall,
    write: async (dir) => {
      await csvInventory(dir, gzipSync('"b","k","1"\n'))
      await writeFile(path.join(dir, 'manifest.checksum'), '')
      await truncate(path.join(dir, 'manifest.checksum'), 4 * 1024 ** 3)
    },
  },
  {
    name: 'manifest-huge',
    what: 'an 8 GiB (sparse) manifest.json was read whole',
    expected: 'LIMIT_EXCEEDED',
    call: inventoryCall,
    write: async (dir) => {
      await writeFile(path.join(dir, 'manifest.json'), '')
      await truncate(path.join(dir, 'manifest.json'), 8 * 1024 ** 3)
    },
  },
  {
    name: 'manifest-deeply-nested',
    what: 'a manifest nested a million levels deep',
    expected: 'MANIFEST_INVALID',
    call: inventoryCall,
    write: async (dir) => writeFile(path.join(dir, 'manifest.json'), `${'['.repeat(1e6)}${']'.repeat(1e6)}`),
  },
  {
    name: 'data-file-fifo',
    what: 'a data file that is a FIFO blocked forever waiting for a writer',
    expected: 'IO_ERROR',
    call: inventoryCall,
    write: async (dir) => {
      await csvInventory(dir, gzipSync('"b","k","1"\n'))
      execFileSync('rm', [path.join(dir, 'data.csv.gz')])
      execFileSync('mkfifo', [path.join(dir, 'data.csv.gz')])
    },
  },
  {
    name: 'data-key-escapes',
    what: 'a data file key with .. segments pointing at /etc/passwd',
    expected: 'PATH_ESCAPE',
    call: inventoryCall,
    write: async (dir) => {
      await csvInventory(dir, gzipSync('"b","k","1"\n'), undefined, { files: [{ key: '../../../../../../../etc/passwd', size: 1, MD5checksum: '0'.repeat(32) }] })
    },
  },
  {
    name: 'report-invalid-utf8-key',
    what: 'invalid UTF-8 in a completion report key became U+FFFD (a re-drive would name a key that does not exist)',
    expected: 'CSV_MALFORMED',
    call: { kind: 'report', manifest: 'job-1/manifest.json' },
    write: async (dir) => {
      const results = Buffer.concat([Buffer.from('bucket,caf'), Buffer.from([0xe9]), Buffer.from(',,failed,403,AccessDenied,denied\n')])
      await mkdir(path.join(dir, 'job-1', 'results'), { recursive: true })
      await writeFile(path.join(dir, 'job-1', 'results', 'r.csv'), results)
      await writeFile(
        path.join(dir, 'job-1', 'manifest.json'),
        JSON.stringify({ Format: 'Report_CSV_20180820', ReportCreationDate: '2026-11-20T00:00:00.000Z', Results: [{ TaskExecutionStatus: 'failed', Bucket: 'reports', MD5Checksum: md5(results), Key: 'job-1/results/r.csv' }], ReportSchema: 'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage' }),
      )
    },
  },
  {
    name: 'csv-empty-key',
    what: 'an empty Key printed an empty line (ls --format keys) or s3://b/ (s3url), exit 0',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, gzipSync('"b","k1","1"\n"b","","2"\n')),
  },
  {
    name: 'csv-empty-bucket',
    what: 'an empty Bucket printed s3:///key, exit 0',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, gzipSync('"b","k1","1"\n"","k2","2"\n')),
  },
  {
    name: 'orc-null-key',
    what: 'a null key printed an empty line then a TypeError (ls --format keys)',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['bucket', 'key']), [{ bucket: 'b', key: 'k1' }, { bucket: 'b', key: null }]), ORC_SCHEMA),
  },
  {
    name: 'orc-null-bucket',
    what: 'a null bucket printed s3:///k3, exit 0',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['bucket', 'key']), [{ bucket: 'b', key: 'k1' }, { bucket: null, key: 'k3' }]), ORC_SCHEMA),
  },
  {
    name: 'orc-key-not-utf8',
    what: 'a key that is not UTF-8 (direct encoding) became U+FFFD: a key that does not exist',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, orcNotUtf8([{ bucket: 'b', key: 'a' }, { bucket: 'b', key: 'café' }, { bucket: 'b', key: 'z' }]), ORC_SCHEMA),
  },
  {
    name: 'orc-key-not-utf8-dictionary',
    what: 'a dictionary entry that is not UTF-8 became U+FFFD',
    expected: 'VALUE_INVALID',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, orcNotUtf8(['a', 'a', 'café', 'café', 'a', 'café'].map((key) => ({ bucket: 'b', key }))), ORC_SCHEMA),
  },
  {
    name: 'orc-duplicate-column',
    what: 'a file with key and Key columns read the first silently',
    expected: 'ORC_CORRUPT',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['bucket', 'key', 'Key']), [{ bucket: 'b', key: 'k1', Key: 'other' }]), 'struct<bucket:string,key:string>'),
  },
  {
    name: 'orc-file-without-bucket',
    what: 'a file without a bucket column (its manifest says it has one) gave rows without a bucket',
    expected: 'ORC_CORRUPT',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['key']), [{ key: 'k1' }]), ORC_SCHEMA),
  },
  {
    name: 'manifest-orc-schema-without-key',
    what: 'an ORC fileSchema without key gave FIELD_MISSING per file instead of a bad manifest',
    expected: 'MANIFEST_INVALID',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['bucket']), [{ bucket: 'b' }]), 'struct<bucket:string,size:bigint>'),
  },
  {
    name: 'manifest-parquet-schema-duplicate',
    what: 'a Parquet fileSchema listing key twice was accepted',
    expected: 'MANIFEST_INVALID',
    call: inventoryCall,
    write: async (dir) => {
      await csvInventory(dir, gzipSync('"b","k","1"\n'), undefined, {
        fileFormat: 'Parquet',
        fileSchema: 'message s3.inventory {  required binary bucket (STRING);  required binary key (STRING);  optional binary Key (STRING);}',
        files: [{ key: 'data.csv.gz', size: 1, MD5checksum: '0'.repeat(32) }],
      })
    },
  },
  {
    name: 'manifest-duplicate-data-file',
    what: 'a data file listed twice in files[] was read (and counted) twice',
    expected: 'MANIFEST_INVALID',
    call: inventoryCall,
    write: async (dir) => {
      const data = gzipSync('"b","k","1"\n')
      const entry = { key: 'data.csv.gz', size: data.length, MD5checksum: md5(data) }
      await csvInventory(dir, data, undefined, { files: [entry, entry] })
    },
  },
  {
    name: 'orc-valid-control',
    what: 'a valid ORC inventory with non-ASCII keys (the checks above must let it through)',
    expected: 'ok',
    call: inventoryCall,
    write: (dir) => orcInventory(dir, writeOrc(orcStrings(['bucket', 'key']), ['a', 'café', 'café', 'naïve/ü'].map((key) => ({ bucket: 'b', key }))), ORC_SCHEMA),
  },
  {
    name: 'csv-valid-control',
    what: 'a valid CSV inventory (the harness must read it)',
    expected: 'ok',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, gzipSync('"b","k%20one","1"\n"b","k2",""\n')),
  },
]
