import type { QuietWindow } from '../ports/nudge-store.js';
import { addDays, localDate, weekdayOf, zonedTime } from './time-zones.js';

/**
 * Messages go out only inside the recipient's working hours, in their own time zone, and not on
 * weekends unless the campaign allows it. Pure: `now` in, an instant out.
 */
export function isInsideWorkingHours(now: Date, w: QuietWindow): boolean {
  return nextSendTime(now, w).getTime() === now.getTime();
}

/** `now` when it is inside the window, else the start of the next working period. */
export function nextSendTime(now: Date, w: QuietWindow | null): Date {
  if (!w) return now;
  if (w.startHour >= w.endHour) return now;
  const today = localDate(now, w.timeZone);
  // Eight days always contain a working day (even with weekends off).
  for (let i = -1; i < 9; i++) {
    const day = addDays(today, i);
    const wd = weekdayOf(day);
    if (w.weekendsOff && (wd === 0 || wd === 6)) continue;
    const start = zonedTime(day, w.startHour, w.timeZone);
    const end = zonedTime(day, w.endHour, w.timeZone);
    if (now.getTime() < start.getTime()) return start;
    if (now.getTime() < end.getTime()) return now;
  }
  return now;
}

/** The start of working hours on the first working day at least `days` calendar days after `now`'s day. */
export function workingDayStart(now: Date, days: number, w: QuietWindow): Date {
  let day = addDays(localDate(now, w.timeZone), days);
  for (let i = 0; i < 7; i++) {
    const wd = weekdayOf(day);
    if (!(w.weekendsOff && (wd === 0 || wd === 6))) break;
    day = addDays(day, 1);
  }
  return zonedTime(day, w.startHour, w.timeZone);
}
