// Pieces of the measurements page that need no DOM: the CSV columns and a sample file, the kind's
// label, the value check that mirrors the server's (kinds' min/max), and the time conversions of a
// datetime-local input. Kept apart so the page stays readable.

// The columns of POST /api/measurements/import (docs/pgo.md, "CSV import"): a header line names
// them (any order; ',' or ';' between fields); unit may be left out (the kind's default unit);
// a blood pressure's value is "systolic/diastolic" (120/80).
export const CSV_COLUMNS = ['time', 'kind', 'value', 'unit'];

// The kinds answer gives min/max and band for the kind and, per field, `ranges: [{field, min, max,
// band}]` (blood pressure has a range and a band per field). A field's own range wins; the
// kind-wide values (a number, or an object/array per field) are the fallback.
function perField(v, field, index) {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v[index];
  if (typeof v === 'object') return v[field];
  return undefined;
}

/** {min, max} of a field in the kind's default unit (undefined ends when unknown). */
const ownRange = (kind, field) => (Array.isArray(kind.ranges) ? kind.ranges.find((r) => r && r.field === field) : null);

export function rangeOf(kind, field) {
  const own = ownRange(kind, field);
  if (own && typeof own.min === 'number' && typeof own.max === 'number') return { min: own.min, max: own.max };
  const i = (kind.fields || ['value']).indexOf(field);
  return { min: perField(kind.min, field, i), max: perField(kind.max, field, i) };
}

/** {low, high} of a field's reference band, or null. */
export function bandOf(kind, field) {
  const own = ownRange(kind, field);
  if (own && own.band && typeof own.band.low === 'number' && typeof own.band.high === 'number') return own.band;
  const b = kind.band;
  if (!b) return null;
  if (typeof b.low === 'number' && typeof b.high === 'number') return b;
  const i = (kind.fields || ['value']).indexOf(field);
  const f = Array.isArray(b) ? b[i] : b[field];
  return f && typeof f.low === 'number' && typeof f.high === 'number' ? f : null;
}

/** The kind's name in the chosen language; the server's LOINC display when this app has none. */
export function kindLabel(t, kind) {
  const key = `measurements.kind.${kind.kind}`;
  const s = t(key);
  if (s !== key) return s;
  return (kind.code && kind.code.display) || kind.kind;
}

/** A number as typed: a decimal comma (Dutch) or point. {value} or {error: required|number|range}. */
export function checkValue(text, kind, unit, field = 'value') {
  const s = String(text || '').trim().replace(',', '.');
  if (!s) return { error: 'required' };
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return { error: 'number' };
  const value = Number(s);
  if (!Number.isFinite(value)) return { error: 'number' };
  // min/max are in the kind's default unit; another unit is left to the server, which converts.
  const { min, max } = rangeOf(kind, field);
  if (unit === kind.unit && ((Number.isFinite(min) && value < min) || (Number.isFinite(max) && value > max)))
    return { error: 'range', min, max };
  return { value };
}

const pad = (n) => String(n).padStart(2, '0');

/** The value of a datetime-local input for a Date, in local time (what the user reads). */
export function localInputValue(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time) as a FHIR instant in UTC, without milliseconds; null if unreadable. */
export function toInstant(local) {
  if (!local) return null;
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// A plausible value inside the kind's band (or its range), with the kind's decimals.
function sampleValue(kind, offset) {
  const band = bandOf(kind, 'value');
  const r = rangeOf(kind, 'value');
  const lo = band ? band.low : Number.isFinite(r.min) ? r.min : 1;
  const hi = band ? band.high : Number.isFinite(r.max) ? r.max : 100;
  // A weight without a band: a middle-of-the-road adult value rather than the range's middle.
  const v = band || !/weight/.test(kind.kind) ? lo + (hi - lo) * (0.35 + 0.1 * offset) : 72.5;
  return v.toFixed(Math.max(0, kind.decimals ?? 1));
}

/** A sample CSV for the kinds the server knows: three blood pressures and one of every other kind. */
export function sampleCsv(kinds, now = new Date()) {
  const lines = [CSV_COLUMNS.join(',')];
  const day = (n) => new Date(now.getTime() - n * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const row = (o) => CSV_COLUMNS.map((c) => (o[c] === undefined ? '' : String(o[c]))).join(',');
  for (const k of kinds) {
    if ((k.fields || []).length > 1) {
      // Blood pressure: systolic and diastolic in one line.
      [[128, 82], [131, 85], [124, 79]].forEach(([s, d], i) => lines.push(row({ time: day(3 - i), kind: k.kind, value: `${s}/${d}`, unit: k.unit })));
    } else {
      lines.push(row({ time: day(2), kind: k.kind, value: sampleValue(k, 0), unit: k.unit }));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
