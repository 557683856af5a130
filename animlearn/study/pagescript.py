"""The study page's style and script (see page.py): sorting, rows linked to curves,
two paintings compared side by side or with a wipe, the page's state kept in its
address (#...) so a reload while the study runs keeps what the reader chose."""

from ..encoders.web import FONT

STYLE = (
    f"body{{{FONT};margin:12px auto;max-width:1200px;color:#222;background:#fff;padding:0 8px}}"
    "h1{font-size:20px} h2{font-size:16px;margin-top:24px} small{color:#666}"
    "table{border-collapse:collapse} td,th{padding:2px 8px;text-align:right;white-space:nowrap}"
    "#board{font-size:13px}"
    "#board th{cursor:pointer;user-select:none;border-bottom:1px solid #999;background:#f4f4f4}"
    "#board th[data-dir=asc]::after{content:' ▲'} #board th[data-dir=desc]::after{content:' ▼'}"
    "#board td.spec,#mattered th{text-align:left} #board tr:nth-child(even){background:#fafafa}"
    "#board tr.lit,#board tr.pinned{background:#ffe9a8} path.lit,path.pinned{stroke:#d62728;stroke-width:3}"
    "svg{max-width:100%;height:auto} #curves path{stroke-opacity:.55} #curves path.lit{stroke-opacity:1}"
    ".thumbs{display:flex;flex-wrap:wrap;gap:6px} .thumb{margin:0;cursor:pointer;border:2px solid #fff}"
    ".thumb img{display:block;width:96px;height:auto;image-rendering:auto}"
    ".thumb figcaption{font-size:11px;width:96px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    ".thumb.a{border-color:#1f77b4} .thumb.b{border-color:#d62728} .thumb.lit{background:#ffe9a8}"
    "#pair{display:flex;gap:8px;align-items:flex-start} #pair img{width:min(45vw,420px);height:auto}"
    "#wipe{position:relative;display:inline-block} #wipe img{display:block;width:min(90vw,640px);height:auto}"
    "#wipe #over{position:absolute;left:0;top:0} .status{padding:6px 10px;background:#eef4fb}"
    "video{max-width:100%} [hidden]{display:none!important} .wide{overflow-x:auto}"
    "#pair img,#wipe img{image-rendering:pixelated}"
)

SCRIPT = r"""
const $ = (s, r = document) => r.querySelector(s), $$ = (s, r = document) => [...r.querySelectorAll(s)];
const state = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
state.a ??= document.body.dataset.a; state.b ??= document.body.dataset.b;
const save = () => history.replaceState(null, '', '#' + new URLSearchParams(state));

function value(row, col) {
  const cell = row.children[col], v = cell.dataset.v ?? cell.textContent.trim();
  return v === '' ? null : isNaN(+v) ? v : +v;
}
function sort(col, dir) {
  const heads = $$('#board th'), body = $('#board tbody');
  heads.forEach(h => delete h.dataset.dir);
  heads[col].dataset.dir = dir;
  const sign = dir === 'asc' ? 1 : -1;
  $$('tr', body).sort((a, b) => {
    const x = value(a, col), y = value(b, col);
    if (x === null || y === null) return (x === null) - (y === null);  // blanks last
    return sign * (x < y ? -1 : x > y ? 1 : 0);
  }).forEach(r => body.appendChild(r));
  state.sort = col; state.dir = dir; save();
}
$$('#board th').forEach((th, col) => th.addEventListener('click',
  () => sort(col, th.dataset.dir === 'desc' ? 'asc' : 'desc')));

// a spec's row, its trials' curves and thumbnails share data-key: hover lights them, a click pins
const same = key => $$('[data-key]').filter(e => e.dataset.key === key);
$$('[data-key]').forEach(e => {
  e.addEventListener('mouseenter', () => same(e.dataset.key).forEach(x => x.classList.add('lit')));
  e.addEventListener('mouseleave', () => same(e.dataset.key).forEach(x => x.classList.remove('lit')));
});
function pin(key) {
  $$('.pinned').forEach(x => x.classList.remove('pinned'));
  if (key) same(key).forEach(x => x.classList.add('pinned'));
  state.pin = key || ''; save();
}
$$('tr[data-key], path[data-key]').forEach(e => e.addEventListener('click',
  () => pin(state.pin === e.dataset.key ? '' : e.dataset.key)));

// compare: a click on a thumbnail makes it A, the next B, and so on
const thumb = id => $$('.thumb').find(t => t.dataset.trial === id);
function compare() {
  const a = thumb(state.a), b = thumb(state.b);
  $$('.thumb').forEach(t => t.classList.remove('a', 'b'));
  if (!a || !b) return;
  a.classList.add('a'); b.classList.add('b');
  const [sa, sb] = [a, b].map(t => $('img', t).src), [ta, tb] = [a, b].map(t => t.title);
  $('#pa').src = sa; $('#pb').src = sb; $('#over').src = sa; $('#under').src = sb;
  $('#pa').alt = ta; $('#pb').alt = tb; $('#over').alt = ta; $('#under').alt = tb;
  $('#names').textContent = `A (blue): ${ta} · B (red): ${tb}`;
  const wipe = state.mode === 'wipe';
  $('#pair').hidden = wipe; $('#wipe').hidden = !wipe; $('#cut').disabled = !wipe;
  $('#over').style.clipPath = `inset(0 ${100 - +$('#cut').value}% 0 0)`;
}
$$('.thumb').forEach(t => t.addEventListener('click', () => {
  state.turn = state.turn === 'a' ? 'b' : 'a';  // the one set last
  state[state.turn] = t.dataset.trial; save(); compare();
}));
$$('input[name=mode]').forEach(r => r.addEventListener('change', () => {
  state.mode = r.value; save(); compare();
}));
$('#cut').addEventListener('input', compare);

if (state.sort !== undefined && $$('#board th')[+state.sort]) sort(+state.sort, state.dir);
if (state.pin) pin(state.pin);
if (state.mode) $$('input[name=mode]').forEach(r => r.checked = r.value === state.mode);
compare();
const reload = +document.body.dataset.reload;
if (reload) setTimeout(() => location.reload(), reload * 1000);
"""
