import type { DeploymentDetail, DeploymentSummary } from '@baseliner/contracts';
import { criteriaAdvice, type RegisteredDeployment } from '@baseliner/domain';
import type { Static } from '@sinclair/typebox';

export function toSummary(d: RegisteredDeployment): DeploymentSummary {
  return { id: d.id, name: d.name, owner: d.owner, ...(d.workflow && { workflow: d.workflow }), phase: d.phase };
}

/** Everything about a deployment except key hashes. */
export function toDetail(d: RegisteredDeployment): Static<typeof DeploymentDetail> {
  const advice = criteriaAdvice(d.criteria);
  return {
    ...toSummary(d),
    timezone: d.timezone,
    rampUpDays: d.rampUpDays,
    ...(d.eligibleUsers !== undefined && { eligibleUsers: d.eligibleUsers }),
    criteria: d.criteria,
    criteriaRevisions: d.criteriaRevisions,
    ...(d.baselineWindow && { baselineWindow: d.baselineWindow }),
    ...(d.wentLiveAt && { wentLiveAt: d.wentLiveAt }),
    ...(d.waves && { waves: d.waves.map(({ at, segments }) => ({ at, segments: [...segments] })) }),
    ...(d.rolledBack && { rolledBack: d.rolledBack }),
    ...(d.retired && { retired: d.retired }),
    keys: Object.values(d.keys).map(({ keyId, issuedAt, revokedAt }) => ({ keyId, issuedAt, ...(revokedAt && { revokedAt }) })),
    ...(advice.length > 0 && { criteriaAdvice: advice }),
  };
}
