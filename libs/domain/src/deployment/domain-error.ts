export type DomainErrorCode = 'validation_failed' | 'conflict' | 'not_found';

export interface DomainErrorDetail {
  field: string;
  message: string;
}

/** A rule said no. The message says what was wrong and what to do; the code maps to an HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: DomainErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static invalid(field: string, message: string): DomainError {
    return new DomainError('validation_failed', `${field} ${message}`, [{ field, message }]);
  }
}
