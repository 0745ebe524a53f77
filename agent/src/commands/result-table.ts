import type { FieldValue, Measurement } from '@skolnet/shared/core';

/**
 * Units by field-name suffix, following the naming rule "snake_case with a
 * unit suffix" (docs/architecture.md, Naming). Longest suffixes first so `_mbps` wins
 * over `_s`.
 */
const UNIT_SUFFIXES: readonly (readonly [string, string])[] = [
  ['_mbps', 'Mbit/s'],
  ['_kbps', 'kbit/s'],
  ['_bytes', 'bytes'],
  ['_mhz', 'MHz'],
  ['_dbm', 'dBm'],
  ['_pct', '%'],
  ['_ms', 'ms'],
  ['_db', 'dB'],
  ['_s', 's'],
];

/** The unit a field's name declares, or '' for counts, strings and flags. */
export function unitOf(field: string): string {
  if (field === 'bytes') return 'bytes';
  for (const [suffix, unit] of UNIT_SUFFIXES) if (field.endsWith(suffix)) return unit;
  return '';
}

function formatValue(field: string, value: FieldValue): string {
  if (typeof value !== 'number') return String(value);
  // People read these: three significant decimals at most, no float noise.
  const text = Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  const unit = unitOf(field);
  return unit ? `${text} ${unit}` : text;
}

/**
 * A plain-text table of measurements, one row per field: measurement and
 * tags on the first row of each, blank below, so a scan down the left
 * column finds each measurement.
 */
export function formatResultTable(measurements: readonly Measurement[]): string {
  if (measurements.length === 0) return 'no results\n';
  const rows: string[][] = [['MEASUREMENT', 'TAGS', 'FIELD', 'VALUE']];
  for (const m of measurements) {
    const tags = Object.entries(m.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const fields = Object.entries(m.fields);
    if (fields.length === 0) rows.push([m.measurement, tags, '', '']);
    fields.forEach(([name, value], i) => {
      rows.push([i === 0 ? m.measurement : '', i === 0 ? tags : '', name, formatValue(name, value)]);
    });
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
