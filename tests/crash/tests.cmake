# Crash durability: SIGKILL a busy regie three times and check every acknowledged write survived
# (see docs/testing.md). Included by tests/CMakeLists.txt.
set(crash_dir ${CMAKE_SOURCE_DIR}/tests/crash)
add_executable(crash_writes ${crash_dir}/crash_writes.c ${crash_dir}/crash_ledger.c ${crash_dir}/crash_tx.c
                            ${CMAKE_SOURCE_DIR}/tests/scenario/client.c
                            ${CMAKE_SOURCE_DIR}/tests/scenario/proc.c)
target_link_libraries(crash_writes PRIVATE regie_util PkgConfig::CURL PkgConfig::JSONC
                                           PkgConfig::SQLITE Threads::Threads)
set_target_properties(crash_writes PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME crash/writes COMMAND crash_writes $<TARGET_FILE:regie>)
set_tests_properties(crash/writes PROPERTIES LABELS "crash" TIMEOUT 600)

# Concurrent conditional and versioned writes (fast; also under the sanitizers).
add_executable(crash_races ${crash_dir}/races.c ${crash_dir}/crash_ledger.c
                           ${CMAKE_SOURCE_DIR}/tests/scenario/client.c
                           ${CMAKE_SOURCE_DIR}/tests/scenario/proc.c)
target_link_libraries(crash_races PRIVATE regie_util PkgConfig::CURL PkgConfig::JSONC Threads::Threads)
set_target_properties(crash_races PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME crash/races COMMAND crash_races $<TARGET_FILE:regie>)
set_tests_properties(crash/races PROPERTIES LABELS "crash;race;san" TIMEOUT 300)
foreach(t crash_writes crash_races)
  add_dependencies(${t} regie)
endforeach()
