/**
 * One partition's two sides matched by identity, without a string per row: an open-addressing table
 * of entry numbers over the records' identity bytes, then the entries in output order — by identity
 * hash, then identity bytes. Partitions are ranges of that same hash, so the order of all changes is
 * the same whatever the number of partitions (and so whatever the memory budget).
 */
import { u32 } from './record-reader.js'

export interface Matched {
  /** Entries (distinct identities). */
  count: number
  /** Record offset of each entry on each side, -1 when the side has none. */
  older: Int32Array
  newer: Int32Array
  /** Entries in output order. */
  order: Int32Array
  /** Rows whose identity an earlier row of the same side had (the later row replaced it). */
  olderDuplicates: number
  newerDuplicates: number
}

/** Bytes each entry costs on top of its records (table slots, arrays, sort keys): the budget counts it. */
export const ENTRY_BYTES = 56

export function matchPartition(older: Uint8Array | undefined, olderRecords: number, newer: Uint8Array | undefined, newerRecords: number, versioned: boolean): Matched {
  const max = olderRecords + newerRecords
  let capBits = 4
  while (1 << capBits < 2 * max) capBits++
  const mask = (1 << capBits) - 1
  const slots = new Int32Array(1 << capBits) // entry + 1; 0 is empty
  const hash = new Uint32Array(max)
  const idAt = new Int32Array(max) // identity span start, in the side that first had it
  const idEnd = new Int32Array(max)
  const idNewer = new Uint8Array(max)
  const olderAt = new Int32Array(max).fill(-1)
  const newerAt = new Int32Array(max).fill(-1)
  let count = 0
  let olderDuplicates = 0
  let newerDuplicates = 0

  const insert = (buf: Uint8Array, records: number, isNewer: boolean) => {
    const at = isNewer ? newerAt : olderAt
    let off = 0
    for (let r = 0; r < records; r++) {
      const len = u32(buf, off)
      const h = u32(buf, off + 4)
      const s = off + 8
      const e = identityEnd(buf, s, versioned)
      // The slot comes from a multiplicative mix of the hash: its top bits are the partition, the same for all.
      let i = Math.imul(h, 0x9e3779b1) >>> (32 - capBits)
      let found = -1
      for (let slot = slots[i]; slot !== 0; slot = slots[(i = (i + 1) & mask)]) {
        const x = slot - 1
        if (hash[x] === h && sameBytes(idNewer[x] ? newer! : older!, idAt[x], idEnd[x], buf, s, e)) {
          found = x
          break
        }
      }
      if (found < 0) {
        found = count++
        slots[i] = found + 1
        hash[found] = h
        idAt[found] = s
        idEnd[found] = e
        idNewer[found] = isNewer ? 1 : 0
      } else if (at[found] >= 0) {
        if (isNewer) newerDuplicates++
        else olderDuplicates++
      }
      at[found] = off
      off += 4 + len
    }
    if (off !== buf.length) throw new RangeError(`partition records end at ${off}, not ${buf.length}`)
  }
  if (older) insert(older, olderRecords, false)
  if (newer) insert(newer, newerRecords, true)

  const order = sortEntries(count, hash, (a, b) => compareBytes(idNewer[a] ? newer! : older!, idAt[a], idEnd[a], idNewer[b] ? newer! : older!, idAt[b], idEnd[b]))
  return { count, older: olderAt, newer: newerAt, order, olderDuplicates, newerDuplicates }
}

/** Entries by hash (numeric sort of hash · 2^21 + entry), runs of equal hashes by `tie`. */
function sortEntries(count: number, hash: Uint32Array, tie: (a: number, b: number) => number): Int32Array {
  const order = new Int32Array(count)
  if (count < 1 << 21) {
    const keys = new Float64Array(count)
    for (let e = 0; e < count; e++) keys[e] = hash[e] * 2097152 + e
    keys.sort()
    for (let i = 0; i < count; i++) order[i] = keys[i] % 2097152
  } else {
    for (let e = 0; e < count; e++) order[e] = e
    order.sort((a, b) => hash[a] - hash[b] || a - b)
  }
  // Equal hashes (collisions) are rare: order their runs by identity bytes.
  for (let i = 0; i < count; ) {
    let j = i + 1
    while (j < count && hash[order[j]] === hash[order[i]]) j++
    if (j - i > 1) order.subarray(i, j).sort(tie)
    i = j
  }
  return order
}

/** End of the identity span that starts at `s` (the key's length varint). */
function identityEnd(buf: Uint8Array, s: number, versioned: boolean): number {
  let p = s
  let n = 0
  let mul = 1
  let b: number
  do {
    b = buf[p++]
    n += (b & 127) * mul
    mul *= 128
  } while (b & 128)
  p += n
  if (!versioned) return p
  n = 0
  mul = 1
  do {
    b = buf[p++]
    n += (b & 127) * mul
    mul *= 128
  } while (b & 128)
  return n === 0 ? p : p + n - 1
}

export function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false
  return true
}

function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs)
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i]
    if (d !== 0) return d
  }
  return ae - as - (be - bs)
}
