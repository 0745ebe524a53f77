// skolnet dashboard: lists schools with their scores and shows one school's
// score components and latest results. Plain DOM, no framework; all text is
// set through textContent, so nothing from the API is ever parsed as HTML.

const REFRESH_MS = 15_000; // the agent's first results arrive within seconds; 15 s keeps the page current without load

const BAND_LABELS = {
  good: 'good',
  moderate: 'moderate',
  priority: 'priority',
  insufficient_data: 'insufficient data',
};

// The score's components as GET /api/v1/schools/:id reports them
// (docs/methodology.md): which figure to show for each, with its unit.
const COMPONENTS = [
  { key: 'download', label: 'Download per pupil (median)', value: 'per_pupil_mbps', unit: 'Mbit/s' },
  { key: 'upload', label: 'Upload per pupil (median)', value: 'per_pupil_mbps', unit: 'Mbit/s' },
  { key: 'availability', label: 'Line available in school hours', value: 'share', unit: '', percent: true },
  { key: 'latency', label: 'Round-trip time to the collector (p95)', value: 'p95_ms', unit: 'ms' },
  { key: 'jitter', label: 'Jitter (median)', value: 'median_ms', unit: 'ms' },
  { key: 'loss', label: 'Packet loss (median)', value: 'median_pct', unit: '%' },
  { key: 'wifi', label: 'Teaching rooms with good Wi-Fi', value: 'coverage_share', unit: '', percent: true },
  { key: 'internal', label: 'Internal network checks', value: null, unit: '' },
];

/** @param {string} tag @param {Record<string,string>} [attrs] @param {(Node|string)[]} [children] */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** @param {number|null} score @param {string} band */
function scoreCell(score, band) {
  if (score === null || score === undefined) return el('span', { class: 'score' }, ['–']);
  const fill = el('span', { class: `fill-${band}` });
  fill.style.width = `${Math.max(0, Math.min(100, score))}%`;
  return el('span', { class: 'score' }, [
    el('span', { class: 'bar', 'aria-hidden': 'true' }, [fill]),
    formatScore(score),
  ]);
}

// One decimal: a rounded 80 beside the band "moderate" (79.6) would look wrong.
/** @param {number} score */
function formatScore(score) {
  return score.toFixed(1).replace(/\.0$/, '');
}

// "Demo school 2" before "Demo school 10", as people count.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/** @param {{name: string}} a @param {{name: string}} b */
function byName(a, b) {
  return collator.compare(a.name, b.name);
}

/** @param {string} band */
function bandChip(band) {
  return el('span', { class: `band band-${band}` }, [BAND_LABELS[band] ?? band]);
}

/** @param {unknown} value */
function formatValue(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

/** @param {Record<string, unknown>} obj */
function formatPairs(obj) {
  return Object.entries(obj ?? {})
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join('  ');
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw Object.assign(new Error(`${path}: HTTP ${res.status}`), { status: res.status });
  return res.json();
}

let selected = null;

async function refreshSchools() {
  const status = document.getElementById('status');
  try {
    const schools = await getJson('/api/v1/schools');
    const body = document.querySelector('#schools tbody');
    body.replaceChildren(
      ...[...schools].sort(byName).map((s) => {
        const row = el('tr', { class: 'school', tabindex: '0', 'data-school-id': s.id }, [
          el('td', {}, [s.name]),
          el('td', {}, [s.municipality]),
          el('td', { class: 'num' }, [String(s.pupils)]),
          el('td', { class: 'num' }, [scoreCell(s.score, s.band)]),
          el('td', {}, [bandChip(s.band)]),
        ]);
        // The open school lives in the URL (#school=ID), so a view can be shared or bookmarked.
        const open = () => {
          location.hash = `school=${encodeURIComponent(s.id)}`;
        };
        row.addEventListener('click', open);
        row.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') open();
        });
        return row;
      }),
    );
    document.getElementById('empty').hidden = schools.length > 0;
    status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    if (selected) await showSchool(selected);
  } catch (err) {
    // An operator may close the list (public-scores: false): then it needs sign-in.
    if (err.status === 401) {
      status.replaceChildren('The school list needs sign-in: ', el('a', { href: '/sign-in' }, ['sign in']));
      return;
    }
    status.textContent = `Could not load schools (${err.message}); retrying.`;
  }
}

async function showSchool(id) {
  selected = id;
  let d;
  try {
    d = await getJson(`/api/v1/schools/${encodeURIComponent(id)}`);
  } catch (err) {
    document.getElementById('detail').hidden = false;
    // School details need a signed-in person whose role and scope cover the school.
    if (err.status === 401 || err.status === 403) {
      document.getElementById('detail-name').textContent =
        err.status === 401 ? 'Sign in to see this school' : 'Not within your account';
      document
        .getElementById('detail-summary')
        .replaceChildren('School details need sign-in: ', el('a', { href: '/sign-in' }, ['sign in']), '.');
      return;
    }
    document.getElementById('detail-name').textContent = 'School not available';
    document.getElementById('detail-summary').textContent = err.message;
    return;
  }
  const school = d;
  document.getElementById('detail').hidden = false;
  document.getElementById('detail-name').textContent = school.name;
  const { score, band } = d;
  const confidence = d.confidence
    ? ` · confidence ${d.confidence.level} (${d.confidence.school_days} school days, ${d.confidence.lesson_hours} lesson hours)`
    : '';
  const caps = d.caps_applied?.length ? ` · capped: ${d.caps_applied.join(', ')}` : '';
  const synthetic = d.synthetic ? ' · SYNTHETIC demo data' : '';
  document.getElementById('detail-summary').textContent =
    `${school.municipality} · ${school.pupils} pupils · score ${score === null || score === undefined ? 'not yet available' : formatScore(score)} (${BAND_LABELS[band] ?? band})${confidence}${caps}${synthetic}`;

  document.querySelector('#detail-components tbody').replaceChildren(
    ...COMPONENTS.map(({ key, label, value, unit, percent }) => {
      const c = d.components?.[key];
      let measured = 'no data';
      if (c && value === null) measured = `${Object.keys(c.checks ?? {}).length} checks`;
      else if (c && percent) measured = `${Math.round(c[value] * 100)} %`;
      else if (c) measured = `${formatValue(c[value])} ${unit}`;
      return el('tr', {}, [
        el('td', {}, [label]),
        el('td', { class: 'num' }, [measured]),
        el('td', { class: 'num' }, [c ? formatValue(c.score) : '–']),
        el('td', { class: 'num' }, [c ? `${Math.round(c.weight * 100)} %` : '–']),
      ]);
    }),
  );

  const results = Array.isArray(d.latest) ? d.latest : [];
  document
    .querySelector('#detail-results tbody')
    .replaceChildren(
      ...results.map((r) =>
        el('tr', {}, [
          el('td', {}, [new Date(r.at).toLocaleString()]),
          el('td', {}, [r.measurement]),
          el('td', { class: 'fields' }, [formatPairs(r.tags)]),
          el('td', { class: 'fields' }, [formatPairs(r.fields)]),
        ]),
      ),
    );
}

function schoolFromHash() {
  const m = /^#school=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

window.addEventListener('hashchange', () => {
  const id = schoolFromHash();
  if (id) void showSchool(id);
});
selected = schoolFromHash();
void refreshSchools();
setInterval(() => void refreshSchools(), REFRESH_MS);
