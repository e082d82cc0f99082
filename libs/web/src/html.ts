/**
 * Server-rendered HTML with escaping by default: every interpolated value is escaped unless it
 * is itself the result of `html` (or `raw`), so a deployment name or reason can never become markup.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + (strings[i + 1] as string);
  return new SafeHtml(out);
}

/** Markup that is already safe (built here, never from input). */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}
