# Import/export tests: the Synthea round trip over HTTP and through `regie import`/`regie export`,
# and the import command's behaviour on small files. Both run the real binary; they are not in the
# "san" label because the round trip moves ~77,000 resources (run them on the optimised build).
add_executable(import_synthea_roundtrip
  ${CMAKE_SOURCE_DIR}/tests/import/synthea_roundtrip.c
  ${CMAKE_SOURCE_DIR}/tests/import/rt_proc.c
  ${CMAKE_SOURCE_DIR}/tests/import/rt_http.c
  ${CMAKE_SOURCE_DIR}/tests/import/rt_compare.c)
target_link_libraries(import_synthea_roundtrip PRIVATE regie_cli PkgConfig::CURL)
set_target_properties(import_synthea_roundtrip PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/import)
add_dependencies(import_synthea_roundtrip regie)
add_test(NAME import/synthea_roundtrip
  COMMAND import_synthea_roundtrip $<TARGET_FILE:regie> ${CMAKE_SOURCE_DIR})
set_tests_properties(import/synthea_roundtrip PROPERTIES
  LABELS "import;slow" SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "REGIE_SHARED=${CMAKE_SOURCE_DIR}/../shared")

# The import/export commands on small files (fast; also run under the sanitizers).
add_test(NAME import/cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/import/cli.sh $<TARGET_FILE:regie> ${CMAKE_SOURCE_DIR})
set_tests_properties(import/cli PROPERTIES LABELS "import;san" TIMEOUT 120)
