/**
 * Hostile inputs other than Parquet pages: CSV.gz data files, manifests and their checksum files,
 * completion reports, files that are not regular files. Same shape as cases.ts.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import type { HostileCase } from './cases.js'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')

/** A CSV inventory delivery: one data file (its real size and MD5 in the manifest) and manifest.json. */
async function csvInventory(dir: string, data: Buffer, fileSchema = 'Bucket, Key, Size'): Promise<void> {
  await writeFile(path.join(dir, 'data.csv.gz'), data)
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ sourceBucket: 'src', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: '1715043600000', fileFormat: 'CSV', fileSchema, files: [{ key: 'data.csv.gz', size: data.length, MD5checksum: md5(data) }] }),
  )
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
      await csvInventory(dir, gzipSync('"b","k","1"\n'))
      await writeFile(
        path.join(dir, 'manifest.json'),
        JSON.stringify({ sourceBucket: 'src', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: '1', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size', files: [{ key: '../../../../../../../etc/passwd', size: 1, MD5checksum: '0'.repeat(32) }] }),
      )
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
    name: 'csv-valid-control',
    what: 'a valid CSV inventory (the harness must read it)',
    expected: 'ok',
    call: inventoryCall,
    write: (dir) => csvInventory(dir, gzipSync('"b","k%20one","1"\n"b","k2",""\n')),
  },
]
