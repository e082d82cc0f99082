import { html, raw } from './html';

describe('html', () => {
  it('escapes every interpolated value, so a name can never become markup', () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<td title="${name}">${name}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</td>',
    );
  });

  it('nests html fragments and arrays unescaped, and drops null, undefined and booleans', () => {
    const items = ['a<b', 'c'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${raw('<br>')}${0}`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul><br>0');
  });
});
