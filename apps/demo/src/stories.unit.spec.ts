import type { TelemetryEvent } from '@baseliner/contracts';
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, scorecardOf, type Scorecard } from '@baseliner/analytics';
import { backfill, liveTick, timelineAt } from './history';
import { DAY, seeded, STORIES } from './stories';

/**
 * The demo's stories replayed straight into projections (no server), judged at a moment of the
 * week: the demo runs on whatever day someone tries it, so its verdicts must not depend on it.
 */
function scorecardsAt(now: number, liveTicks = 0): Map<string, Scorecard> {
  const timeline = timelineAt(now);
  const random = seeded(2026);
  const history = backfill(STORIES, timeline, random);
  for (let tick = 0; tick < liveTicks; tick += 1) {
    for (const story of STORIES) history.get(story.id)?.push(...liveTick(story, tick, new Date(now), random));
  }
  const cards = new Map<string, Scorecard>();
  for (const story of STORIES) {
    const projection = emptyProjection(story.id);
    const { criteria, timezone, ...registration } = story.registration;
    const at = new Date(timeline.goLive - 60 * DAY).toISOString();
    applyLifecycleEvent(projection, { type: 'DeploymentRegistered', data: { id: story.id, ...registration, timezone: timezone ?? 'UTC', rampUpDays: 7, registeredAt: at } });
    applyLifecycleEvent(projection, { type: 'CriteriaDefined', data: { criteria, definedAt: at } });
    for (const wave of story.waves ?? [{ day: 0 }]) {
      const wentLive = new Date(timeline.goLive + wave.day * DAY).toISOString();
      applyLifecycleEvent(projection, { type: 'WentLive', data: { at: wentLive, recordedAt: at, ...('segments' in wave && { segments: wave.segments }) } });
    }
    for (const event of history.get(story.id) ?? []) applyTelemetryEvent(projection, event as unknown as TelemetryEvent);
    cards.set(story.id, scorecardOf(projection, new Date(now)) as Scorecard);
  }
  return cards;
}

// A week of starts: Monday 30 November 2026 to Sunday 6 December, at different hours of the day.
const STARTS = [0, 1, 2, 3, 4, 5, 6].map((d) => Date.parse('2026-11-30T00:00:00Z') + d * DAY + ((d * 7 + 1) % 24) * 3_600_000 + 17 * 60_000);

describe.each(STARTS.map((start) => [new Date(start).toISOString(), start] as const))('the demo started at %s', (_, start) => {
  const cards = scorecardsAt(start, 3);
  const card = (id: string) => cards.get(id) as Scorecard;

  it('gives each story its verdict', () => {
    expect(Object.fromEntries([...cards].map(([id, c]) => [id, c.verdict]))).toEqual({
      'doc-review': 'works',
      dispatch: 'failing',
      governance: 'works',
      'invoice-sync': 'works',
      'claims-triage': 'failing',
      'hr-pilot': 'insufficient_data',
      'support-replies': 'works',
    });
  });

  it('support-replies is judged against Lisbon, not yet live: the launch that slowed both desks is netted out', () => {
    const support = card('support-replies');
    expect(support.comparison).toMatchObject({ design: 'difference_in_differences', liveSegments: ['berlin'], comparisonSegments: ['lisbon'] });
    expect(support.comparison.netMetrics).toContain('task_duration_p50');
    expect(support.comparison.pairedDays).toBeGreaterThanOrEqual(14);
    // Lisbon, still manual, got about a third slower after the launch; Berlin's net change is about -40%.
    expect(support.comparison.comparisonChanges?.task_duration_p50).toBeGreaterThan(0.2);
    expect(support.metrics.task_duration_p50.change?.estimate).toBeLessThan(-0.3);
    expect(support.decidedBy).toMatchObject({ metric: 'task_duration_p50', status: 'met' });
  });

  it('invoice-sync works overall and warns about Tuesdays; its errors are down, not up', () => {
    const invoices = card('invoice-sync');
    expect(invoices.warnings.map((w) => [w.kind, 'weekday' in w ? w.weekday : undefined])).toEqual([['weekday_pattern', 'tue']]);
    expect(invoices.metrics.error_ratio.change?.estimate).toBeLessThan(0);
    expect(invoices.metrics.task_duration_p50.change?.estimate).toBeLessThan(-0.5);
  });

  it('claims-triage fails on the errors it moved downstream, and says so', () => {
    const claims = card('claims-triage');
    expect(claims.decidedBy).toMatchObject({ metric: 'downstream_error_ratio', status: 'not_met' });
    expect(claims.decidedBy.short).toMatch(/^downstream \+\d+% vs ≤0%$/);
    expect(claims.warnings.map((w) => w.kind)).toEqual(['downstream_shift']);
  });

  it('dispatch fails on adoption, hr-pilot says what data it lacks, and nothing is silent', () => {
    expect(card('dispatch').decidedBy).toMatchObject({ metric: 'adoption_ratio', status: 'not_met', estimate: 0 });
    expect(card('hr-pilot').decidedBy).toMatchObject({ metric: 'task_duration_p50', status: 'insufficient_data' });
    for (const c of cards.values()) expect(c.warnings.filter((w) => w.kind === 'silent')).toEqual([]);
  });
});
