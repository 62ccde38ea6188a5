/** Polls `condition` until it holds or `ms` pass (for effects that land a few event-loop turns later under load). */
export async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 10))
  }
  return true
}

/** Polls `value` until it has not changed for `quietMs` (at most `ms` in all); returns the last value. */
export async function steady<T>(value: () => T, quietMs: number, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  let last = value()
  let since = Date.now()
  while (Date.now() - since < quietMs && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10))
    const v = value()
    if (v !== last) {
      last = v
      since = Date.now()
    }
  }
  return last
}
