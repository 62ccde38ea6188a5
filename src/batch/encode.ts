/**
 * Key encoding for Batch Operations CSV manifests. AWS requires URL-encoded keys but readers differ on
 * `+` (form decoding reads it as a space, plain percent-decoding keeps it). Encoding every UTF-8 byte
 * except the unreserved characters `A-Z a-z 0-9 - _ . ~` and `/` as `%XX` (space → `%20`, `+` → `%2B`,
 * `,` → `%2C`) gives text that both decoders turn back into the same key, and that never needs CSV quoting.
 */
import { S3InventoryError } from '../errors.js'

/** `encodeURIComponent` also leaves `! ' ( ) *` literal; escape those, and keep `/` literal. */
export function encodeManifestKey(key: string): string {
  let encoded: string
  try {
    encoded = encodeURIComponent(key)
  } catch (err) {
    // A lone surrogate: not a key S3 can hold (keys are UTF-8).
    throw new S3InventoryError('INVALID_ARGUMENT', 'key is not valid Unicode (lone surrogate)', { column: 'key', actual: JSON.stringify(key).slice(0, 200), cause: err })
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, '/')
}
