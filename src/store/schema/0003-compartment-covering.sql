-- 0003: the compartment index covers what a per-patient search reads.
--
-- A compartment search (Patient/{id}/$everything, Patient/{id}/Observation, the compartment as a
-- search's driving clause) asks resource_current for (compartment, type, deleted) and takes seq.
-- The 0001 index held only (compartment, type), so each of a patient's resources (about 2,000 in
-- Synthea) cost a lookup in the (type, id) key, on pages scattered by the random ids: $everything
-- grew 3.8x from 100 to 1,600 patients. With deleted and seq in the index the lookup is one
-- range scan of adjacent entries (measured on a copy of the 100-patient database: ~9.5 -> ~0.8 ms
-- of CPU). Same name, so the search's INDEXED BY still names it.
DROP INDEX resource_current_compartment;
CREATE INDEX resource_current_compartment ON resource_current (compartment, type, deleted, seq)
    WHERE compartment IS NOT NULL;
