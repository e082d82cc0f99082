import type { Validator } from '@baseliner/contracts';
import { ApiError } from './api-error';

/** The body as the schema's type, or a 422 listing every invalid field. */
export function validBody<T>(validator: Validator<T>, body: unknown): T {
  const result = validator.validate(body ?? {});
  if (!result.ok) throw ApiError.validation(result.errors);
  return result.value;
}
