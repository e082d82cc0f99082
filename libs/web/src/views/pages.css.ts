/** The pages' only stylesheet, served from /assets/pages.css (no build step, nothing from a CDN). */
export const PAGES_CSS = `
:root{--fg:#1b1f24;--muted:#505a66;--line:#d6dbe1;--bg:#fff;--panel:#f5f7f9;--works:#0b6b2e;--works-bg:#dcf3e3;--failing:#a3121b;--failing-bg:#fde2e2;--inconclusive:#7a4b00;--inconclusive-bg:#fdf0d2;--neutral:#3c4650;--neutral-bg:#e8ecf0;--accent:#1f5fbf}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
code{font-size:.9em;overflow-wrap:anywhere}
a{color:var(--accent)}a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;justify-content:space-between;padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:var(--panel)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header.top form{margin:0}
main{padding:1rem 1.2rem;max-width:1200px}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem}
caption{text-align:left;padding:.2rem 0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-weight:600;font-size:13px;white-space:nowrap}
.v-works,.s-met{color:var(--works);background:var(--works-bg)}
.v-failing,.s-not_met{color:var(--failing);background:var(--failing-bg)}
.v-inconclusive,.s-inconclusive{color:var(--inconclusive);background:var(--inconclusive-bg)}
.v-insufficient_data,.v-pending,.v-rolled_back,.v-retired,.s-insufficient_data{color:var(--neutral);background:var(--neutral-bg)}
.warn{color:var(--inconclusive);font-size:13px}
.muted{color:var(--muted)}
.filters{display:flex;gap:.8rem;align-items:end;margin:.4rem 0 .8rem;flex-wrap:wrap}
.filters div{display:flex;flex-direction:column}.filters label{font-size:13px;color:var(--muted)}
select,input,button{font:inherit;padding:.25rem .5rem;border:1px solid #8a96a3;border-radius:4px;background:#fff;color:var(--fg)}
button{cursor:pointer;background:var(--panel)}
.summary{display:flex;gap:1rem;flex-wrap:wrap;margin:.3rem 0 1rem}
.summary div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.4rem .7rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(420px,100%),1fr));gap:1rem}
.chart-block{min-width:0}.chart-block h3{margin:.2rem 0 .3rem;font-size:1rem}
.chart-note{margin:.1rem 0 .4rem;font-size:13px}
figure.chart{margin:0;padding:.5rem;border:1px solid var(--line);border-radius:6px}
figure.chart h3{margin:0 0 .3rem;font-size:.95rem}
figure.chart svg{width:100%;height:auto;display:block}
figure.chart svg.narrow{display:none}
@media (max-width:520px){figure.chart svg.wide{display:none}figure.chart svg.narrow{display:block}}
figure.heatmap{max-width:620px}
figcaption{font-size:12px;color:var(--muted);display:flex;gap:.8rem;flex-wrap:wrap}
.key::before{content:"";display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle;background:currentColor}
.key.dashed::before{background:repeating-linear-gradient(90deg,currentColor 0 4px,transparent 4px 7px)}
.band-key::before{height:10px;background:#c9d8ef}
.target-key{color:#7a4b00}.target-key::before{background:repeating-linear-gradient(90deg,currentColor 0 6px,transparent 6px 9px)}
.span-key::before{height:10px;background:#ececec;border:1px solid #c4c9cf}
svg .grid{stroke:#e6e9ed}svg .tick,svg .marker-label{font-size:10px;fill:var(--muted)}
svg .line{fill:none;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}svg path.bar{fill:currentColor;stroke:none}
svg .target{stroke:#7a4b00;stroke-width:1.5;stroke-dasharray:6 3}svg .line.dashed{stroke-dasharray:5 3}svg .line.thin{stroke-width:1.2}
svg .band{fill:#c9d8ef;opacity:.7}svg .span{fill:#ececec}svg .marker{stroke:#6b7682;stroke-dasharray:3 3}
.t-base{color:#6b7682;stroke:#6b7682}.t-now{color:#1f5fbf;stroke:#1f5fbf}.t-alt{color:#b3541e;stroke:#b3541e}.t-good{color:#0b6b2e;stroke:#0b6b2e}.t-bad{color:#a3121b;stroke:#a3121b}
svg .heat{fill:#1f5fbf}svg .h0{fill:#eef2f6}svg .h1{fill-opacity:.2}svg .h2{fill-opacity:.4}svg .h3{fill-opacity:.6}svg .h4{fill-opacity:.8}svg .h5{fill-opacity:1}
.heat-legend{gap:.4rem .9rem}.swatch{display:inline-block;width:14px;height:12px;margin-right:4px;vertical-align:middle;border-radius:2px}
.swatch.h0{background:#eef2f6}.swatch.h1{background:rgba(31,95,191,.2)}.swatch.h2{background:rgba(31,95,191,.4)}.swatch.h3{background:rgba(31,95,191,.6)}.swatch.h4{background:rgba(31,95,191,.8)}.swatch.h5{background:#1f5fbf}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{padding:.3rem 0;border-bottom:1px solid var(--line)}
ol.timeline time{display:inline-block;min-width:11rem;color:var(--muted);font-variant-numeric:tabular-nums}
.signin{max-width:28rem;margin:3rem auto}.signin input{width:100%;margin:.3rem 0 .8rem}
.error{color:var(--failing);background:var(--failing-bg);padding:.4rem .6rem;border-radius:4px}
.notice{color:var(--neutral);background:var(--neutral-bg);padding:.4rem .6rem;border-radius:4px}
p.empty{color:var(--muted);font-style:italic}
.filters a.clear{align-self:center}
nav.pager{display:flex;flex-wrap:wrap;gap:.35rem;align-items:center;margin:.5rem 0}
nav.pager a,nav.pager .off,nav.pager .current{display:inline-block;min-width:2.2rem;padding:.2rem .55rem;border:1px solid var(--line);border-radius:4px;text-align:center;text-decoration:none}
nav.pager .current{font-weight:700;background:var(--panel);border-color:#8a96a3}nav.pager .off{color:var(--muted);border-color:transparent}
.tag{color:var(--neutral);background:var(--neutral-bg);font-weight:500}
section.design p{max-width:70rem}
/* Narrow screens: a table's rows become cards, each cell with its column's name. */
@media (max-width:720px){
main{padding:.8rem}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table.stack,table.stack tbody,table.stack tr,table.stack th,table.stack td,table.stack caption{display:block;width:100%}
table.stack tr{border-bottom:1px solid var(--line);padding:.5rem 0}
table.stack th,table.stack td{border:0;padding:.1rem 0;text-align:left}
table.stack td.num{text-align:left;white-space:normal}
table.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-weight:600;font-size:13px}
table.stack th[scope=row]{font-size:15px;color:var(--fg)}
table.portfolio td:nth-child(2)::before{content:"Owner: "}table.portfolio td:nth-child(3)::before{content:"Phase: "}table.portfolio td:nth-child(4)::before{content:"Days live: "}
table.portfolio td:nth-child(5)::before{content:"Verdict: "}table.portfolio td:nth-child(6)::before{content:"Why: "}table.portfolio td:nth-child(7)::before{content:"Last event: "}
table.portfolio td::before{color:var(--muted);font-weight:600;font-size:13px}
table.portfolio td:nth-child(2),table.portfolio td:nth-child(3),table.portfolio td:nth-child(4),table.portfolio td:nth-child(7){display:inline-block;width:auto;margin-right:1rem}
ol.timeline time{display:block;min-width:0}
}
`;
