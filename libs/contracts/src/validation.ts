import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import { DEPLOYMENT_ID_PATTERN } from './cloud-event.schema';
import './formats';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `owner.email` or `criteria[0].metric`; empty for the whole value. */
  field: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface Validator<T> {
  check(value: unknown): value is T;
  validate(value: unknown): ValidationResult<T>;
}

/** `/criteria/0/metric` → `criteria[0].metric` */
export function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

function literalChoices(schema: TSchema): string[] | undefined {
  const options = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!options || !options.every((o) => 'const' in o)) return undefined;
  return options.map((o) => String((o as unknown as { const: unknown }).const));
}

/** Patterns said in words: a regular expression is not an answer a person can act on. */
const PATTERNS_IN_WORDS: Record<string, string> = {
  [DEPLOYMENT_ID_PATTERN]: 'must be lower-case letters, digits and dashes, 1–63 characters, starting with a letter or digit (e.g. doc-review)',
};

function describe(error: ValueError): string {
  const choices = literalChoices(error.schema);
  if (choices) return `must be one of: ${choices.join(', ')}`;
  const schema = error.schema as Record<string, unknown>;
  if (error.value === undefined) return 'is required';
  if (schema.pattern && typeof error.value === 'string') return PATTERNS_IN_WORDS[String(schema.pattern)] ?? `does not match ${String(schema.pattern)}`;
  if (schema.format === 'date-time') return 'must be an RFC 3339 timestamp such as 2026-01-31T09:00:00Z';
  if (schema.format === 'email') return 'must be an email address';
  if (error.message === 'Unexpected property') {
    // The object's own fields, so that a misspelt or invented one comes with the right choices.
    const known = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
    return known.length > 0 ? `is not a known field (known: ${known.join(', ')}); remove or rename it` : 'is not a known field; remove it';
  }
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

/** Compiles a TypeBox schema once; reports at most one message per field, first error first. */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled: TypeCheck<S> = TypeCompiler.Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    validate(value) {
      if (compiled.Check(value)) return { ok: true, value };
      const errors: FieldError[] = [];
      const seen = new Set<string>();
      for (const error of compiled.Errors(value)) {
        const field = toFieldPath(error.path);
        if (seen.has(field)) continue;
        seen.add(field);
        errors.push({ field, message: describe(error) });
        if (errors.length >= 20) break;
      }
      return { ok: false, errors };
    },
  };
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ');
}
