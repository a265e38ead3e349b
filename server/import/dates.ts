/**
 * Dates as exports write them, to ISO 8601 in UTC. Exports mix forms: `2011-08-31T15:16:29Z`
 * (Disqus), `2021-03-17T12:09:47.722181Z` (Commento, microseconds), `2019-06-19T00:42:07-05:00`
 * (Remark42, an offset), `2020-01-01 10:00:00` (WordPress, no zone at all), and
 * `0000-00-00 00:00:00` (WordPress, "never").
 */

export interface SourceDate {
  /** ISO 8601 in UTC with milliseconds (`toISOString`). */
  iso: string;
  /** False when the text named no zone or offset: the caller decides what it meant (and counts it). */
  zoned: boolean;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The date, read as UTC when it has no zone; null when it is not a date (or is WordPress's zero date). */
export function parseSourceDate(raw: string | null | undefined): SourceDate | null {
  if (raw == null) return null;
  const m = DATE.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year === 0 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Math.floor(Number(`0.${frac || '0'}`) * 1000);
  let t = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  // Date.UTC rolls 31 February over into March: refuse instead.
  if (new Date(t).getUTCDate() !== day) return null;
  let zoned = false;
  if (zone) {
    zoned = true;
    const off = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (off) {
      const minutes = Number(off[2]) * 60 + Number(off[3] ?? 0);
      if (Number(off[2]) > 23 || Number(off[3] ?? 0) > 59) return null;
      t -= (off[1] === '-' ? -1 : 1) * minutes * 60_000;
    }
  }
  if (!Number.isFinite(t)) return null;
  return { iso: new Date(t).toISOString(), zoned };
}
