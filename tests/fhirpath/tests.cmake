# The official FHIRPath R4 conformance suite, run against the engine in src/fhir/fhirpath.
# Included by tests/CMakeLists.txt. Known gaps are listed in known-failures.txt (docs/fhirpath.md).
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
set(fp_dir ${CMAKE_SOURCE_DIR}/tests/fhirpath)
add_executable(fhirpath_suite ${fp_dir}/suite.c)
target_link_libraries(fhirpath_suite PRIVATE regie_fhir PkgConfig::LIBXML2)
set_target_properties(fhirpath_suite PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
set(fp_data ${CMAKE_SOURCE_DIR}/../shared/data/fhirpath)
add_test(NAME fhirpath/suite
         COMMAND fhirpath_suite ${fp_data}/tests-fhir-r4.xml ${fp_data}/input
                 ${fp_dir}/known-failures.txt)
set_tests_properties(fhirpath/suite PROPERTIES LABELS "fhirpath;san" TIMEOUT 300
                     SKIP_RETURN_CODE 77)
