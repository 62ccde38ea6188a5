/**
 * The writer's time zone of a stripe (its footer names it, e.g. `America/Los_Angeles`), for
 * `timestamp` columns: their seconds count from 2015-01-01 00:00:00 in that zone, and their value
 * is the wall-clock time there. Offsets come from the runtime's time-zone database (Intl). A
 * stripe that names no zone (files before ORC 0.12) is read as UTC; so is UTC itself, without
 * any lookup.
 */
import { OrcError } from './errors.js'
import type { TimeBase } from './column.js'
import { ORC_EPOCH } from './column-time.js'

const UTC_NAMES = new Set(['UTC', 'GMT', 'Z', 'ETC/UTC', 'ETC/GMT', 'ETC/UCT', 'UCT', 'ZULU', 'UNIVERSAL', 'ETC/UNIVERSAL', 'ETC/ZULU', 'GMT0', 'ETC/GMT0', 'GREENWICH'])
const UTC_BASE: TimeBase = { epoch: ORC_EPOCH }
const bases = new Map<string, TimeBase>()

export function timeBase(zone: string | undefined): TimeBase {
  if (zone === undefined || zone === '' || UTC_NAMES.has(zone.toUpperCase())) return UTC_BASE
  let base = bases.get(zone)
  if (!base) {
    const offsetAt = zoneOffset(zone)
    // The instant of 2015-01-01 00:00 on the zone's clocks (refined once across a transition).
    const guess = ORC_EPOCH - offsetAt(ORC_EPOCH)
    base = { epoch: ORC_EPOCH - offsetAt(guess), offsetAt }
    if (bases.size > 64) bases.clear()
    bases.set(zone, base)
  }
  return base
}

function zoneOffset(zone: string): (seconds: number) => number {
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    throw new OrcError('UNSUPPORTED_FORMAT', 'the writer time zone of a timestamp column is unknown to this runtime', { actual: zone })
  }
  // Timestamps of a column often repeat their second (Apache's testDate1900: 70 seconds in 70,000 rows); a lookup costs ~20 µs.
  let lastWhole = NaN
  let lastOffset = 0
  return (seconds) => {
    const whole = Math.floor(seconds)
    if (whole === lastWhole) return lastOffset
    const parts = format.formatToParts(new Date(whole * 1000))
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value)
    let year = get('year')
    if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year
    // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
    const d = new Date(0)
    d.setUTCFullYear(year, get('month') - 1, get('day'))
    d.setUTCHours(get('hour'), get('minute'), get('second'), 0)
    lastWhole = whole
    lastOffset = d.getTime() / 1000 - whole
    return lastOffset
  }
}
