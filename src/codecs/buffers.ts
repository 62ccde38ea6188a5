/**
 * Buffer's long-standing fast paths (what toString('latin1' | 'utf8', s, e) calls underneath, minus
 * its argument handling), which Node's type definitions leave out. Used in per-value loops.
 */
export type FastBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }
