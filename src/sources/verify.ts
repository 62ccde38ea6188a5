/** MD5 and size of a data object, checked as its bytes stream past (files[].MD5checksum, files[].size). */
import { createHash } from 'node:crypto'
import { S3InventoryError } from '../errors.js'
import type { ObjectRef } from './source.js'

export interface Expected {
  size?: number
  md5?: string
}

/**
 * Passes bytes through unchanged; after the last byte, throws DATA_SIZE_MISMATCH or
 * DATA_CHECKSUM_MISMATCH instead of ending. A decoder downstream therefore fails before it reports
 * the end of the file.
 */
export async function* verified(input: AsyncIterable<Uint8Array>, expected: Expected, ref: ObjectRef): AsyncGenerator<Uint8Array> {
  const hash = expected.md5 ? createHash('md5') : undefined
  let n = 0
  for await (const chunk of input) {
    n += chunk.length
    if (expected.size !== undefined && n > expected.size) throw sizeMismatch(ref, expected.size, `more than ${expected.size} bytes`, expected.size)
    hash?.update(chunk)
    yield chunk
  }
  checkEnd(ref, expected, n, hash?.digest('hex'))
}

export function checkEnd(ref: ObjectRef, expected: Expected, size: number, md5: string | undefined): void {
  if (expected.size !== undefined && size !== expected.size) throw sizeMismatch(ref, expected.size, `${size} bytes`)
  if (expected.md5 !== undefined && md5 !== undefined && md5 !== expected.md5.toLowerCase()) {
    throw new S3InventoryError('DATA_CHECKSUM_MISMATCH', 'data file bytes do not match the manifest MD5', {
      bucket: ref.bucket,
      key: ref.key,
      expected: expected.md5,
      actual: md5,
    })
  }
}

function sizeMismatch(ref: ObjectRef, expected: number, actual: string, offset?: number): S3InventoryError {
  return new S3InventoryError('DATA_SIZE_MISMATCH', 'data file size differs from the manifest', {
    bucket: ref.bucket,
    key: ref.key,
    offset,
    expected: `${expected} bytes`,
    actual,
  })
}
