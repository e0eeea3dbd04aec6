# The search comparison with a reference implementation (@medplum/fhir-router in memory, under
# Node 22): ten Synthea patients in both, 300+ queries, the result ids compared. Needs the shared
# data and node_modules (scripts/deps); skips otherwise. Not under the sanitizers: it measures what
# regie answers, and the reference scans every resource per query (minutes, not seconds).
add_test(NAME reference/compare
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/reference/run.sh $<TARGET_FILE:regie> ${CMAKE_SOURCE_DIR})
set_tests_properties(reference/compare PROPERTIES
  LABELS "reference;slow" SKIP_RETURN_CODE 77 TIMEOUT 1800
  ENVIRONMENT "REGIE_SHARED=${CMAKE_SOURCE_DIR}/../shared")
