/**
 * The calendar day in England (Europe/London) of an instant: agreement dates and SLA working days
 * are English calendar days. Intl formatting is slow next to a whole consent decision (issue 11
 * profile), so answers are remembered per UTC hour: London's offset is a whole hour and changes
 * on the hour (01:00 UTC), so every instant of one UTC hour falls on the same London day.
 */
const HOUR_MS = 3_600_000;
const REMEMBERED = 512;

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  weekday: 'short',
});

export interface LondonDay {
  /** YYYY-MM-DD */
  date: string;
  /** Mon, Tue, ... Sun */
  weekday: string;
}

/** Formatted without the memory (what londonDay must always equal; tests compare the two). */
export function formatLondonDay(at: Date): LondonDay {
  const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, weekday: p.weekday ?? '' };
}

const byHour = new Map<number, LondonDay>();

export function londonDay(at: Date): LondonDay {
  const hour = Math.floor(at.getTime() / HOUR_MS);
  const known = byHour.get(hour);
  if (known) return known;
  const day = formatLondonDay(at);
  if (byHour.size >= REMEMBERED) byHour.clear();
  byHour.set(hour, day);
  return day;
}

/**
 * The instant day `date` (YYYY-MM-DD) begins in England: 00:00 GMT, or 00:00 BST (23:00 UTC the
 * day before). London's offset is 0 or +1 hour and never changes at midnight.
 */
export function londonMidnight(date: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  const bst = new Date(utcMidnight - HOUR_MS);
  return londonDay(bst).date === date ? bst : new Date(utcMidnight);
}
