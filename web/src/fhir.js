// Reading FHIR resources for people: a title from code.text or a coding's display, the date that
// matters for each type, values with their units. No terminology server: what the resource says.
import { formatNumber } from './ui.js';

/** The words of a CodeableConcept: its text, else the first coding's display, else its code. */
export function conceptText(cc) {
  if (!cc) return '';
  if (Array.isArray(cc)) return cc.map(conceptText).filter(Boolean).join(', ');
  if (cc.text) return cc.text;
  const codings = cc.coding || [];
  const shown = codings.find((c) => c.display);
  if (shown) return shown.display;
  return codings[0] ? codings[0].code || '' : '';
}

export function refText(ref, byRef) {
  if (!ref) return '';
  if (ref.display) return ref.display;
  const target = ref.reference && byRef ? byRef.get(ref.reference) : null;
  if (target) return titleOf(target, byRef);
  return '';
}

export function humanName(names) {
  const n = (names || []).find((x) => x.use === 'official') || (names || [])[0];
  if (!n) return '';
  if (n.text) return n.text;
  return [...(n.given || []), ...(n.prefix ? [] : []), n.family].filter(Boolean).join(' ');
}

export function quantityText(q) {
  if (!q || q.value === undefined) return '';
  const unit = q.unit || q.code || '';
  return `${q.comparator || ''}${formatNumber(q.value, { maximumFractionDigits: 3 })}${unit ? ` ${unit}` : ''}`;
}

/** An Observation's (or component's) value as text; blood pressure's components as 120/80 mmHg. */
export function valueText(r) {
  if (!r) return '';
  if (r.valueQuantity) return quantityText(r.valueQuantity);
  if (r.valueCodeableConcept) return conceptText(r.valueCodeableConcept);
  if (r.valueString !== undefined) return r.valueString;
  if (r.valueBoolean !== undefined) return String(r.valueBoolean);
  if (r.valueInteger !== undefined) return formatNumber(r.valueInteger);
  if (r.valueDateTime) return r.valueDateTime;
  if (r.valueRange) return `${quantityText(r.valueRange.low)} – ${quantityText(r.valueRange.high)}`;
  if (r.valueRatio) return `${quantityText(r.valueRatio.numerator)} / ${quantityText(r.valueRatio.denominator)}`;
  if (Array.isArray(r.component) && r.component.length) {
    const qs = r.component.map((c) => c.valueQuantity).filter(Boolean);
    if (qs.length === 2 && qs[0].unit === qs[1].unit) {
      return `${formatNumber(qs[0].value)}/${formatNumber(qs[1].value)} ${qs[0].unit || ''}`.trim();
    }
    return r.component.map((c) => `${conceptText(c.code)}: ${valueText(c)}`).join('; ');
  }
  return '';
}

function periodStart(p) {
  return p ? p.start || p.end : undefined;
}

/** The date a person would put on the item (not when it was collected). */
export function dateOf(r) {
  switch (r.resourceType) {
    case 'Condition': return r.onsetDateTime || periodStart(r.onsetPeriod) || r.recordedDate;
    case 'AllergyIntolerance': return r.onsetDateTime || periodStart(r.onsetPeriod) || r.recordedDate || r.lastOccurrence;
    case 'MedicationStatement': return r.effectiveDateTime || periodStart(r.effectivePeriod) || r.dateAsserted;
    case 'MedicationRequest': return r.authoredOn || periodStart(r.dispenseRequest && r.dispenseRequest.validityPeriod);
    case 'MedicationDispense': return r.whenHandedOver || r.whenPrepared;
    case 'MedicationAdministration': return r.effectiveDateTime || periodStart(r.effectivePeriod);
    case 'Immunization': return r.occurrenceDateTime || r.recorded;
    case 'Observation': return r.effectiveDateTime || periodStart(r.effectivePeriod) || r.effectiveInstant || r.issued;
    case 'Encounter': return periodStart(r.period);
    case 'Procedure': return r.performedDateTime || periodStart(r.performedPeriod);
    case 'DeviceUseStatement': return periodStart(r.timingPeriod) || r.timingDateTime || r.recordedOn;
    case 'Consent': return r.dateTime;
    case 'Flag': return periodStart(r.period);
    case 'Coverage': return periodStart(r.period);
    case 'CarePlan': return periodStart(r.period) || r.created;
    case 'Goal': return r.startDate || r.statusDate;
    case 'DocumentReference': return r.date;
    case 'DiagnosticReport': return r.effectiveDateTime || periodStart(r.effectivePeriod) || r.issued;
    case 'CareTeam': return periodStart(r.period);
    case 'RelatedPerson': return periodStart(r.period);
    default: return undefined;
  }
}

function medicationText(r, byRef) {
  return conceptText(r.medicationCodeableConcept) || refText(r.medicationReference, byRef);
}

/** A human title for one resource. */
export function titleOf(r, byRef) {
  if (!r) return '';
  switch (r.resourceType) {
    case 'Patient':
    case 'Practitioner':
      return humanName(r.name);
    case 'RelatedPerson': {
      const name = humanName(r.name);
      const rel = conceptText(r.relationship);
      return rel ? `${name} (${rel})` : name;
    }
    case 'Organization':
    case 'Location':
      return r.name || '';
    case 'Medication':
      return conceptText(r.code);
    case 'MedicationStatement':
    case 'MedicationRequest':
    case 'MedicationDispense':
    case 'MedicationAdministration':
      return medicationText(r, byRef);
    case 'Immunization':
      return conceptText(r.vaccineCode);
    case 'Observation': {
      const what = conceptText(r.code);
      const value = valueText(r);
      return value ? `${what}: ${value}` : what;
    }
    case 'Encounter':
      return conceptText(r.type) || conceptText(r.serviceType) || (r.class && (r.class.display || r.class.code)) || conceptText(r.reasonCode);
    case 'DeviceUseStatement':
      return refText(r.device, byRef) || conceptText(r.reasonCode);
    case 'Device':
      return conceptText(r.type) || ((r.deviceName || [])[0] || {}).name || '';
    case 'Consent':
      return conceptText(r.category) || conceptText(r.scope);
    case 'Coverage':
      return (r.payor || []).map((p) => refText(p, byRef)).filter(Boolean).join(', ') || conceptText(r.type);
    case 'CareTeam':
      return r.name || conceptText(r.category) || (r.participant || []).map((p) => refText(p.member, byRef)).filter(Boolean).join(', ');
    case 'CarePlan':
      return r.title || conceptText(r.category);
    case 'Goal':
      return conceptText(r.description);
    case 'DocumentReference':
      return r.description || conceptText(r.type);
    case 'PractitionerRole':
      return refText(r.practitioner, byRef) || conceptText(r.specialty);
    default:
      return conceptText(r.code) || conceptText(r.type) || r.name || '';
  }
}

/** The resource's one-word state, when it has one worth showing. */
export function statusOf(r) {
  return conceptText(r.clinicalStatus) || r.status || '';
}

/** Codes of an Observation's categories ('laboratory', 'vital-signs', ...). */
export function observationCategories(r) {
  const out = [];
  for (const c of r.category || []) for (const cd of c.coding || []) if (cd.code) out.push(cd.code);
  return out;
}

/** All text of a resource worth searching (titles, codes, notes), lower case without accents. */
export function searchText(r, byRef) {
  const parts = [titleOf(r, byRef), statusOf(r)];
  const walk = (v, depth) => {
    if (depth > 4 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      if (v.length < 200) parts.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'meta' || k === 'id' || k === 'reference' || k === 'system' || k === 'url' || k === 'text') continue;
        walk(x, depth + 1);
      }
    }
  };
  walk(r, 0);
  return normalise(parts.join(' '));
}

export function normalise(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
