# Scenario tests: each tests/scenario/NN-name.json runs against its own real `regie serve` on
# loopback (see docs/testing.md). Included by tests/CMakeLists.txt.
set(scen_dir ${CMAKE_SOURCE_DIR}/tests/scenario)
add_executable(scenario_runner ${scen_dir}/runner.c ${scen_dir}/step.c ${scen_dir}/step_req.c
                               ${scen_dir}/subst.c ${scen_dir}/match.c ${scen_dir}/client.c
                               ${scen_dir}/proc.c)
target_link_libraries(scenario_runner PRIVATE regie_util PkgConfig::CURL PkgConfig::JSONC)
set_target_properties(scenario_runner PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_dependencies(scenario_runner regie)

file(GLOB scenario_files CONFIGURE_DEPENDS ${scen_dir}/[0-9][0-9]-*.json)
foreach(f ${scenario_files})
  get_filename_component(name ${f} NAME_WE)
  add_test(NAME scenario/${name} COMMAND scenario_runner $<TARGET_FILE:regie> ${f})
  set_tests_properties(scenario/${name} PROPERTIES LABELS "scenario;san" TIMEOUT 300
                       ENVIRONMENT "REGIE_SHARED=${CMAKE_SOURCE_DIR}/../shared")
endforeach()

add_test(NAME scenario/no_auth_refused COMMAND ${scen_dir}/no_auth_refused.sh $<TARGET_FILE:regie>)
set_tests_properties(scenario/no_auth_refused PROPERTIES LABELS "scenario;san" TIMEOUT 120)

# The runner's own matcher and substitutions.
add_executable(scenario_selftest ${scen_dir}/selftest.c ${scen_dir}/match.c ${scen_dir}/subst.c)
target_link_libraries(scenario_selftest PRIVATE regie_util PkgConfig::JSONC PkgConfig::CMOCKA)
set_target_properties(scenario_selftest PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME scenario/runner_selftest COMMAND scenario_selftest)
set_tests_properties(scenario/runner_selftest PROPERTIES LABELS "scenario;san")

# A stalled client is cut off by --idle-timeout while everyone else is served.
add_test(NAME scenario/slow_client COMMAND ${scen_dir}/slow_client.sh $<TARGET_FILE:regie>)
set_tests_properties(scenario/slow_client PROPERTIES LABELS "scenario;san" TIMEOUT 120)
