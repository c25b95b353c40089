const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Whether an RFC 3339 date-time that already matched the schema's pattern names a real instant
 * (no 2026-02-30, 24:00, offset +25:00; 23:59:60 only at 23:59 UTC): the worker's rule.
 */
export function isRealDateTime(text: string): boolean {
  const n = (at: number, length: number) => Number(text.slice(at, at + length));
  const year = n(0, 4), month = n(5, 2), day = n(8, 2), hour = n(11, 2), minute = n(14, 2), second = n(17, 2);
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return false;
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(text);
  let offsetMin = 0;
  if (zone) {
    const oh = Number(zone[2]), om = Number(zone[3]);
    if (oh > 23 || om > 59) return false;
    offsetMin = (zone[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  if (second < 60) return true;
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, 59) - offsetMin * 60_000);
  return utc.getUTCHours() === 23 && utc.getUTCMinutes() === 59;
}
