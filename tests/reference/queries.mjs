// The queries of the comparison, made from the loaded resources: regie assigns new ids on every
// run, so ids (and the values picked next to them) are looked up here rather than written down.
// Every pick depends on the content only (counts, names, sorted values), so the same data gives
// the same queries, in the same order, under the same labels; known-differences.txt names labels.
//
// Coverage (R4 search): number, date (every prefix; year, month, day and date-time precision,
// on dates, date-times and Periods, partial stored dates), string (default, :exact, :contains,
// accents), token (system|code, |code, system|, code, :not, :text, :of-type, :missing, booleans,
// identifiers), reference (Type/id, id, :Type, chains with and without a type), quantity (prefixes,
// value|system|code, value||code, UCUM conversion), uri (:below, :above), composite, _id,
// _lastUpdated, _tag, _profile, _security, _source, _has, _include (:iterate), _revinclude,
// _sort (order compared), OR by comma, AND by repetition, paging.

// Only what a URL query needs escaped here: '+' (a space otherwise) and spaces.
const v = (s) => String(s).replaceAll('%', '%25').replaceAll('+', '%2B').replaceAll(' ', '%20').replaceAll('#', '%23').replaceAll('&', '%26');

function groupByType(resources) {
  const by = new Map();
  for (const r of resources) {
    if (!by.has(r.resourceType)) by.set(r.resourceType, []);
    by.get(r.resourceType).push(r);
  }
  return (t) => by.get(t) ?? [];
}

const ref = (r) => `${r.resourceType}/${r.id}`;
const codeOf = (cc) => cc?.coding?.[0];
const countBy = (xs, f) => {
  const m = new Map();
  for (const x of xs) {
    const k = f(x);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
};
const day = (dt) => dt.slice(0, 10);
const month = (dt) => dt.slice(0, 7);
const year = (dt) => dt.slice(0, 4);

export function buildQueries(resources) {
  const of = groupByType(resources);
  const queries = [];
  // expect: the number of matches the specification gives, for queries where the reference is
  // known to be wrong or both sides could agree on a wrong answer (why: how it was counted).
  const add = (label, q, expect, why) => {
    const m = /[?&]_sort=([^&]*)/.exec(q);
    const type = q.split('?')[0];
    const sort = m ? decodeURIComponent(m[1]).split(',').map((p) => ({ type, param: p.replace(/^-/, '') })) : undefined;
    const clock = /=ap\d{4}/.test(q) && !/probability|quantity/.test(q); // ap on a date
    queries.push({ label, q, sort, expect, why, clock });
  };
  const countWhere = (type, pred) => of(type).filter(pred).length;

  // ---- the people picked: by their number of Observations (content, not ids)
  const obsBySubject = countBy(of('Observation'), (o) => o.subject?.reference);
  const patientByRef = new Map(of('Patient').map((p) => [ref(p), p]));
  const P = patientByRef.get(obsBySubject[2][0]); // a mid-sized record: a few hundred Observations
  const Q = patientByRef.get(obsBySubject[3][0]);
  const synthea = of('Patient').filter((p) => p.identifier?.some((i) => i.system === 'https://github.com/synthetichealth/synthea'));
  const extraPatient = of('Patient').find((p) => p.identifier?.some((i) => i.system === 'http://example.org/fhir/mrn'));
  const family = (p) => p.name[0].family;
  const given = (p) => p.name[0].given[0];
  const byBirth = [...synthea].sort((a, b) => a.birthDate.localeCompare(b.birthDate));
  const B = byBirth[3]; // a birth date with patients on both sides of it
  const lastUpdatedSorted = [...new Set(of('Patient').map((p) => p.meta.lastUpdated))].sort();
  const midUpdated = lastUpdatedSorted[Math.floor(lastUpdatedSorted.length / 2)];

  // ---------------------------------------------------------------- Patient: strings
  const pf = family(P);
  add('pat-name-prefix', `Patient?name=${pf.slice(0, 3).toLowerCase()}`);
  add('pat-name-upper', `Patient?name=${pf.toUpperCase()}`);
  add('pat-family', `Patient?family=${pf.slice(0, 5)}`);
  add('pat-given', `Patient?given=${given(P)}`);
  add('pat-name-exact', `Patient?name:exact=${v(pf)}`);
  add('pat-name-exact-lower', `Patient?name:exact=${v(pf.toLowerCase())}`);
  add('pat-family-exact-prefix', `Patient?family:exact=${v(pf.slice(0, 4))}`);
  add('pat-name-contains', `Patient?name:contains=${pf.slice(2, 6).toLowerCase()}`);
  add('pat-family-contains-digit', `Patient?family:contains=${pf.slice(-2)}`);
  add('pat-name-accent-folded', `Patient?name=angstrom`);
  add('pat-given-accent-folded', `Patient?given=zoe`);
  add('pat-name-exact-accent', `Patient?name:exact=${v(family(extraPatient))}`);
  add('pat-name-contains-accent', `Patient?name:contains=strom-mu`);
  add('pat-name-or', `Patient?name=${family(P).slice(0, 4)},${family(Q).slice(0, 4)}`);
  add('pat-name-and', `Patient?name=${family(P)}&name=${given(P)}`);
  add('pat-name-and-none', `Patient?name=${family(P)}&name=${given(Q)}`);
  add('pat-address-city', `Patient?address-city=east`);
  add('pat-address-city-exact', `Patient?address-city:exact=${v(P.address[0].city)}`);
  add('pat-address-state', `Patient?address-state=MA`);
  add('pat-address-postalcode', `Patient?address-postalcode=02`);
  add('pat-address-line', `Patient?address=${v(P.address[0].line[0].split(' ').slice(1, 2).join(' '))}`);
  add('pat-address-country-or', `Patient?address-country=US,NL`);
  add('pat-phone', `Patient?phone=${v(P.telecom[0].value)}`);
  add('pat-telecom', `Patient?telecom=${v(P.telecom[0].value)}`);
  add('pat-postalcode-missing', `Patient?address-postalcode:missing=true`);

  // ---------------------------------------------------------------- Patient: tokens
  add('pat-gender', `Patient?gender=female`);
  add('pat-gender-or', `Patient?gender=male,other`);
  add('pat-gender-not', `Patient?gender:not=female`);
  add('pat-gender-missing', `Patient?gender:missing=false`);
  add('pat-active-true', `Patient?active=true`);
  add('pat-active-missing', `Patient?active:missing=true`);
  add('pat-deceased', `Patient?deceased=true`);
  const mr = P.identifier.find((i) => codeOf(i.type)?.code === 'MR');
  const ss = P.identifier.find((i) => codeOf(i.type)?.code === 'SS');
  add('pat-identifier-system-value', `Patient?identifier=${mr.system}|${mr.value}`);
  add('pat-identifier-value', `Patient?identifier=${mr.value}`);
  add('pat-identifier-system-only', `Patient?identifier=http://hl7.org/fhir/sid/us-ssn|`);
  add('pat-identifier-no-system', `Patient?identifier=|${ss.value}`);
  add('pat-identifier-no-system-match', `Patient?identifier=|REF-0001`);
  add('pat-identifier-of-type', `Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|SS|${ss.value}`);
  add('pat-identifier-of-type-wrong', `Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|${ss.value}`);
  add('pat-identifier-text', `Patient?identifier:text=social`);
  add('pat-identifier-not', `Patient?identifier:not=${mr.system}|${mr.value}`);
  add('pat-language-missing', `Patient?language:missing=true`);

  // ---------------------------------------------------------------- Patient: dates (every prefix, three precisions)
  const bd = B.birthDate;
  for (const [prec, val] of [['year', year(bd)], ['month', month(bd)], ['day', bd]])
    for (const pre of ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])
      if (!(pre === '' && prec !== 'day')) add(`pat-birthdate-${prec}-${pre || 'none'}`, `Patient?birthdate=${pre}${val}`);
  add('pat-birthdate-year-plain', `Patient?birthdate=${year(bd)}`);
  add('pat-birthdate-month-plain', `Patient?birthdate=${month(bd)}`);
  add('pat-birthdate-datetime-eq', `Patient?birthdate=${bd}T12:00:00Z`);
  add('pat-birthdate-datetime-ge', `Patient?birthdate=ge${bd}T12:00:00Z`);
  add('pat-birthdate-datetime-lt', `Patient?birthdate=lt${bd}T12:00:00${v('+02:00')}`);
  add('pat-birthdate-range-and', `Patient?birthdate=ge1940&birthdate=lt1995`);
  add('pat-birthdate-or', `Patient?birthdate=${year(byBirth[0].birthDate)},${year(byBirth[5].birthDate)}`);
  add('pat-birthdate-partial-year', `Patient?birthdate=1975`); // the extra patient was born 1975-06
  add('pat-birthdate-partial-day', `Patient?birthdate=1975-06-15`);
  add('pat-birthdate-partial-ge', `Patient?birthdate=ge1975-06-15`);
  add('pat-birthdate-partial-lt', `Patient?birthdate=lt1975-06-15`);
  add('pat-birthdate-partial-sa', `Patient?birthdate=sa1975-05-31`);
  add('pat-death-date-missing', `Patient?death-date:missing=false`);
  add('pat-death-date-ge', `Patient?death-date=ge2000`);

  // ---------------------------------------------------------------- Patient: _id, meta, _has, includes, sort, paging
  add('pat-id', `Patient?_id=${P.id}`);
  add('pat-id-or', `Patient?_id=${P.id},${Q.id}`);
  add('pat-id-unknown', `Patient?_id=does-not-exist`);
  add('pat-lastupdated-gt', `Patient?_lastUpdated=gt${midUpdated}`, countWhere('Patient', (p) => p.meta.lastUpdated > midUpdated), 'meta.lastUpdated after the value');
  add('pat-lastupdated-le', `Patient?_lastUpdated=le${midUpdated}`, countWhere('Patient', (p) => p.meta.lastUpdated <= midUpdated), 'meta.lastUpdated at or before the value');
  add('pat-lastupdated-eq', `Patient?_lastUpdated=${midUpdated}`, countWhere('Patient', (p) => p.meta.lastUpdated === midUpdated), 'meta.lastUpdated equal to the value, same precision');
  add('pat-lastupdated-day', `Patient?_lastUpdated=${day(midUpdated)}`);
  add('pat-lastupdated-before-all', `Patient?_lastUpdated=lt2001-01-01`);
  add('pat-profile', `Patient?_profile=http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient`);
  add('pat-profile-below', `Patient?_profile:below=http://hl7.org/fhir/us/core/StructureDefinition`);
  add('pat-profile-above', `Patient?_profile:above=http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient/extra/part`);
  add('pat-tag', `Patient?_tag=http://example.org/fhir/tags|reference-test`);
  add('pat-tag-code', `Patient?_tag=reference-test`);
  add('pat-tag-not', `Patient?_tag:not=reference-test`);
  add('pat-security', `Patient?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R`);
  add('pat-source', `Patient?_source=http://example.org/fhir/source/intake%23a1`);
  const loincWeight = 'http://loinc.org|29463-7';
  add('pat-has-obs-code', `Patient?_has:Observation:patient:code=${loincWeight}`);
  add('pat-has-cond-code', `Patient?_has:Condition:subject:code=840539006`);
  add('pat-has-imm-vaccine', `Patient?_has:Immunization:patient:vaccine-code=http://hl7.org/fhir/sid/cvx|62`);
  add('pat-has-and-name', `Patient?_has:Observation:patient:code=72166-2&gender=female`);
  add('pat-revinclude-condition', `Patient?_id=${P.id}&_revinclude=Condition:subject`);
  add('pat-revinclude-allergy', `Patient?gender=female&_revinclude=AllergyIntolerance:patient`);
  add('pat-revinclude-imm', `Patient?_id=${Q.id}&_revinclude=Immunization:patient`);
  add('pat-revinclude-risk', `Patient?identifier=REF-0001&_revinclude=RiskAssessment:subject`);
  add('pat-sort-birthdate', `Patient?_sort=birthdate`);
  add('pat-sort-birthdate-desc', `Patient?_sort=-birthdate`);
  add('pat-sort-family', `Patient?_sort=family`);
  add('pat-sort-given-desc', `Patient?_sort=-given`);
  add('pat-sort-gender-birthdate', `Patient?_sort=gender,-birthdate`);
  add('pat-sort-id', `Patient?_sort=_id`);
  add('pat-paging', `Patient?_count=3`);
  add('pat-paging-sorted', `Patient?_count=4&_sort=birthdate`);

  // ---------------------------------------------------------------- Observation: tokens
  const pat = (p) => `patient=Patient/${p.id}`;
  add('obs-code-system-code', `Observation?code=${loincWeight}&${pat(P)}`);
  add('obs-code-code', `Observation?code=29463-7`);
  add('obs-code-no-system', `Observation?code=|29463-7`);
  add('obs-code-system-only', `Observation?code=http://loinc.org|&${pat(Q)}`);
  add('obs-code-other-system', `Observation?code=http://snomed.info/sct|29463-7`);
  add('obs-code-or', `Observation?code=http://loinc.org|8302-2,http://loinc.org|39156-5&${pat(P)}`);
  add('obs-code-and-none', `Observation?code=8302-2&code=39156-5&${pat(P)}`);
  add('obs-code-not', `Observation?code:not=${loincWeight}&${pat(P)}&category=vital-signs`);
  add('obs-code-text', `Observation?code:text=body%20weight`);
  add('obs-code-text-prefix', `Observation?code:text=blood&${pat(P)}`);
  add('obs-category', `Observation?category=vital-signs&${pat(P)}`);
  add('obs-category-system', `Observation?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&${pat(Q)}`);
  add('obs-category-or', `Observation?category=survey,exam,procedure`);
  add('obs-status', `Observation?status=final&${pat(Q)}`);
  add('obs-status-not', `Observation?status:not=final`);
  add('obs-value-concept', `Observation?value-concept=http://snomed.info/sct|266919005`);
  add('obs-value-concept-code', `Observation?value-concept=266919005,8517006`);
  add('obs-value-concept-text', `Observation?value-concept:text=never`);
  add('obs-value-concept-missing', `Observation?value-concept:missing=false&${pat(P)}`);
  add('obs-value-quantity-missing', `Observation?value-quantity:missing=true&${pat(P)}`);
  add('obs-combo-code', `Observation?combo-code=8480-6`);
  add('obs-component-code', `Observation?component-code=http://loinc.org|8462-4&${pat(P)}`);

  // ---------------------------------------------------------------- Observation: references and chains
  add('obs-patient-ref', `Observation?patient=Patient/${P.id}&code=8302-2`);
  add('obs-patient-id', `Observation?patient=${P.id}&code=8302-2`);
  add('obs-subject-ref', `Observation?subject=Patient/${P.id}&code=8302-2`);
  add('obs-subject-id', `Observation?subject=${P.id}&code=8302-2`);
  add('obs-subject-type', `Observation?subject:Patient=${P.id}&code=8302-2`);
  add('obs-subject-wrong-type', `Observation?subject:Group=${P.id}`);
  add('obs-patient-or', `Observation?patient=Patient/${P.id},Patient/${Q.id}&code=8302-2`);
  add('obs-subject-missing', `Observation?subject:missing=true`);
  const encP = of('Encounter').filter((e) => e.subject.reference === ref(P)).sort((a, b) => a.period.start.localeCompare(b.period.start));
  const E = encP[Math.floor(encP.length / 2)];
  add('obs-encounter', `Observation?encounter=Encounter/${E.id}`);
  add('obs-encounter-id', `Observation?encounter=${E.id}`);
  add('obs-chain-subject-typed-name', `Observation?subject:Patient.name=${family(P)}&code=8302-2`);
  add('obs-chain-subject-name', `Observation?subject.name=${family(P)}&code=8302-2`);
  add('obs-chain-patient-name', `Observation?patient.name=${family(Q)}&code=8302-2`);
  add('obs-chain-patient-birthdate', `Observation?patient.birthdate=lt1950&code=8302-2`);
  add('obs-chain-patient-gender', `Observation?patient.gender=male&code=72166-2`);
  add('obs-chain-patient-identifier', `Observation?patient.identifier=REF-0001`);
  add('obs-chain-encounter-class', `Observation?encounter.class=EMER&code=8867-4`);
  add('obs-chain-encounter-type', `Observation?encounter.type=http://snomed.info/sct|${codeOf(E.type[0]).code}&${pat(P)}`);

  // ---------------------------------------------------------------- Observation: dates
  const weightsP = of('Observation')
    .filter((o) => o.subject.reference === ref(P) && codeOf(o.code).code === '29463-7')
    .sort((a, b) => a.effectiveDateTime.localeCompare(b.effectiveDateTime));
  const W = weightsP[Math.floor(weightsP.length / 2)];
  const wdt = W.effectiveDateTime;
  for (const pre of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) {
    add(`obs-date-day-${pre}`, `Observation?code=29463-7&${pat(P)}&date=${pre}${day(wdt)}`);
    add(`obs-date-datetime-${pre}`, `Observation?code=29463-7&${pat(P)}&date=${pre}${v(wdt)}`);
  }
  add('obs-date-year', `Observation?code=29463-7&${pat(P)}&date=${year(wdt)}`);
  add('obs-date-month', `Observation?code=29463-7&${pat(P)}&date=${month(wdt)}`);
  add('obs-date-year-ge', `Observation?code=29463-7&${pat(P)}&date=ge${year(wdt)}`);
  add('obs-date-month-lt', `Observation?code=29463-7&${pat(P)}&date=lt${month(wdt)}`);
  add('obs-date-utc-day-range', `Observation?code=29463-7&${pat(P)}&date=ge${day(wdt)}T00:00:00Z&date=lt${day(wdt)}T23:59:59Z`);
  add('obs-date-range-and', `Observation?code=8867-4&date=ge2015-01-01&date=lt2016-01-01`);
  add('obs-date-or', `Observation?code=29463-7&${pat(P)}&date=${year(weightsP[0].effectiveDateTime)},${year(weightsP.at(-1).effectiveDateTime)}`);
  add('obs-date-missing', `Observation?date:missing=true`);

  // ---------------------------------------------------------------- Observation: quantities and composites
  const wv = W.valueQuantity.value;
  add('obs-vq-value', `Observation?value-quantity=${wv}`);
  add('obs-vq-value-system-code', `Observation?value-quantity=${wv}|http://unitsofmeasure.org|kg`);
  add('obs-vq-value-code', `Observation?value-quantity=${wv}||kg`);
  add('obs-vq-wrong-unit', `Observation?value-quantity=${wv}||cm`);
  for (const pre of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])
    add(`obs-vq-${pre}`, `Observation?code=29463-7&value-quantity=${pre}${wv}|http://unitsofmeasure.org|kg`);
  add('obs-vq-ucum-kg-to-g', `Observation?value-quantity=${wv * 1000}|http://unitsofmeasure.org|g`);
  add('obs-vq-ucum-g-to-kg', `Observation?value-quantity=1.5|http://unitsofmeasure.org|kg`);
  add('obs-vq-ucum-lt', `Observation?code=29463-7&value-quantity=lt2000|http://unitsofmeasure.org|g`);
  add('obs-vq-integer-precision', `Observation?code=8867-4&value-quantity=70|http://unitsofmeasure.org|/min`);
  add('obs-vq-decimal-precision', `Observation?code=8867-4&value-quantity=70.0|http://unitsofmeasure.org|/min`);
  add('obs-vq-range-and', `Observation?code=39156-5&value-quantity=ge25&value-quantity=lt30`);
  add('obs-vq-or', `Observation?code=8302-2&value-quantity=lt100,gt190`);
  add('obs-vq-exponent', `Observation?code=29463-7&value-quantity=gt1e2`);
  add('obs-cvq-gt', `Observation?code-value-quantity=http://loinc.org|29463-7$gt100`);
  add('obs-cvq-code-value-unit', `Observation?code-value-quantity=29463-7$${wv}|http://unitsofmeasure.org|kg`);
  add('obs-cvq-lt-no-system', `Observation?code-value-quantity=8302-2$lt60&code-value-quantity=8302-2$ge50`);
  add('obs-compcvq-systolic-gt', `Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140`);
  add('obs-compcvq-diastolic-lt', `Observation?component-code-value-quantity=8462-4$lt65`);
  add('obs-compcvq-or', `Observation?component-code-value-quantity=8480-6$gt150,8462-4$gt95`);
  add('obs-compcvq-same-component', `Observation?component-code-value-quantity=8480-6$lt80`);
  add('obs-combo-cvq', `Observation?combo-code-value-quantity=8480-6$gt140`);
  add('obs-cv-concept', `Observation?code-value-concept=http://loinc.org|72166-2$http://snomed.info/sct|266919005`);
  add('obs-cv-concept-code', `Observation?code-value-concept=72166-2$449868002`);
  add('obs-component-vq', `Observation?component-value-quantity=gt180`);

  // ---------------------------------------------------------------- Observation: meta, _id, includes, sort
  const someObs = of('Observation').filter((o) => o.subject.reference === ref(Q)).sort((a, b) => a.id.localeCompare(b.id));
  add('obs-id-or', `Observation?_id=${someObs[0].id},${someObs[1].id},${someObs[2].id}`);
  add('obs-profile-bp', `Observation?_profile=http://hl7.org/fhir/StructureDefinition/bp&${pat(P)}`);
  add('obs-profile-below', `Observation?_profile:below=http://hl7.org/fhir/us/core&${pat(P)}&category=survey`);
  add('obs-tag', `Observation?_tag=http://example.org/fhir/tags|reference-test`);
  add('obs-lastupdated-gt-and-code', `Observation?code=8302-2&_lastUpdated=gt${midUpdated}`, countWhere('Observation', (o) => codeOf(o.code).code === '8302-2' && o.meta.lastUpdated > midUpdated), 'meta.lastUpdated after the value');
  add('obs-include-patient', `Observation?code=72166-2&_include=Observation:patient`);
  add('obs-include-subject-typed', `Observation?code=8302-2&${pat(P)}&_include=Observation:subject:Patient`);
  add('obs-include-encounter', `Observation?code=8302-2&${pat(Q)}&_include=Observation:encounter`);
  add('obs-include-iterate', `Observation?code=8302-2&${pat(Q)}&_include=Observation:encounter&_include:iterate=Encounter:service-provider`);
  add('obs-include-performer-none', `Observation?code=8302-2&${pat(P)}&_include=Observation:performer`);
  add('obs-sort-date', `Observation?code=29463-7&${pat(P)}&_sort=date`);
  add('obs-sort-date-desc', `Observation?code=29463-7&${pat(P)}&_sort=-date`);
  add('obs-sort-value', `Observation?code=8302-2&${pat(P)}&_sort=value-quantity`);
  add('obs-sort-code-date', `Observation?category=vital-signs&${pat(Q)}&_sort=code,-date`);
  add('obs-paging', `Observation?code=8302-2&${pat(P)}&_count=4`);

  // ---------------------------------------------------------------- Condition
  const conds = of('Condition');
  const covid = '840539006';
  const condP = conds.filter((c) => c.subject.reference === ref(P)).sort((a, b) => a.onsetDateTime.localeCompare(b.onsetDateTime));
  const C = condP[Math.floor(condP.length / 2)];
  add('cond-code', `Condition?code=http://snomed.info/sct|${covid}`);
  add('cond-code-or', `Condition?code=${covid},444814009`);
  add('cond-code-text', `Condition?code:text=covid`);
  add('cond-code-not', `Condition?code:not=${covid}&subject=Patient/${P.id}`);
  add('cond-clinical-status', `Condition?clinical-status=active`);
  add('cond-clinical-status-system', `Condition?clinical-status=http://terminology.hl7.org/CodeSystem/condition-clinical|resolved&subject=Patient/${P.id}`);
  add('cond-verification', `Condition?verification-status=confirmed&patient=${Q.id}`);
  add('cond-category', `Condition?category=encounter-diagnosis&patient=${P.id}`);
  add('cond-subject', `Condition?subject=Patient/${P.id}`);
  add('cond-patient-typed', `Condition?patient:Patient=${Q.id}`);
  add('cond-encounter', `Condition?encounter=Encounter/${C.encounter.reference.split('/')[1]}`);
  add('cond-onset-year', `Condition?onset-date=${year(C.onsetDateTime)}`);
  add('cond-onset-ge', `Condition?onset-date=ge${day(C.onsetDateTime)}&subject=Patient/${P.id}`);
  add('cond-onset-lt', `Condition?onset-date=lt${day(C.onsetDateTime)}&subject=Patient/${P.id}`);
  add('cond-onset-sa', `Condition?onset-date=sa${month(C.onsetDateTime)}&subject=Patient/${P.id}`);
  add('cond-abatement-missing', `Condition?abatement-date:missing=true`);
  add('cond-abatement-le', `Condition?abatement-date=le2015`);
  add('cond-recorded-date', `Condition?recorded-date=${day(C.recordedDate)}`);
  add('cond-chain-encounter-class', `Condition?encounter.class=EMER`);
  add('cond-chain-subject-gender', `Condition?subject:Patient.gender=female&code=${covid}`);
  add('cond-include-encounter', `Condition?code=${covid}&_include=Condition:encounter`);
  add('cond-sort-onset', `Condition?subject=Patient/${P.id}&_sort=onset-date`);
  add('cond-sort-recorded-desc', `Condition?code=${covid},840544004&_sort=-recorded-date`);
  add('cond-onset-age-missing', `Condition?onset-age:missing=false`);

  // ---------------------------------------------------------------- Encounter (Period dates)
  const es = E.period.start;
  add('enc-class', `Encounter?class=EMER`);
  add('enc-class-system', `Encounter?class=http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP`);
  add('enc-type', `Encounter?type=http://snomed.info/sct|${codeOf(E.type[0]).code}&patient=${P.id}`);
  add('enc-type-text', `Encounter?type:text=well%20child`);
  add('enc-status', `Encounter?status=finished&subject=Patient/${Q.id}`);
  add('enc-status-not', `Encounter?status:not=finished`);
  for (const pre of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])
    add(`enc-date-day-${pre}`, `Encounter?subject=Patient/${P.id}&date=${pre}${day(es)}`);
  add('enc-date-year', `Encounter?date=${year(es)}`);
  add('enc-date-month', `Encounter?date=${month(es)}&subject=Patient/${P.id}`);
  add('enc-date-datetime', `Encounter?date=${v(es)}`);
  add('enc-date-inside-period', `Encounter?date=ge${v(es)}&date=le${v(E.period.end)}`);
  add('enc-date-range-and', `Encounter?date=ge2018-01-01&date=lt2019-01-01`);
  const practRef = E.participant[0].individual.reference;
  add('enc-participant', `Encounter?participant=${practRef}`);
  add('enc-practitioner', `Encounter?practitioner=${practRef.split('/')[1]}`);
  add('enc-participant-typed', `Encounter?participant:Practitioner=${practRef.split('/')[1]}`);
  add('enc-service-provider', `Encounter?service-provider=${E.serviceProvider.reference}`);
  add('enc-chain-service-provider-name', `Encounter?service-provider.name=${v(of('Organization').find((o) => ref(o) === E.serviceProvider.reference).name.split(' ')[0])}&subject=Patient/${P.id}`);
  add('enc-chain-participant-typed-name', `Encounter?participant:Practitioner.name=${v(family(of('Practitioner').find((p) => ref(p) === practRef)))}`);
  add('enc-reason-code', `Encounter?reason-code=10509002`);
  add('enc-length-missing', `Encounter?length:missing=false`);
  add('enc-include-practitioner', `Encounter?subject=Patient/${P.id}&class=EMER,IMP&_include=Encounter:practitioner`);
  add('enc-include-all-refs', `Encounter?_id=${E.id}&_include=Encounter:participant&_include=Encounter:service-provider&_include=Encounter:subject`);
  add('enc-revinclude-condition', `Encounter?subject=Patient/${P.id}&class=EMER&_revinclude=Condition:encounter`);
  add('enc-sort-date', `Encounter?subject=Patient/${Q.id}&_sort=date`);
  add('enc-sort-date-desc', `Encounter?subject=Patient/${Q.id}&_sort=-date`);
  add('enc-has-condition', `Encounter?_has:Condition:encounter:code=${covid}`);

  // ---------------------------------------------------------------- MedicationRequest
  const meds = of('MedicationRequest');
  const medP = meds.filter((m) => m.subject.reference === ref(P)).sort((a, b) => a.authoredOn.localeCompare(b.authoredOn));
  const M = medP[Math.floor(medP.length / 2)] ?? meds[0];
  const lisinopril = countBy(meds, (m) => codeOf(m.medicationCodeableConcept)?.code)[0][0];
  add('mr-code', `MedicationRequest?code=http://www.nlm.nih.gov/research/umls/rxnorm|${lisinopril}`);
  add('mr-code-text', `MedicationRequest?code:text=lisinopril`);
  add('mr-status', `MedicationRequest?status=active`);
  add('mr-status-or-patient', `MedicationRequest?status=active,stopped&patient=${Q.id}`);
  add('mr-intent', `MedicationRequest?intent=order&subject=Patient/${P.id}`);
  add('mr-authoredon-day', `MedicationRequest?authoredon=${day(M.authoredOn)}`);
  add('mr-authoredon-ge', `MedicationRequest?authoredon=ge${year(M.authoredOn)}&patient=${P.id}`);
  add('mr-authoredon-lt', `MedicationRequest?authoredon=lt${month(M.authoredOn)}&patient=${P.id}`);
  add('mr-authoredon-eb', `MedicationRequest?authoredon=eb2000-01-01`);
  add('mr-requester', `MedicationRequest?requester=${M.requester.reference}`);
  add('mr-medication-ref-chain', `MedicationRequest?medication.code=${codeOf(of('Medication')[0].code).code}`);
  add('mr-medication-missing', `MedicationRequest?medication:missing=false`);
  add('mr-include-requester', `MedicationRequest?patient=${P.id}&status=active&_include=MedicationRequest:requester`);
  add('mr-include-medication', `MedicationRequest?medication:missing=false&_include=MedicationRequest:medication`);
  add('mr-sort-authoredon', `MedicationRequest?patient=${P.id}&_sort=-authoredon`);
  add('mr-chain-requester-name', `MedicationRequest?requester:Practitioner.family=${v(family(of('Practitioner').find((p) => ref(p) === M.requester.reference)).slice(0, 5))}`);

  // ---------------------------------------------------------------- Procedure
  const procs = of('Procedure');
  const procP = procs.filter((p) => p.subject.reference === ref(Q)).sort((a, b) => a.performedPeriod.start.localeCompare(b.performedPeriod.start));
  const PR = procP[Math.floor(procP.length / 2)] ?? procs[0];
  add('proc-code', `Procedure?code=http://snomed.info/sct|${codeOf(PR.code).code}`);
  add('proc-code-text', `Procedure?code:text=medication%20reconciliation`);
  add('proc-subject', `Procedure?subject=Patient/${Q.id}`);
  add('proc-status-not', `Procedure?status:not=completed`);
  add('proc-date-day', `Procedure?date=${day(PR.performedPeriod.start)}`);
  add('proc-date-ge', `Procedure?date=ge${v(PR.performedPeriod.start)}&patient=${Q.id}`);
  add('proc-date-le', `Procedure?date=le${v(PR.performedPeriod.start)}&patient=${Q.id}`);
  add('proc-date-sa', `Procedure?date=sa${year(PR.performedPeriod.start)}&patient=${Q.id}`);
  add('proc-reason-reference-missing', `Procedure?reason-reference:missing=false`);
  add('proc-location', `Procedure?location=${PR.location?.reference ?? 'Location/none'}`);
  add('proc-chain-location-name', `Procedure?location.name=${v((of('Location').find((l) => ref(l) === PR.location?.reference)?.name ?? 'none').split(' ')[0])}`);
  add('proc-include-encounter', `Procedure?patient=${Q.id}&_include=Procedure:encounter`);
  add('proc-sort-date', `Procedure?patient=${Q.id}&_sort=date`);

  // ---------------------------------------------------------------- Immunization
  const imms = of('Immunization');
  const immQ = imms.filter((i) => i.patient.reference === ref(Q)).sort((a, b) => a.occurrenceDateTime.localeCompare(b.occurrenceDateTime));
  const I = immQ[Math.floor(immQ.length / 2)] ?? imms[0];
  add('imm-vaccine-code', `Immunization?vaccine-code=http://hl7.org/fhir/sid/cvx|140`);
  add('imm-vaccine-code-or', `Immunization?vaccine-code=113,114,62`);
  add('imm-vaccine-code-not', `Immunization?vaccine-code:not=140`);
  add('imm-patient', `Immunization?patient=Patient/${Q.id}`);
  add('imm-date-year', `Immunization?date=${year(I.occurrenceDateTime)}`);
  add('imm-date-gt', `Immunization?date=gt${day(I.occurrenceDateTime)}&patient=${Q.id}`);
  add('imm-date-ne', `Immunization?date=ne${day(I.occurrenceDateTime)}&patient=${Q.id}`);
  add('imm-status', `Immunization?status=completed&patient=${P.id}`);
  add('imm-location', `Immunization?location=${I.location.reference}`);
  add('imm-chain-patient-name', `Immunization?patient.name=${given(Q)}`);
  add('imm-include-patient', `Immunization?vaccine-code=62&_include=Immunization:patient`);
  add('imm-sort-date-desc', `Immunization?patient=${Q.id}&_sort=-date`);

  // ---------------------------------------------------------------- AllergyIntolerance
  add('ai-all', `AllergyIntolerance`);
  add('ai-code', `AllergyIntolerance?code=http://snomed.info/sct|300916003`);
  add('ai-criticality', `AllergyIntolerance?criticality=low`);
  add('ai-category', `AllergyIntolerance?category=food`);
  add('ai-category-not', `AllergyIntolerance?category:not=food`);
  add('ai-clinical-status', `AllergyIntolerance?clinical-status=active`);
  add('ai-type', `AllergyIntolerance?type=allergy`);
  add('ai-date-lt', `AllergyIntolerance?date=lt2005`);
  add('ai-code-text', `AllergyIntolerance?code:text=allergy%20to`);
  add('ai-patient-chain-gender', `AllergyIntolerance?patient.gender=female`);
  add('ai-sort-date', `AllergyIntolerance?_sort=date`);

  // ---------------------------------------------------------------- DiagnosticReport
  const reports = of('DiagnosticReport');
  const lipid = reports.filter((d) => codeOf(d.code).code === '57698-3').sort((a, b) => a.effectiveDateTime.localeCompare(b.effectiveDateTime));
  const D = lipid[0];
  add('dr-code-and', `DiagnosticReport?code=34117-2&code=51847-2&subject=Patient/${P.id}`);
  add('dr-code-system', `DiagnosticReport?code=http://loinc.org|57698-3`);
  add('dr-category', `DiagnosticReport?category=http://loinc.org|34117-2&patient=${Q.id}`);
  add('dr-result', `DiagnosticReport?result=${D.result[0].reference}`);
  add('dr-result-chain-code', `DiagnosticReport?result.code=2093-3`);
  add('dr-result-chain-value', `DiagnosticReport?result.value-quantity=gt250`);
  add('dr-performer', `DiagnosticReport?performer=${D.performer?.[0]?.reference ?? 'Practitioner/none'}`);
  add('dr-date-month', `DiagnosticReport?date=${month(D.effectiveDateTime)}`);
  add('dr-issued-ge', `DiagnosticReport?issued=ge${year(D.issued)}&code=57698-3`);
  add('dr-status', `DiagnosticReport?status=final&patient=${P.id}&code=57698-3`);
  add('dr-include-result', `DiagnosticReport?_id=${D.id}&_include=DiagnosticReport:result`);
  add('dr-revinclude-none', `DiagnosticReport?_id=${D.id}&_revinclude=Observation:derived-from`);
  add('dr-sort-date', `DiagnosticReport?code=57698-3&_sort=date`);
  add('dr-has-result', `Observation?_has:DiagnosticReport:result:code=57698-3&code=2093-3`);

  // ---------------------------------------------------------------- Practitioner, Organization, Location
  const prs = of('Practitioner').sort((a, b) => a.identifier[0].value.localeCompare(b.identifier[0].value));
  const PX = prs[7];
  add('prac-name', `Practitioner?name=${family(PX).slice(0, 4)}`);
  add('prac-family-exact', `Practitioner?family:exact=${v(family(PX))}`);
  add('prac-given-contains', `Practitioner?given:contains=${given(PX).slice(1, 4)}`);
  add('prac-identifier', `Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|${PX.identifier[0].value}`);
  add('prac-identifier-or', `Practitioner?identifier=${prs[0].identifier[0].value},${prs[1].identifier[0].value}`);
  add('prac-gender', `Practitioner?gender=male&address-city=boston`);
  add('prac-email', `Practitioner?email=${v(PX.telecom.find((t) => t.system === 'email').value)}`);
  add('prac-address-postalcode', `Practitioner?address-postalcode=${PX.address[0].postalCode}`);
  add('prac-active-not', `Practitioner?active:not=true`);
  add('prac-sort-family', `Practitioner?address-city=worcester&_sort=family`);
  add('prac-has-encounter', `Practitioner?_has:Encounter:practitioner:subject=Patient/${P.id}`);
  add('prac-revinclude-encounter', `Practitioner?_id=${practRef.split('/')[1]}&_revinclude=Encounter:participant`);
  const orgs = of('Organization');
  const O = orgs.find((o) => ref(o) === E.serviceProvider.reference);
  add('org-name', `Organization?name=${v(O.name.split(' ')[0].toLowerCase())}`);
  add('org-name-contains', `Organization?name:contains=hospital`);
  add('org-name-exact', `Organization?name:exact=${v(O.name)}`);
  add('org-address-city', `Organization?address-city=boston`);
  add('org-identifier', `Organization?identifier=${O.identifier[0].system}|${O.identifier[0].value}`);
  add('org-type', `Organization?type=http://terminology.hl7.org/CodeSystem/organization-type|prov&address-city=boston`);
  add('org-active', `Organization?active=true&address-city=springfield`);
  add('org-unknown-param', `Organization?phone=${v(O.telecom[0].value)}`); // R4 Organization has no phone parameter
  add('org-address-postalcode', `Organization?address-postalcode=${v(O.address[0].postalCode)}`);
  add('org-revinclude-encounter', `Organization?_id=${O.id}&_revinclude=Encounter:service-provider`);
  add('org-has-encounter', `Organization?_has:Encounter:service-provider:subject=Patient/${P.id}`);
  add('org-sort-name', `Organization?address-city=worcester&_sort=name`);
  add('loc-address-postalcode', `Location?address-postalcode=${O.address[0].postalCode}`);
  add('loc-name', `Location?name=${v(O.name.split(' ')[0])}`);
  add('role-practitioner-missing', `PractitionerRole?practitioner:missing=false&_count=5`, countWhere('PractitionerRole', (r) => r.practitioner !== undefined), 'PractitionerRole.practitioner present (a Reference by identifier is a value)');

  // ---------------------------------------------------------------- numbers (extra-bundle.json's RiskAssessments)
  add('risk-probability-eq', `RiskAssessment?probability=0.5`);
  add('risk-probability-precision-1', `RiskAssessment?probability=0.1`, countWhere('RiskAssessment', (r) => r.prediction[0].probabilityDecimal >= 0.05 && r.prediction[0].probabilityDecimal < 0.15), '0.1 is [0.05, 0.15): 0.1 only, not 0.15');
  add('risk-probability-precision-2', `RiskAssessment?probability=0.10`);
  add('risk-probability-integer', `RiskAssessment?probability=1`);
  add('risk-probability-one-decimal', `RiskAssessment?probability=1.0`);
  for (const pre of ['ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) add(`risk-probability-${pre}`, `RiskAssessment?probability=${pre}0.15`);
  add('risk-probability-or', `RiskAssessment?probability=0.02,0.95`);
  add('risk-probability-and', `RiskAssessment?probability=gt0.05&probability=lt0.6`);
  add('risk-probability-exponent', `RiskAssessment?probability=5e-1`);
  add('risk-probability-missing', `RiskAssessment?probability:missing=false`);
  // dates stored at every precision: 2019, 2019-05, 2019-05-17, two date-times that day, 2020
  add('risk-date-year', `RiskAssessment?date=2019`);
  add('risk-date-month', `RiskAssessment?date=2019-05`);
  add('risk-date-day', `RiskAssessment?date=2019-05-17`);
  add('risk-date-datetime', `RiskAssessment?date=2019-05-17T10:00:00Z`);
  add('risk-date-datetime-offset', `RiskAssessment?date=2019-05-17T23:30:00${v('+02:00')}`);
  add('risk-date-ge-day', `RiskAssessment?date=ge2019-05-17`);
  add('risk-date-gt-day', `RiskAssessment?date=gt2019-05-17`);
  add('risk-date-lt-day', `RiskAssessment?date=lt2019-05-17`);
  add('risk-date-le-month', `RiskAssessment?date=le2019-05`);
  add('risk-date-sa-month', `RiskAssessment?date=sa2019-04`);
  add('risk-date-eb-month', `RiskAssessment?date=eb2019-06`);
  add('risk-date-ne-day', `RiskAssessment?date=ne2019-05-17`);
  add('risk-date-ap-day', `RiskAssessment?date=ap2019-05-17`);
  add('risk-date-ms', `RiskAssessment?date=2020-01-01T00:00:00.500Z`, 1, 'the one occurrence at that instant');
  add('risk-tag', `RiskAssessment?_tag=http://example.org/fhir/tags|reference-test`);
  add('risk-tag-not', `RiskAssessment?_tag:not=http://example.org/fhir/tags|reference-test`);
  add('risk-tag-missing', `RiskAssessment?_tag:missing=true`);
  add('risk-security', `RiskAssessment?_security=R`);
  add('risk-source', `RiskAssessment?_source=http://example.org/fhir/source/riskengine`);
  add('risk-subject-chain-name', `RiskAssessment?subject:Patient.name=zoe`);
  add('risk-sort-probability', `RiskAssessment?_sort=-probability`);
  add('risk-sort-date', `RiskAssessment?_sort=date`);

  // ---------------------------------------------------------------- uri
  add('cp-instantiates-uri', `CarePlan?instantiates-uri=http://example.org/fhir/protocols/falls/v2`);
  add('cp-instantiates-uri-below', `CarePlan?instantiates-uri:below=http://example.org/fhir/protocols`);
  add('cp-instantiates-uri-above', `CarePlan?instantiates-uri:above=http://example.org/fhir/protocols/falls/v2/section/1`);
  add('cp-instantiates-uri-prefix-only', `CarePlan?instantiates-uri=http://example.org/fhir/protocols`);
  add('cp-date-ge', `CarePlan?date=ge2019-05-17&patient=${extraPatient.id}`);

  return queries;
}
