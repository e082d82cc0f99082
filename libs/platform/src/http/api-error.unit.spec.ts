import { DomainError } from '@baseliner/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@baseliner/event-store';
import { toErrorResponse } from './api-error';

describe('mapping errors to responses', () => {
  it('maps a concurrent change to 409, a store failure to 503 with Retry-After, rules to 404/409/422', () => {
    expect(toErrorResponse(new WrongExpectedRevisionError('deployment-x', 3, 4))).toMatchObject({ status: 409, body: { error: 'concurrent_change' } });
    expect(toErrorResponse(new EventStoreUnavailableError('disk full'))).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(toErrorResponse(new DomainError('not_found', 'x')).status).toBe(404);
    expect(toErrorResponse(new DomainError('conflict', 'x')).status).toBe(409);
    expect(toErrorResponse(DomainError.invalid('owner.name', 'is a team'))).toMatchObject({
      status: 422,
      body: { details: [{ field: 'owner.name', message: 'is a team' }] },
    });
  });

  it('never leaks an unexpected error’s message, and answers 500 only for those', () => {
    const response = toErrorResponse(new Error('SELECT secret FROM somewhere'));
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/secret/);
  });
});
