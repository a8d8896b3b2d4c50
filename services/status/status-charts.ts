import type { CohortStatus } from './status-service.js';

/**
 * Chart models for the status card (Teams chart elements, issue 6.2), each with the same numbers as
 * text for clients that cannot draw charts. Pure.
 */
const STATE_COLORS: Record<string, string> = {
  compliant: 'good',
  no_passkey: 'attention',
  wrong_kind: 'warning',
  aaguid_not_allowed: 'categoricalRed',
  single_point_of_failure: 'categoricalMarigold',
  pending_detail: 'categoricalLightBlue',
  break_glass: 'neutral',
  account_disabled: 'neutral',
};

const KIND_COLORS: Record<string, string> = {
  'device-bound': 'categoricalBlue',
  synced: 'categoricalTeal',
  unknown: 'categoricalLavender',
  'windows-hello-for-business': 'categoricalPurple',
  none: 'neutral',
};

const KIND_LABELS: Record<string, string> = {
  'device-bound': 'device-bound',
  synced: 'synced',
  unknown: 'kind unknown',
  'windows-hello-for-business': 'Windows Hello for Business',
  none: 'no passkey',
};

export interface StatusCharts {
  donut: { legend: string; value: number; color: string }[];
  donutText: string;
  kindBars: { title: string; segments: { legend: string; value: number; color: string }[] }[];
  kindText: string;
  trend: { legend: string; values: { x: string; y: number }[] }[];
  trendText: string;
}

export function statusCharts(cohorts: CohortStatus[], stateLabels: Record<string, string>, maxCohorts: number): StatusCharts {
  const totals = new Map<string, number>();
  for (const c of cohorts) for (const s of c.states) totals.set(s.state, (totals.get(s.state) ?? 0) + s.count);
  const donut = [...totals.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([state, value]) => ({ legend: stateLabels[state] ?? state, value, color: STATE_COLORS[state] ?? 'neutral' }));

  const shown = cohorts.slice(0, maxCohorts).filter((c) => c.total > 0);
  const kindBars = shown.map((c) => {
    const byKind = new Map<string, number>();
    for (const k of c.kinds) byKind.set(k.kind, (byKind.get(k.kind) ?? 0) + k.count);
    return {
      title: c.cohort.name,
      segments: [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([kind, value]) => ({ legend: KIND_LABELS[kind] ?? kind, value, color: KIND_COLORS[kind] ?? 'neutral' })),
    };
  });

  const trend = shown
    .filter((c) => c.trend.length >= 2)
    .map((c) => ({ legend: c.cohort.name, values: c.trend.map((s) => ({ x: s.day, y: s.counted === 0 ? 0 : Math.round((s.compliant / s.counted) * 1000) / 10 })) }));

  return {
    donut,
    donutText: donut.map((d) => `${d.legend}: ${d.value}`).join(' · '),
    kindBars,
    kindText: kindBars.map((b) => `${b.title}: ${b.segments.map((s) => `${s.legend} ${s.value}`).join(', ')}`).join('\n\n'),
    trend,
    trendText: trend.map((t) => `${t.legend}: ${t.values.map((v) => `${v.x} ${v.y}%`).join(', ')}`).join('\n\n'),
  };
}
