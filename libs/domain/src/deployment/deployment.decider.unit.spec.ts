import type { Criterion, RegisterDeploymentBody } from '@baseliner/contracts';
import { decide, type DeploymentCommand } from './deployment.decider';
import type { DeploymentEvent } from './deployment.events';
import { foldDeployment, type RegisteredDeployment } from './deployment.state';
import { DomainError } from './domain-error';

const now = new Date('2026-03-01T12:00:00Z');
const criteria: Criterion[] = [{ metric: 'task_duration_p50', relativeChange: -0.3 }];
const registration: RegisterDeploymentBody = {
  id: 'doc-review',
  name: 'Document review assistant',
  owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
};

/** given(events).when(command) → then the events it decides, or the error it raises. */
function given(...history: DeploymentEvent[][]) {
  const state = foldDeployment(history.flat());
  return {
    when(command: DeploymentCommand, at: Date = now) {
      const run = () => decide(command, state, { now: at });
      return {
        thenEvents: () => run(),
        thenError(): DomainError {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            return error as DomainError;
          }
          throw new Error('expected the command to be refused');
        },
      };
    },
  };
}

const registered = (body: Partial<RegisterDeploymentBody> = {}) =>
  decide({ type: 'RegisterDeployment', data: { ...registration, ...body } }, { status: 'unregistered' }, { now });
const withCriteria = () => decide({ type: 'DefineCriteria', data: { criteria } }, foldDeployment(registered()), { now });
const live = (at = '2026-02-01T00:00:00.000Z'): DeploymentEvent[] => [{ type: 'WentLive', data: { at, recordedAt: at } }];

describe('deployment lifecycle', () => {
  describe('register', () => {
    it('registers with defaults: UTC, 7 days ramp-up, and criteria when given', () => {
      const events = given().when({ type: 'RegisterDeployment', data: { ...registration, criteria } }).thenEvents();
      expect(events).toEqual([
        {
          type: 'DeploymentRegistered',
          data: { ...registration, timezone: 'UTC', rampUpDays: 7, registeredAt: now.toISOString() },
        },
        { type: 'CriteriaDefined', data: { criteria, definedAt: now.toISOString() } },
      ]);
    });

    it.each([
      'everyone',
      'Team',
      'the project team',
      'TBD',
      'n/a',
      'nobody',
      'Data Science Team',
      'Ops group',
      'Alice and Bob',
      'Alice, Bob',
      '???',
    ])('refuses "%s" as owner and asks for one accountable person', (name) => {
      const error = given()
        .when({ type: 'RegisterDeployment', data: { ...registration, owner: { name, email: 'x.y@example.com' } } })
        .thenError();
      expect(error.code).toBe('validation_failed');
      expect(error.details[0]?.field).toBe('owner.name');
      expect(error.message).toMatch(/name one accountable person/);
    });

    it('refuses a shared mailbox as the owner address', () => {
      const error = given()
        .when({ type: 'RegisterDeployment', data: { ...registration, owner: { name: 'Dana Reyes', email: 'team@example.com' } } })
        .thenError();
      expect(error.details[0]?.field).toBe('owner.email');
    });

    it.each(['Dana Reyes', 'José Álvarez-Núñez', '李雷', "Siobhán O'Neill"])('accepts %s as a person', (name) => {
      expect(
        given().when({ type: 'RegisterDeployment', data: { ...registration, owner: { name, email: 'p@example.com' } } }).thenEvents(),
      ).toHaveLength(1);
    });

    it('refuses an id that exists', () => {
      expect(given(registered()).when({ type: 'RegisterDeployment', data: registration }).thenError().code).toBe('conflict');
    });

    it('refuses a time zone that is not IANA', () => {
      const error = given().when({ type: 'RegisterDeployment', data: { ...registration, timezone: 'Mars/Olympus' } }).thenError();
      expect(error.details).toEqual([{ field: 'timezone', message: expect.stringMatching(/IANA/) }]);
    });
  });

  describe('criteria', () => {
    it.each<[string, Criterion[], string]>([
      ['two targets', [{ metric: 'error_ratio', atMost: 0.1, relativeChange: -0.2 }], 'criteria[0]'],
      ['no target', [{ metric: 'error_ratio' }], 'criteria[0]'],
      ['a metric twice', [{ metric: 'error_ratio', atMost: 0.1 }, { metric: 'error_ratio', atMost: 0.2 }], 'criteria[1].metric'],
      ['a relative change on a metric without baseline', [{ metric: 'adoption_ratio', relativeChange: 0.1 }], 'criteria[0].relativeChange'],
      ['a ratio above 1', [{ metric: 'adoption_ratio', atLeast: 60 }], 'criteria[0].atLeast'],
    ])('refuses %s, naming the field', (_, bad, field) => {
      const error = given(registered()).when({ type: 'DefineCriteria', data: { criteria: bad } }).thenError();
      expect(error.code).toBe('validation_failed');
      expect(error.details.map((d) => d.field)).toContain(field);
    });

    it('defines criteria freely before go-live', () => {
      expect(given(registered()).when({ type: 'DefineCriteria', data: { criteria } }).thenEvents()[0]?.type).toBe('CriteriaDefined');
    });

    it('requires a reason to revise after go-live, and records the revision', () => {
      const history = [registered(), withCriteria(), live()];
      const revised = [{ metric: 'task_duration_p50', relativeChange: -0.1 }] as Criterion[];
      expect(given(...history).when({ type: 'DefineCriteria', data: { criteria: revised } }).thenError().details[0]?.field).toBe('reason');
      const events = given(...history).when({ type: 'DefineCriteria', data: { criteria: revised, reason: 'Volume doubled' } }).thenEvents();
      expect(events).toEqual([{ type: 'CriteriaRevised', data: { criteria: revised, reason: 'Volume doubled', revisedAt: now.toISOString() } }]);
      const state = foldDeployment([...history.flat(), ...events]) as RegisteredDeployment;
      expect(state.criteria).toEqual(revised);
      expect(state.criteriaRevisions).toEqual([{ at: now.toISOString(), reason: 'Volume doubled', criteria: revised }]);
    });
  });

  describe('go live', () => {
    it('is refused without criteria', () => {
      const error = given(registered()).when({ type: 'GoLive', data: {} }).thenError();
      expect(error.code).toBe('conflict');
      expect(error.message).toMatch(/no success criteria/);
    });

    it('may be backdated', () => {
      expect(given(registered(), withCriteria()).when({ type: 'GoLive', data: { at: '2026-01-15T08:00:00+01:00' } }).thenEvents()).toEqual([
        { type: 'WentLive', data: { at: '2026-01-15T07:00:00.000Z', recordedAt: now.toISOString() } },
      ]);
    });

    it('is refused twice', () => {
      expect(given(registered(), withCriteria(), live()).when({ type: 'GoLive', data: {} }).thenError().code).toBe('conflict');
    });

    it('is refused in the future and before the end of the baseline window', () => {
      expect(given(registered(), withCriteria()).when({ type: 'GoLive', data: { at: '2026-03-02T00:00:00Z' } }).thenError().details[0]?.field).toBe('at');
      const baseline: DeploymentEvent[] = [
        { type: 'BaselineWindowSet', data: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', setAt: '' } },
      ];
      expect(
        given(registered(), withCriteria(), baseline).when({ type: 'GoLive', data: { at: '2026-01-20T00:00:00Z' } }).thenError().code,
      ).toBe('validation_failed');
    });
  });

  describe('go live in waves (segments)', () => {
    const wave = (at: string, segments: string[]): DeploymentEvent[] => [{ type: 'WentLive', data: { at, recordedAt: at, segments } }];
    const firstWave = wave('2026-02-01T00:00:00.000Z', ['north']);

    it('records a segmented go-live with its segments, and the state keeps it as the first wave', () => {
      const events = given(registered(), withCriteria())
        .when({ type: 'GoLive', data: { at: '2026-02-01T00:00:00Z', segments: ['north', ' south '] } })
        .thenEvents();
      expect(events).toEqual([
        { type: 'WentLive', data: { at: '2026-02-01T00:00:00.000Z', recordedAt: now.toISOString(), segments: ['north', 'south'] } },
      ]);
      const state = foldDeployment([...registered(), ...withCriteria(), ...events]) as RegisteredDeployment;
      expect(state.phase).toBe('live');
      expect(state.wentLiveAt).toBe('2026-02-01T00:00:00.000Z');
      expect(state.waves).toEqual([{ at: '2026-02-01T00:00:00.000Z', segments: ['north', 'south'] }]);
    });

    it('records a later wave with new segments; go-live stays the first wave', () => {
      const events = given(registered(), withCriteria(), firstWave)
        .when({ type: 'GoLive', data: { at: '2026-02-15T00:00:00Z', segments: ['south'] } })
        .thenEvents();
      expect(events).toEqual([{ type: 'WentLive', data: { at: '2026-02-15T00:00:00.000Z', recordedAt: now.toISOString(), segments: ['south'] } }]);
      const state = foldDeployment([...registered(), ...withCriteria(), ...firstWave, ...events]) as RegisteredDeployment;
      expect(state.wentLiveAt).toBe('2026-02-01T00:00:00.000Z');
      expect(state.waves).toEqual([
        { at: '2026-02-01T00:00:00.000Z', segments: ['north'] },
        { at: '2026-02-15T00:00:00.000Z', segments: ['south'] },
      ]);
    });

    it('refuses a segment that already went live (conflict), naming it', () => {
      const error = given(registered(), withCriteria(), firstWave)
        .when({ type: 'GoLive', data: { at: '2026-02-15T00:00:00Z', segments: ['south', 'north'] } })
        .thenError();
      expect(error.code).toBe('conflict');
      expect(error.message).toMatch(/north already went live/);
    });

    it('refuses a segment named twice in one wave', () => {
      const error = given(registered(), withCriteria()).when({ type: 'GoLive', data: { segments: ['north', 'north '] } }).thenError();
      expect(error.code).toBe('validation_failed');
      expect(error.details[0]?.field).toBe('segments');
    });

    it('refuses a later wave dated before the first', () => {
      const error = given(registered(), withCriteria(), firstWave)
        .when({ type: 'GoLive', data: { at: '2026-01-20T00:00:00Z', segments: ['south'] } })
        .thenError();
      expect(error.code).toBe('validation_failed');
      expect(error.details[0]?.field).toBe('at');
    });

    it('refuses a later wave in the future', () => {
      const error = given(registered(), withCriteria(), firstWave).when({ type: 'GoLive', data: { at: '2026-03-05T00:00:00Z', segments: ['south'] } }).thenError();
      expect(error.details[0]?.field).toBe('at');
    });

    it('still refuses a whole go-live twice, even with segments the second time', () => {
      expect(given(registered(), withCriteria(), live()).when({ type: 'GoLive', data: {} }).thenError().code).toBe('conflict');
      const error = given(registered(), withCriteria(), live()).when({ type: 'GoLive', data: { segments: ['north'] } }).thenError();
      expect(error.code).toBe('conflict');
      expect(error.message).toMatch(/goes live once/);
    });

    it('refuses a go-live without segments after a wave (conflict), asking for the next wave’s segments', () => {
      const error = given(registered(), withCriteria(), firstWave).when({ type: 'GoLive', data: {} }).thenError();
      expect(error.code).toBe('conflict');
      expect(error.message).toMatch(/name the segments of the next wave/);
    });

    it('refuses a wave after a rollback', () => {
      const rolledBack: DeploymentEvent[] = [{ type: 'RolledBack', data: { at: '2026-02-10T00:00:00.000Z', reason: 'errors', recordedAt: '' } }];
      expect(given(registered(), withCriteria(), firstWave, rolledBack).when({ type: 'GoLive', data: { segments: ['south'] } }).thenError().code).toBe(
        'conflict',
      );
    });
  });

  describe('baseline window', () => {
    it('must end at or before go-live and after it starts', () => {
      const history = [registered(), withCriteria(), live('2026-02-01T00:00:00.000Z')];
      expect(given(...history).when({ type: 'SetBaselineWindow', data: { from: '2026-01-01T00:00:00Z', to: '2026-02-02T00:00:00Z' } }).thenError().details[0]?.field).toBe('to');
      expect(given(...history).when({ type: 'SetBaselineWindow', data: { from: '2026-01-10T00:00:00Z', to: '2026-01-01T00:00:00Z' } }).thenError().details[0]?.field).toBe('to');
      expect(given(...history).when({ type: 'SetBaselineWindow', data: { from: '2026-01-01T00:00:00Z', to: '2026-01-29T00:00:00Z' } }).thenEvents()[0]?.type).toBe('BaselineWindowSet');
    });
  });

  describe('rollback and retirement', () => {
    it('rolls back a live deployment, not one that never went live, not before go-live', () => {
      expect(given(registered()).when({ type: 'RollBack', data: { reason: 'x' } }).thenError().code).toBe('conflict');
      const history = [registered(), withCriteria(), live('2026-02-01T00:00:00.000Z')];
      expect(given(...history).when({ type: 'RollBack', data: { reason: 'x', at: '2026-01-01T00:00:00Z' } }).thenError().details[0]?.field).toBe('at');
      const events = given(...history).when({ type: 'RollBack', data: { reason: 'Broke dispatch rules' } }).thenEvents();
      expect(foldDeployment([...history.flat(), ...events])).toMatchObject({ phase: 'rolled_back', rolledBack: { reason: 'Broke dispatch rules' } });
    });

    it('accepts nothing once retired', () => {
      const retired: DeploymentEvent[] = [{ type: 'Retired', data: { at: now.toISOString(), reason: 'No effect', outcome: 'killed' } }];
      for (const command of [
        { type: 'GoLive', data: {} },
        { type: 'DefineCriteria', data: { criteria } },
        { type: 'Retire', data: { reason: 'again', outcome: 'killed' } },
        { type: 'IssueIngestKey', data: { keyId: 'k', keyHash: 'h' } },
      ] as DeploymentCommand[]) {
        const error = given(registered(), withCriteria(), retired).when(command).thenError();
        expect(error.code).toBe('conflict');
        expect(error.message).toMatch(/retired/);
      }
    });
  });

  describe('ingest keys', () => {
    it('issues and revokes; revoking twice changes nothing; an unknown key is not found', () => {
      const issued = given(registered()).when({ type: 'IssueIngestKey', data: { keyId: 'k1', keyHash: 'h1' } }).thenEvents();
      const revoked = given(registered(), issued).when({ type: 'RevokeIngestKey', data: { keyId: 'k1' } }).thenEvents();
      expect(foldDeployment([...registered(), ...issued, ...revoked])).toMatchObject({
        keys: { k1: { keyHash: 'h1', revokedAt: now.toISOString() } },
      });
      expect(given(registered(), issued, revoked).when({ type: 'RevokeIngestKey', data: { keyId: 'k1' } }).thenEvents()).toEqual([]);
      expect(given(registered()).when({ type: 'RevokeIngestKey', data: { keyId: 'nope' } }).thenError().code).toBe('not_found');
    });
  });

  it('every command on an unregistered deployment is not found', () => {
    expect(given().when({ type: 'GoLive', data: {} }).thenError().code).toBe('not_found');
  });
});
