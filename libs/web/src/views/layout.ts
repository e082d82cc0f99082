import { html, type SafeHtml } from '../html';
import type { Viewer } from '../viewer-access';

export function page(title: string, body: SafeHtml, viewer?: Viewer): string {
  const who = viewer ? (viewer.kind === 'admin' ? 'admin' : viewer.name) : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Baseliner</title>
<link rel="stylesheet" href="/assets/pages.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">Baseliner</a>
${who ? html`<form method="post" action="/sign-out"><span class="muted">Signed in as ${who}</span> <button type="submit">Sign out</button></form>` : ''}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.text;
}
