import { describe, expect, it } from 'vitest';
import { addDays, COUNTRY_TO_IANA, isIanaZone, localParts, resolveTimeZone, WINDOWS_TO_IANA, zonedTime } from '../../services/nudges/time-zones.js';
import { isInsideWorkingHours, nextSendTime, workingDayStart } from '../../services/nudges/working-hours.js';

const window = (timeZone: string, extra: Partial<{ startHour: number; endHour: number; weekendsOff: boolean }> = {}) => ({ timeZone, startHour: 9, endHour: 17, weekendsOff: true, ...extra });

describe('resolveTimeZone', () => {
  it.each([
    [{ mailboxTimeZone: 'Pacific Standard Time' }, 'America/Los_Angeles', 'mailbox'],
    [{ mailboxTimeZone: 'W. Europe Standard Time', usageLocation: 'US' }, 'Europe/Berlin', 'mailbox'],
    [{ mailboxTimeZone: 'India Standard Time' }, 'Asia/Calcutta', 'mailbox'],
    [{ mailboxTimeZone: 'UTC' }, 'Etc/UTC', 'mailbox'],
    [{ mailboxTimeZone: 'Europe/Paris' }, 'Europe/Paris', 'mailbox'],
    [{ mailboxTimeZone: 'Mars Standard Time', usageLocation: 'jp' }, 'Asia/Tokyo', 'usage-location'],
    [{ mailboxTimeZone: null, usageLocation: 'GB' }, 'Europe/London', 'usage-location'],
    [{ usageLocation: 'XX' }, 'Europe/Oslo', 'fallback'],
    [{}, 'Europe/Oslo', 'fallback'],
  ])('%j → %s (%s)', (facts, zone, source) => {
    expect(resolveTimeZone(facts, 'Europe/Oslo')).toEqual({ timeZone: zone, source });
  });

  it('falls back to UTC when even the fallback is not a zone', () => {
    expect(resolveTimeZone({}, 'Nowhere/Else')).toEqual({ timeZone: 'UTC', source: 'fallback' });
  });

  it('maps every Windows zone of the CLDR table and every country to a zone this runtime knows', () => {
    expect(Object.keys(WINDOWS_TO_IANA).length).toBeGreaterThan(130);
    expect(Object.entries(WINDOWS_TO_IANA).filter(([, z]) => !isIanaZone(z))).toEqual([]);
    expect(Object.entries(COUNTRY_TO_IANA).filter(([, z]) => !isIanaZone(z))).toEqual([]);
    expect(isIanaZone('Pacific Standard Time')).toBe(false);
  });
});

describe('zonedTime', () => {
  it.each([
    ['2026-03-02', 9, 'Europe/Berlin', '2026-03-02T08:00:00.000Z'],
    ['2026-07-02', 9, 'Europe/Berlin', '2026-07-02T07:00:00.000Z'],
    ['2026-03-02', 9, 'Asia/Kolkata', '2026-03-02T03:30:00.000Z'],
    ['2026-03-02', 24, 'UTC', '2026-03-03T00:00:00.000Z'],
    // Spring forward in New York: 02:00 does not exist; the first instant after the gap is 03:00 EDT.
    ['2026-03-08', 2, 'America/New_York', '2026-03-08T07:00:00.000Z'],
    ['2026-03-08', 9, 'America/New_York', '2026-03-08T13:00:00.000Z'],
    // Fall back: 01:00 happens twice; the first one is taken.
    ['2026-11-01', 1, 'America/New_York', '2026-11-01T05:00:00.000Z'],
  ])('%s %s:00 in %s is %s', (date, hour, zone, iso) => {
    expect(zonedTime(date, hour, zone).toISOString()).toBe(iso);
  });

  it('round-trips local parts', () => {
    const d = zonedTime('2026-10-25', 10, 'Europe/London');
    expect(localParts(d, 'Europe/London')).toMatchObject({ year: 2026, month: 10, day: 25, hour: 10, weekday: 0 });
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  });
});

describe('working hours in the person\'s own time zone', () => {
  it.each([
    // Monday 2026-03-02.
    ['2026-03-02T10:00:00Z', 'Europe/Berlin', '2026-03-02T10:00:00.000Z', 'inside: now'],
    ['2026-03-02T06:00:00Z', 'Europe/Berlin', '2026-03-02T08:00:00.000Z', 'before 9:00: at 9:00 local'],
    ['2026-03-02T17:30:00Z', 'Europe/Berlin', '2026-03-03T08:00:00.000Z', 'after 17:00: next morning'],
    ['2026-03-02T10:00:00Z', 'America/Los_Angeles', '2026-03-02T17:00:00.000Z', '02:00 in Los Angeles: 9:00 there'],
    ['2026-03-02T10:00:00Z', 'Asia/Tokyo', '2026-03-03T00:00:00.000Z', '19:00 in Tokyo: next morning there'],
    ['2026-03-06T17:00:00Z', 'Europe/Berlin', '2026-03-09T08:00:00.000Z', 'Friday 18:00: Monday'],
    ['2026-03-07T12:00:00Z', 'Europe/Berlin', '2026-03-09T08:00:00.000Z', 'Saturday: Monday'],
    // Sunday 2026-03-08 in New York is the spring-forward day; Monday 9:00 is EDT.
    ['2026-03-08T12:00:00Z', 'America/New_York', '2026-03-09T13:00:00.000Z', 'across a DST change'],
    // The UK moves to summer time on 2026-03-29.
    ['2026-03-27T17:30:00Z', 'Europe/London', '2026-03-30T08:00:00.000Z', 'Friday evening → Monday in BST'],
  ])('%s in %s → %s (%s)', (now, zone, expected) => {
    expect(nextSendTime(new Date(now), window(zone)).toISOString()).toBe(expected);
  });

  it('sends on weekends when the campaign allows it, and any time without a window', () => {
    expect(nextSendTime(new Date('2026-03-07T12:00:00Z'), window('Europe/Berlin', { weekendsOff: false })).toISOString()).toBe('2026-03-07T12:00:00.000Z');
    expect(nextSendTime(new Date('2026-03-07T03:00:00Z'), null).toISOString()).toBe('2026-03-07T03:00:00.000Z');
    expect(isInsideWorkingHours(new Date('2026-03-02T10:00:00Z'), window('Europe/Berlin'))).toBe(true);
    expect(isInsideWorkingHours(new Date('2026-03-02T10:00:00Z'), window('America/Chicago'))).toBe(false);
  });

  it('tomorrow and next week start at the start of a working day', () => {
    const fri = new Date('2026-03-06T10:00:00Z');
    expect(workingDayStart(fri, 1, window('Europe/Berlin')).toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(workingDayStart(fri, 7, window('Europe/Berlin')).toISOString()).toBe('2026-03-13T08:00:00.000Z');
    expect(workingDayStart(fri, 1, window('Europe/Berlin', { weekendsOff: false })).toISOString()).toBe('2026-03-07T08:00:00.000Z');
  });
});
