import { html, type SafeHtml } from '../html';

export function signInView(next: string, problem?: string, notice?: string): SafeHtml {
  return html`<div class="signin">
<h1>Sign in</h1>
<p>Owner names and numbers are not public. Paste a viewer token (<code>bvt_…</code>, issued by your admin with
<code>POST /v1/viewer-tokens</code>) or the admin token.</p>
${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<form method="post" action="/sign-in">
<input type="hidden" name="next" value="${next}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
<p class="muted">Signing in gives this browser a session (12 hours with the admin token, 7 days with a viewer token) in an
httpOnly cookie for this site only; the token itself is not kept and never appears in a URL. Sign out ends the session.</p>
</div>`;
}
