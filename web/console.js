// The mcp-warden console: one ES module, no framework, no bundler. Every value from the server is
// untrusted (tool descriptions and arguments come from upstreams and clients): the DOM is built
// with createElement and text nodes only, never innerHTML, and the CSP forbids inline script.
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const SVG = 'http://www.w3.org/2000/svg';
let me = null;
let tail = null;

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

async function api(name, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const response = await fetch(`/console/api/${name}?${query}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(body.error?.message ?? response.statusText), { status: response.status, reasons: body.error?.reasons ?? [] });
  return body;
}

function failure(error) {
  return el('div', { class: 'error', role: 'alert' }, el('p', {}, error.message), error.reasons?.length ? el('ul', {}, error.reasons.map((r) => el('li', {}, r))) : null);
}

function decisionCell(decision) {
  return el('span', { class: decision === 'allow' ? 'allow' : 'deny' }, decision);
}

// ---- login ---------------------------------------------------------------------------------
async function login() {
  const options = await api('login-options');
  const box = el('section', { class: 'login' }, el('h1', {}, 'Log in'));
  if (options.oidc) box.append(el('p', {}, el('a', { href: '/console/login/oidc', id: 'oidc-login' }, 'Log in with your identity provider')));
  if (options.dev.length > 0) {
    box.append(el('h2', {}, 'DEV-ONLY example users'), el('p', { class: 'muted' }, 'Mints a short-lived token signed with the example deployment\'s development key.'));
    for (const user of options.dev) {
      box.append(el('form', { method: 'post', action: '/console/login/dev' },
        el('input', { type: 'hidden', name: 'user', value: user.sub }),
        el('button', { type: 'submit', 'data-user': user.sub }, `${user.sub} (${user.roles.join(', ') || 'no roles'})`)));
    }
  }
  if (!options.oidc && options.dev.length === 0) box.append(el('p', {}, 'No login is configured (console.oidc or console.dev_login).'));
  nav.replaceChildren();
  who.replaceChildren();
  show(box);
}

// ---- decisions -----------------------------------------------------------------------------
const FILTERS = [['since', 'datetime-local'], ['until', 'datetime-local'], ['sub', 'text', 'principal'], ['tool', 'text', 'tool glob'], ['server', 'text', 'upstream'], ['decision', 'select'], ['method', 'text'], ['workflow', 'text']];

function filtersFrom(hashQuery) {
  const params = {};
  for (const [key, value] of hashQuery) params[key] = value;
  return params;
}

function toIso(local) {
  return local ? new Date(local).toISOString() : undefined;
}

function decisionRow(row, fresh = false) {
  return el('tr', { class: fresh ? 'new' : undefined, 'data-seq': row.seq },
    el('td', {}, el('a', { href: decisionHref(row) }, row.time)),
    el('td', {}, row.sub ?? '—'),
    el('td', {}, row.method ?? ''),
    el('td', {}, row.tool ?? ''),
    el('td', {}, row.server ?? ''),
    el('td', {}, decisionCell(row.decision)),
    el('td', {}, row.code ?? ''),
    el('td', {}, row.outcome ?? ''),
    el('td', {}, row.workflow ? `${row.workflow.name} / ${row.workflow.step}` : ''));
}

async function decisions(hashQuery) {
  const values = filtersFrom(hashQuery);
  const form = el('form', { class: 'filters', id: 'filters' });
  for (const [name, type, label] of FILTERS) {
    const input = type === 'select'
      ? el('select', { name }, el('option', { value: '' }, 'any'), el('option', { value: 'allow' }, 'allow'), el('option', { value: 'deny' }, 'deny'))
      : el('input', { name, type, placeholder: label ?? name });
    input.value = values[name] ?? '';
    form.append(el('label', {}, label ?? name, input));
  }
  const tailBox = el('input', { type: 'checkbox', id: 'live' });
  form.append(el('button', { type: 'submit' }, 'Apply'), el('label', {}, 'live tail', tailBox));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''));
    location.hash = `#/decisions?${query}`;
  });
  const body = el('tbody', { id: 'rows' });
  const table = el('table', {}, el('thead', {}, el('tr', {}, ['time', 'principal', 'method', 'tool', 'upstream', 'decision', 'code', 'outcome', 'workflow'].map((h) => el('th', {}, h)))), body);
  const more = el('button', { type: 'button', id: 'older' }, 'Older');
  const status = el('p', { class: 'muted', id: 'status' });
  show(el('h1', {}, 'Decisions'), form, status, table, more);

  const query = { ...values, since: toIso(values.since), until: toIso(values.until) };
  let next = null;
  let newest = null;
  const load = async (before) => {
    const page = await api('decisions', { ...query, before, limit: 50 });
    body.append(...page.rows.map((row) => decisionRow(row)));
    if (newest === null && page.rows.length > 0) newest = page.rows[0];
    next = page.next;
    more.hidden = next === null;
    status.textContent = `${body.children.length} shown`;
  };
  more.addEventListener('click', () => load(next).catch((error) => status.replaceChildren(failure(error))));
  tailBox.addEventListener('change', () => {
    clearInterval(tail);
    if (!tailBox.checked) return;
    const poll = async () => {
      const since = newest ? newest.time : new Date().toISOString();
      const page = await api('decisions', { ...query, since, after: newest ? newest.seq : 0, limit: 100 });
      if (page.rows.length === 0) return;
      newest = page.rows[0];
      body.prepend(...page.rows.map((row) => decisionRow(row, true)));
      status.textContent = `${body.children.length} shown (live)`;
    };
    tail = setInterval(() => poll().catch((error) => status.replaceChildren(failure(error))), window.pollMs ?? 2000);
  });
  await load(undefined);
}

// ---- one decision --------------------------------------------------------------------------
function definitionList(pairs) {
  return el('dl', {}, pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '—')]));
}

/** A decision's page: seq counts per replica on PostgreSQL, so the replica goes with it there. */
function decisionHref(row) {
  return `#/decision/${Number(row.seq)}${row.replica === undefined ? '' : `?${new URLSearchParams({ replica: row.replica })}`}`;
}

async function decision(seq, query) {
  const d = await api('decision', { seq, ...(query.has('replica') ? { replica: query.get('replica') } : {}) });
  const r = d.record;
  const siblings = d.siblings.length === 0 ? el('p', { class: 'muted' }, 'Not part of a workflow.') : el('table', {},
    el('thead', {}, el('tr', {}, ['time', 'tool', 'step', 'decision', 'outcome'].map((h) => el('th', {}, h)))),
    el('tbody', {}, d.siblings.map((s) => el('tr', {}, el('td', {}, el('a', { href: decisionHref(s) }, s.time)), el('td', {}, s.tool ?? ''), el('td', {}, s.workflow?.step ?? '(the workflow)'), el('td', {}, decisionCell(s.decision)), el('td', {}, s.outcome ?? '')))));
  show(
    el('h1', {}, `Decision ${r.decisionId ?? ''}`),
    el('div', { class: 'cards' },
      el('section', { class: 'card' }, el('h2', {}, 'Decision'), definitionList([
        ['decision', decisionCell(r.decision)], ['code', r.code], ['reasons', r.reasons.join('; ') || null], ['principal', r.sub], ['method', r.method],
        ['tool', r.tool], ['upstream', r.server], ['policy revision', d.policyRevision], ['protocol', d.protocolVersion], ['time', r.time]])),
      el('section', { class: 'card' }, el('h2', {}, 'Outcome'), d.outcome ? definitionList([
        ['outcome', d.outcome.outcome], ['code', d.outcome.code], ['duration', d.outcome.durationMs === null ? null : `${d.outcome.durationMs} ms`],
        ['upstream time', d.outcome.upstreamMs === null ? null : `${d.outcome.upstreamMs} ms`], ['time', d.outcome.time]]) : el('p', { class: 'muted' }, 'No outcome (denied, or not finished).')),
      el('section', { class: 'card' }, el('h2', {}, 'Chain'), definitionList([
        ['seq', String(d.chain.seq)], ['previous hash', d.chain.prevHash], ['hash', d.chain.hash], ['head', d.chain.headSeq === null ? null : `seq ${d.chain.headSeq} (${d.chain.headTime})`]]))),
    el('h2', {}, 'Workflow'), siblings,
    el('h2', {}, 'Policy input (as recorded, redacted)'), el('pre', { id: 'input' }, d.input === null ? 'not recorded' : JSON.stringify(d.input, null, 2)),
    el('p', { class: 'muted' }, `arguments sha256: ${d.argumentsSha256 ?? '—'}`));
}

// ---- overview ------------------------------------------------------------------------------
function chart(buckets, calls, denied, title) {
  const width = 600, height = 160, pad = 24;
  const max = Math.max(1, ...calls);
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, calls.length - 1);
  const y = (v) => height - pad - (v * (height - 2 * pad)) / max;
  const line = (values) => values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
    svg('title', {}, title),
    svg('line', { class: 'axis', x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }),
    svg('text', { x: pad, y: 12 }, `max ${max}`),
    svg('text', { x: pad, y: height - 6 }, buckets[0]?.start.slice(0, 16) ?? ''),
    svg('text', { x: width - pad - 90, y: height - 6 }, buckets.at(-1)?.start.slice(0, 16) ?? ''),
    svg('path', { class: 'calls', d: line(calls) }),
    svg('path', { class: 'denied', d: line(denied) }));
}

function seriesCards(title, series, buckets) {
  return el('section', { class: 'card' }, el('h2', {}, title), series.length === 0 ? el('p', { class: 'muted' }, 'No calls in range.') :
    series.map((s) => el('div', {}, el('h3', {}, s.key ?? '(none)'), chart(buckets, s.calls, s.denied, `${title}: ${s.key ?? '(none)'}`))));
}

function simpleTable(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))), el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))));
}

async function overview(hashQuery) {
  const range = hashQuery.get('range') ?? '24h';
  const o = await api('overview', { range });
  const picker = el('p', {}, ['1h', '24h', '7d', '30d'].map((r) => el('a', { href: `#/overview?range=${r}`, class: r === range ? 'current' : undefined }, `${r} `)));
  const chain = o.chain.state === 'done'
    ? `${o.chain.ok ? 'intact' : 'BROKEN'} (verified ${o.chain.ranAt}, ${o.chain.report?.rows ?? '?'} rows)`
    : o.chain.state === 'failed' ? `verify could not run: ${o.chain.error}` : `verify ${o.chain.state.replace('_', ' ')}`;
  show(
    el('h1', {}, 'Overview'), picker,
    el('section', { class: 'card', id: 'totals' }, el('h2', {}, 'Calls and denials'),
      el('p', { class: 'legend' }, el('span', { class: 'calls' }, '— calls'), el('span', { class: 'denied' }, '— denied')),
      chart(o.buckets, o.buckets.map((b) => b.calls), o.buckets.map((b) => b.denied), 'All calls and denials')),
    el('div', { class: 'cards' },
      seriesCards('Per tool', o.byTool, o.buckets),
      seriesCards('Per principal', o.byPrincipal, o.buckets),
      el('section', { class: 'card' }, el('h2', {}, 'Top denied tools'), simpleTable(['tool', 'denied'], o.topDenied.map((t) => [t.tool ?? '(none)', String(t.denied)]))),
      el('section', { class: 'card' }, el('h2', {}, 'Error codes'), simpleTable(['row', 'code', 'count'], o.errorCodes.map((c) => [c.kind, c.code, String(c.count)]))),
      el('section', { class: 'card' }, el('h2', {}, 'Upstreams'), simpleTable(['upstream', 'state', 'circuit'], o.upstreams.map((u) => [u.name, u.state, u.breaker]))),
      el('section', { class: 'card', id: 'chain' }, el('h2', {}, 'Audit chain'), el('p', {}, chain), el('p', { class: 'muted' }, o.head ? `head: seq ${o.head.seq} at ${o.head.time}` : 'empty')),
      el('section', { class: 'card' }, el('h2', {}, 'Policy'), el('p', {}, `revision ${o.policyRevision}`),
        simpleTable(['time', 'event', 'detail'], o.history.map((h) => [h.time, h.kind, h.detail.revision ?? h.detail.file ?? h.detail.error ?? ''])))));
}

// ---- catalog -------------------------------------------------------------------------------
async function catalog(hashQuery) {
  const params = { sub: hashQuery.get('sub') ?? undefined, roles: hashQuery.get('roles') ?? undefined, recorded: hashQuery.get('recorded') ?? undefined };
  const chosen = params.sub !== undefined || params.recorded !== undefined;
  const form = el('form', { class: 'filters', id: 'principal' },
    el('label', {}, 'sub', el('input', { name: 'sub', value: params.sub ?? '' })),
    el('label', {}, 'roles (comma separated)', el('input', { name: 'roles', value: params.roles ?? '' })),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/catalog?${new URLSearchParams([...new FormData(form)])}`;
  });
  if (!chosen) return show(el('h1', {}, 'Catalog as seen by a principal'), form, el('p', { class: 'muted' }, 'Pick a principal: a sub and roles, or a recorded one from the decisions.'));
  const c = await api('catalog', params);
  const recorded = el('p', {}, 'Recorded principals: ', c.principals.map((sub) => el('a', { href: `#/catalog?${new URLSearchParams({ recorded: sub })}` }, `${sub} `)));
  const rows = (visible) => c.items.filter((i) => i.visible === visible && !i.quarantined).map((i) =>
    el('tr', {}, el('td', {}, i.kind), el('td', {}, i.name), el('td', {}, i.upstream), el('td', {}, i.originalName), el('td', { class: 'description' }, i.description ?? ''),
      el('td', {}, i.pin === null ? '—' : i.pin.approved ? 'approved' : 'unapproved'), el('td', {}, visible ? '' : i.reasons.join('; '))));
  const head = el('thead', {}, el('tr', {}, ['kind', 'name', 'upstream', 'original name', 'description', 'pin', 'why not'].map((h) => el('th', {}, h))));
  const quarantined = c.items.filter((i) => i.quarantined);
  show(
    el('h1', {}, `Catalog as ${c.principal.sub} sees it`), el('p', { class: 'muted' }, `roles: ${c.principal.roles.join(', ') || 'none'}`), form, recorded,
    el('h2', {}, 'Visible'), el('table', { id: 'visible' }, head, el('tbody', {}, rows(true))),
    el('h2', {}, 'Hidden by policy'), el('table', { id: 'hidden' }, head.cloneNode(true), el('tbody', {}, rows(false))),
    el('h2', {}, 'Quarantined (shown to nobody until approved)'), quarantined.length === 0 ? el('p', { class: 'muted' }, 'none') :
      el('ul', {}, quarantined.map((i) => el('li', {}, `${i.kind} ${i.name} (${i.upstream}: ${i.originalName})`))));
}

// ---- routing -------------------------------------------------------------------------------
const ROUTES = [['decisions', 'Decisions'], ['overview', 'Overview'], ['catalog', 'Catalog']];

async function route() {
  clearInterval(tail);
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [page, arg] = path.split('/');
  const query = new URLSearchParams(search);
  nav.replaceChildren(...ROUTES.filter(([name]) => me.pages.includes(name)).map(([name, label]) => el('a', { href: `#/${name}`, class: name === (page || 'decisions') ? 'current' : undefined }, label)));
  try {
    if (page === 'decision') await decision(arg, query);
    else if (page === 'overview') await overview(query);
    else if (page === 'catalog') await catalog(query);
    else await decisions(query);
  } catch (error) {
    if (error.status === 401) return login();
    show(failure(error));
  }
}

async function start() {
  try {
    me = await api('me');
  } catch (error) {
    if (error.status === 401) return login();
    return show(failure(error));
  }
  const options = await api('login-options');
  window.pollMs = options.pollMs;
  const logout = el('form', { method: 'post', action: '/console/logout' }, el('button', { type: 'submit' }, 'Log out'));
  who.replaceChildren(`${me.sub} (${me.roles.join(', ') || 'no roles'}) `, logout);
  window.addEventListener('hashchange', route);
  await route();
}

start();
